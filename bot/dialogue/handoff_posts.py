"""What both sides of a handoff post: its buttons, notes in its topic, closing it.

Apart from handoff.py (the owner's side) and handoff_team.py (the team's side)
because both end a handoff the same way and neither should import the other.
"""

from __future__ import annotations

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes
from bot.dialogue.model import Button, Event, Post, TopicChange
from bot.dialogue.turn import Turn
from bot.storage.models import Handoff

HANDOFF = "handoff"  # the owner's state while talking to a person: data {"handoff": id}
STORED_TEXT = 2000  # characters of a relayed message kept for the transcript
NO_CAPTION = frozenset({"sticker", "video_note", "location", "other"})


def uncaptionable(event: Event) -> bool:
    """Stickers, video notes, locations and contacts take no caption in Telegram."""
    return event.kind == "contact" or event.media in NO_CAPTION


def end_buttons() -> list[list[Button]]:
    return [[Button(phrases.BUTTON_END_HANDOFF, cb.encode(codes.HANDOFF_END, "end"))]]


def rating_buttons(handoff_id: int) -> list[list[Button]]:
    return [[Button(str(n), cb.encode(codes.HANDOFF_RATING, handoff_id, n)) for n in range(1, 6)]]


def staff_post(turn: Turn, handoff: Handoff, text: str) -> None:
    turn.outcome.posts.append(Post(chat_id=handoff.chat_id, thread_id=handoff.thread_id, text=text))


def close_topic(turn: Turn, handoff: Handoff) -> None:
    if handoff.thread_id is not None:
        turn.outcome.topics.append(
            TopicChange("close", handoff.chat_id, handoff.id or 0, thread_id=handoff.thread_id)
        )
