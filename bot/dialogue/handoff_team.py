"""A handoff seen from the staff chat: the team's replies, /nota, /sugerir and /cerrar.

The team writes in the owner's forum topic (or replies to the bot's copies in
a plain group); each message is relayed to the owner with the advisor's first
name, and stored, redacted, for the transcript.
"""

from __future__ import annotations

import re
from typing import Any

from bot import phrases
from bot.dialogue.handoff_posts import (
    STORED_TEXT,
    close_topic,
    rating_buttons,
    staff_post,
    uncaptionable,
)
from bot.dialogue.model import Event, Post, Reply
from bot.dialogue.turn import Turn
from bot.privacy.redaction import redact
from bot.storage import handoffs as store
from bot.storage import review
from bot.storage.models import HANDOFF_OPEN, Handoff

STAFF_COMMANDS = frozenset({"cerrar", "nota", "sugerir"})


def _suggestible(text: str) -> bool:
    """A reply with words (not only "[photo]") can become a knowledge-base suggestion."""
    return bool(text) and re.fullmatch(r"\[\w+\]", text) is None


def is_staff_side(event: Event, staff_chat_id: int | None) -> bool:
    """A message in the staff chat that may belong to a handoff: in a topic, or a reply."""
    return (
        staff_chat_id is not None
        and event.chat_id == staff_chat_id
        and event.kind != "button"
        and (event.thread_id is not None or event.reply_to is not None)
    )


async def on_staff(turn: Turn, event: Event) -> bool:
    """A message from the team in a handoff's topic (or a reply to one of its copies).

    False for a command that is not the handoff's, or that belongs to no handoff:
    the rest of the dialogue handles it (e.g. /leads, /nota L-ABC123 in the chat).
    """
    if event.kind == "command" and event.command not in STAFF_COMMANDS:
        return False
    session = await turn.transaction()
    chat = event.chat_id or 0
    handoff = None
    if event.thread_id is not None:
        handoff = await store.handoff_in_topic(session, chat, event.thread_id)
    if handoff is None and event.reply_to is not None:
        handoff = await store.handoff_of_staff_message(session, chat, event.reply_to)
    if handoff is None:
        if event.kind == "command" and event.command == "cerrar":
            turn.say(Reply(phrases.STAFF_HANDOFF_COMMAND_OUTSIDE))
            return True
        # Other commands (/nota L-ABC123, /leads) go on; the team's own talk in other
        # topics, or replies to a lead card, is not for the bot to answer.
        return event.kind != "command"
    staff_name = (event.user.first_name or "").strip()[:64] or phrases.HANDOFF_ADVISOR
    here: dict[str, Any] = {"chat_id": chat, "thread_id": event.thread_id}
    if handoff.status != HANDOFF_OPEN:
        turn.outcome.posts.append(Post(text=phrases.STAFF_HANDOFF_NOT_OPEN, **here))
        return True
    if event.kind == "command" and event.command == "nota":
        note = event.payload.strip()
        if not note:
            turn.outcome.posts.append(Post(text=phrases.STAFF_HANDOFF_NOTE_EMPTY, **here))
            return True
        store.record_message(
            session,
            handoff,
            "note",
            text=redact(note, (handoff.owner_name,))[:STORED_TEXT],
            staff_chat_id=chat,
            staff_message_id=event.message_id,
            staff_name=staff_name,
        )
        turn.outcome.posts.append(
            Post(text=phrases.STAFF_HANDOFF_NOTE_SAVED.format(name=handoff.owner_name), **here)
        )
        return True
    if event.kind == "command" and event.command == "sugerir":
        await _suggest(turn, event, handoff, here)
        return True
    if event.kind == "command":  # /cerrar
        await _close_by_staff(turn, handoff, staff_name)
        return True
    _relay_out(turn, event, handoff, staff_name)
    await store.touch(session, handoff.id or 0, "staff")
    return True


def _relay_out(turn: Turn, event: Event, handoff: Handoff, staff_name: str) -> None:
    stored = redact(event.text, (handoff.owner_name,))[:STORED_TEXT] if event.text else ""
    common: dict[str, Any] = {
        "chat_id": handoff.user_id,
        "handoff_id": handoff.id,
        "direction": "out",
        "user_id": handoff.user_id,
        "source_message_id": event.message_id,
        "staff_name": staff_name,
        "stored_text": stored or (f"[{event.media}]" if event.media else ""),
        "to_owner": True,
    }
    if event.kind == "text" or event.message_id is None:
        text = phrases.HANDOFF_FROM_STAFF.format(name=staff_name, text=event.text)
        turn.outcome.posts.append(Post(text=text, **common))
        return
    caption = phrases.HANDOFF_FROM_STAFF_CAPTION.format(name=staff_name)
    if event.text:
        caption += f": {event.text}"
    if uncaptionable(event):  # say who sends it first; the copy itself stays bare
        turn.outcome.posts.append(Post(chat_id=handoff.user_id, text=caption, to_owner=True))
        caption = ""
    source = (event.chat_id or 0, event.message_id)
    turn.outcome.posts.append(Post(copy_of=source, text=caption, **common))


async def _close_by_staff(turn: Turn, handoff: Handoff, staff_name: str) -> None:
    session = await turn.transaction()
    if not await store.close_handoff(session, handoff.id or 0, "staff"):
        return
    turn.outcome.posts.append(
        Post(
            chat_id=handoff.user_id,
            text=phrases.HANDOFF_ENDED_BY_STAFF.format(name=staff_name)
            + "\n"
            + phrases.HANDOFF_RATE_PROMPT,
            buttons=rating_buttons(handoff.id or 0),
            user_id=handoff.user_id,
            to_owner=True,
        )
    )
    staff_post(
        turn,
        handoff,
        phrases.STAFF_HANDOFF_CLOSED_BY_STAFF.format(staff=staff_name, name=handoff.owner_name),
    )
    close_topic(turn, handoff)


async def _suggest(turn: Turn, event: Event, handoff: Handoff, here: dict[str, Any]) -> None:
    """/sugerir in reply to a team message (or after it): it and the owner's question
    before it become a suggestion for the knowledge base, for curators to review."""
    session = await turn.transaction()
    message = await store.staff_reply(session, handoff, event.reply_to)
    if message is None or not _suggestible(message.text):
        notice = phrases.STAFF_HANDOFF_SUGGEST_EMPTY
    else:
        question = await store.last_owner_text_before(session, message)
        stored = await store.suggest_for_knowledge(session, message, question)
        if stored and question:  # the owner's question joins the curators' review queue
            likely = [h.entry_id for h in turn.core.answers.search(question, limit=3)]
            await review.suggest(session, question, "handoff", likely)
        notice = (
            phrases.STAFF_HANDOFF_SUGGESTED if stored else phrases.STAFF_HANDOFF_SUGGESTED_ALREADY
        )
    turn.outcome.posts.append(Post(text=notice, **here))
