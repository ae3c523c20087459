"""A person when the owner wants one: the live chat with the team through the staff chat.

`request_person` opens a handoff (the menu's "Hablar con una persona", the
button under every fallback, and the free-text detection call it). With a forum
supergroup as STAFF_CHAT_ID each owner gets one topic, created the first time
and reopened after; the owner's messages are copied into it and the team's
replies there are relayed back with the advisor's first name. In a group that
is not a forum, the team replies to the bot's copies instead. /cerrar (team) or
"Terminar la conversación" (owner) ends it and the owner rates it 1-5; /nota
stays in the staff chat. Outside office hours, or without a staff chat, the
owner is told when someone will answer and can leave a lead.

The core decides and stores; the adapter performs the returned `Post`s and
`TopicChange`s and reports back where they landed (`relayed`, `topic_ready`,
`refused`), so every replica relays and a restart loses nothing.

This module is the owner's side; handoff_team.py the team's, handoff_reports.py
what the adapter reports back (re-exported here, where callers look for them).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, context, lead_capture
from bot.dialogue.flow import Call, Flow, TextStep
from bot.dialogue.handoff_posts import (
    HANDOFF,
    STORED_TEXT,
    close_topic,
    end_buttons,
    rating_buttons,
    staff_post,
    uncaptionable,
)
from bot.dialogue.handoff_reports import refused, relayed, remind_unanswered, topic_ready
from bot.dialogue.handoff_team import STAFF_COMMANDS, is_staff_side, on_staff
from bot.dialogue.model import Event, Post, Reply, TopicChange
from bot.dialogue.reading import Reading
from bot.dialogue.turn import Turn
from bot.office_hours import LIMA, when
from bot.storage import handoffs as store
from bot.storage.lead_statuses import OPEN_STATUSES
from bot.storage.leads import leads_of_user
from bot.storage.models import HANDOFF_OPEN, Handoff, utcnow
from bot.storage.questions import recent_questions

__all__ = [
    "HANDOFF",
    "STAFF_COMMANDS",
    "is_staff_side",
    "on_staff",
    "refused",
    "relayed",
    "remind_unanswered",
    "topic_ready",
]

log = logging.getLogger(__name__)

OWNER_END_COMMANDS = frozenset({"cancelar", "terminar"})
OWNER_PASS_COMMANDS = frozenset({"mis_datos", "borrar_mis_datos", "ayuda", "help"})
EXCHANGES_SHOWN = 5


# -- the owner asks ---------------------------------------------------------------------


async def request_person(turn: Turn, event: Event) -> None:
    """Open a handoff to a person, or say when one can answer and offer to leave a lead."""
    if not event.private:  # a group would see the owner's conversation
        turn.say(Reply(phrases.HANDOFF_PRIVATE_ONLY))
        return
    question = str(turn.data.get("question") or "")
    if turn.staff_chat_id is None:
        turn.say(Reply(phrases.HANDOFF_NO_STAFF_CHAT))
        await _offer_lead(turn, question)
        return
    now = utcnow()
    hours = turn.office_hours
    if hours is not None and not hours.is_open(now):
        opening = hours.next_opening(now)
        turn.say(
            Reply(
                phrases.HANDOFF_OUTSIDE_HOURS.format(
                    hours=hours.describe(), when=when(opening, now)
                )
            )
        )
        await _offer_lead(turn, question)
        return
    session = await turn.transaction()
    name = (event.user.first_name or "").strip()[:64] or "Emprendedor(a)"
    kb = turn.core.kb
    sector = kb.sectors[turn.user.sector].name if turn.user.sector in kb.sectors else "—"
    region = kb.regions[turn.user.region].name if turn.user.region in kb.regions else "—"
    topic_name = phrases.STAFF_HANDOFF_TOPIC.format(name=name, sector=sector, region=region)[:128]
    handoff, created, old_name = await store.open_handoff(
        session, turn.user.id, turn.staff_chat_id, name, topic_name
    )
    turn.state, turn.data = HANDOFF, {"handoff": handoff.id}
    if not created:
        turn.say(Reply(phrases.HANDOFF_ALREADY_OPEN, buttons=end_buttons()))
        return
    header, header_group = await _header(turn, handoff, sector, region, now)
    turn.outcome.topics.append(
        TopicChange(
            "open",
            handoff.chat_id,
            handoff.id or 0,
            thread_id=handoff.thread_id,
            name=topic_name,
            header=header,
            header_group=header_group,
            forum=handoff.forum,
            rename=old_name != topic_name,
        )
    )
    turn.say(Reply(phrases.HANDOFF_OPENED, buttons=end_buttons()))


async def _offer_lead(turn: Turn, question: str) -> None:
    label = question or phrases.ADVISOR_TOPIC
    await lead_capture.start(turn, "q", question or "asesoria", label[:300])


async def _header(
    turn: Turn, handoff: Handoff, sector: str, region: str, now: dt.datetime
) -> tuple[str, str]:
    """The card staff see first: profile, source, open leads, the last exchanges.

    Two wordings, because the adapter learns only on posting whether the staff
    chat is a forum (where the topic names the owner) or a plain group.
    """
    session = await turn.transaction()
    kb = turn.core.kb
    leads = [
        f"{lead.reference} ({lead.topic_label}, {lead.status})"
        for lead in await leads_of_user(session, turn.user.id)
        if lead.status in OPEN_STATUSES
    ]
    exchanges = []
    for q in reversed(await recent_questions(session, turn.user.id, EXCHANGES_SHOWN)):
        if q.kind == "answer" and q.entry_id in kb.entries:
            reply = phrases.STAFF_HANDOFF_REPLY_ANSWER.format(title=kb.entries[q.entry_id].title)
        else:
            reply = phrases.STAFF_HANDOFF_REPLY_KINDS.get(q.kind, q.kind)
        exchanges.append(
            phrases.STAFF_HANDOFF_EXCHANGE.format(question=q.question[:200], reply=reply)
        )
    count, rating = await store.past_handoffs(session, turn.user.id, handoff.id or 0)
    past = "0"
    if count:
        shown = f"{rating}/5" if rating is not None else phrases.STAFF_HANDOFF_NO_RATING
        past = phrases.STAFF_HANDOFF_PAST.format(count=count, rating=shown)
    values = {
        "past": past,
        "name": handoff.owner_name,
        "when": now.astimezone(LIMA).strftime("%d/%m/%Y %H:%M"),
        "sector": sector,
        "region": region,
        "source": turn.user.source or "—",
        "leads": ", ".join(leads) or phrases.STAFF_HANDOFF_NO_LEADS,
        "exchanges": "\n".join(exchanges) or phrases.STAFF_HANDOFF_NO_EXCHANGES,
    }
    return (
        phrases.STAFF_HANDOFF_HEADER.format(**values),
        phrases.STAFF_HANDOFF_HEADER_GROUP.format(**values),
    )


# -- while it is open: the owner's side --------------------------------------------------


async def on_owner(turn: Turn, event: Event) -> bool:
    """An owner in a handoff wrote or pressed something; False: not for the handoff."""
    handoff_id = turn.data.get("handoff")
    session = await turn.transaction()
    handoff = await store.get_handoff(session, int(handoff_id)) if handoff_id else None
    if handoff is None or handoff.status != HANDOFF_OPEN or handoff.user_id != turn.user.id:
        turn.reset()  # closed by the team (or erased): back to the bot
        return False
    if event.kind == "command":
        if event.command in OWNER_END_COMMANDS:
            await end_by_owner(turn, handoff)
            return True
        if event.command in OWNER_PASS_COMMANDS:
            return False
        turn.say(Reply(phrases.HANDOFF_IN_PROGRESS, buttons=end_buttons()))
        return True
    if event.kind == "button":
        data = cb.decode(event.data)
        if data.action == codes.HANDOFF_END or data.action == codes.DELETE:
            if data.action == codes.HANDOFF_END:
                await end_by_owner(turn, handoff)
                return True
            return False
        turn.say(Reply(phrases.HANDOFF_IN_PROGRESS, buttons=end_buttons()))
        return True
    await _relay_in(turn, event, handoff)
    return True


async def _relay_in(turn: Turn, event: Event, handoff: Handoff) -> None:
    session = await turn.transaction()
    name = handoff.owner_name
    stored = turn.redact(event.text)[:STORED_TEXT] if event.text else f"[{event.kind}]"
    if event.kind == "media":
        stored = (turn.redact(event.text)[:STORED_TEXT] + " " if event.text else "") + (
            f"[{event.media}]"
        )
    common: dict[str, Any] = {
        "chat_id": handoff.chat_id,
        "handoff_id": handoff.id,
        "direction": "in",
        "user_id": handoff.user_id,
        "source_message_id": event.message_id,
        "stored_text": stored.strip(),
    }
    source = (event.chat_id or turn.user.id, event.message_id) if event.message_id else None
    if handoff.thread_id is not None and source is not None:
        post = Post(thread_id=handoff.thread_id, copy_of=source, **common)
    elif event.kind == "text" or source is None:
        text = phrases.STAFF_HANDOFF_FROM_OWNER.format(name=name, text=event.text or stored)
        post = Post(text=text, **common)
    else:  # not a forum: a copy staff can reply to, captioned with whose it is
        caption = phrases.STAFF_HANDOFF_FROM_OWNER_CAPTION.format(name=name)
        if event.text:
            caption += f": {event.text}"
        if uncaptionable(event):  # say whose it is first; the copy itself stays bare
            turn.outcome.posts.append(Post(chat_id=handoff.chat_id, text=caption))
            caption = ""
        post = Post(copy_of=source, text=caption, **common)
    turn.outcome.posts.append(post)
    await store.touch(session, handoff.id or 0, "owner")


async def end_by_owner(turn: Turn, handoff: Handoff) -> None:
    session = await turn.transaction()
    turn.reset()
    if not await store.close_handoff(session, handoff.id or 0, "owner"):
        return
    turn.say(Reply(phrases.HANDOFF_ENDED_BY_OWNER, buttons=rating_buttons(handoff.id or 0)))
    turn.say(Reply(phrases.HANDOFF_RATE_PROMPT))
    staff_post(turn, handoff, phrases.STAFF_HANDOFF_CLOSED_BY_OWNER.format(name=handoff.owner_name))
    close_topic(turn, handoff)


async def on_rating(turn: Turn, data: cb.Callback) -> None:
    handoff_id, rating = cb.number(data.arg(0)), cb.number(data.arg(1))
    if handoff_id is None or rating is None or not 1 <= rating <= 5:
        turn.say(Reply(phrases.STALE_BUTTON))
        return
    session = await turn.transaction()
    if not await store.rate_handoff(session, handoff_id, turn.user.id, rating):
        turn.say(Reply("", notice=phrases.HANDOFF_RATED_ALREADY))
        return
    # Stored, not posted: the topic is closed by now; the next header card shows it.
    turn.say(Reply(phrases.HANDOFF_RATED))


# -- what the flow answers --------------------------------------------------------------------


async def takes_over(call: Call) -> bool:
    """The team's messages in a handoff's topic, and all the owner sends while it is open."""
    turn, event = call.turn, call.event
    if is_staff_side(event, call.services.staff_chat_id) and await on_staff(turn, event):
        return True
    return turn.state == HANDOFF and await on_owner(turn, event)


async def person_asked(call: Call, reading: Reading) -> bool:
    """Asked for a person, in any wording: the same handoff as the button."""
    if reading.act.kind != "person":
        return False
    turn = call.turn
    topic = context.topic_of(turn.context, turn.core.kb)
    if topic is not None and not turn.data.get("question"):
        # A lead left outside office hours is about what the owner was reading.
        turn.data["question"] = phrases.ADVISOR_ABOUT.format(topic=topic.label)
    await request_person(turn, call.event)
    return True


async def person(call: Call) -> None:
    await request_person(call.turn, call.event)


async def person_button(call: Call) -> bool:
    await person(call)
    return True


async def rating_button(call: Call) -> bool:
    await on_rating(call.turn, call.data)
    return True


async def end_button(_call: Call) -> bool:
    """Pressed after the handoff ended (while open, takes_over had it): stale."""
    return False


FLOW = Flow(
    name="handoff",
    buttons={
        codes.PERSON: person_button,
        codes.HANDOFF_RATING: rating_button,
        codes.HANDOFF_END: end_button,
    },
    menu={codes.MENU_PERSON: person},
    texts=(TextStep(70, "pide una persona", person_asked),),
    states=frozenset({HANDOFF}),
    takes_over=takes_over,
)
