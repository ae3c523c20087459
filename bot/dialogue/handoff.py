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
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from bot import phrases
from bot.dialogue import callbacks as cb
from bot.dialogue import codes, lead_capture
from bot.dialogue.model import Button, Event, Outcome, Post, Reply, TopicChange
from bot.dialogue.turn import Turn
from bot.office_hours import LIMA, when
from bot.privacy.redaction import redact
from bot.storage import handoffs as store
from bot.storage import review
from bot.storage.db import Database
from bot.storage.leads import leads_of_user
from bot.storage.models import HANDOFF_OPEN, OPEN_STATUSES, Handoff, utcnow
from bot.storage.outbox import enqueue
from bot.storage.questions import recent_questions

log = logging.getLogger(__name__)

HANDOFF = "handoff"  # the owner's state while talking to a person: data {"handoff": id}
STAFF_COMMANDS = frozenset({"cerrar", "nota", "sugerir"})
OWNER_END_COMMANDS = frozenset({"cancelar", "terminar"})
OWNER_PASS_COMMANDS = frozenset({"mis_datos", "borrar_mis_datos", "ayuda", "help"})
EXCHANGES_SHOWN = 5
STORED_TEXT = 2000  # characters of a relayed message kept for the transcript
NO_CAPTION = frozenset({"sticker", "video_note", "location", "other"})


def _uncaptionable(event: Event) -> bool:
    """Stickers, video notes, locations and contacts take no caption in Telegram."""
    return event.kind == "contact" or event.media in NO_CAPTION


def _suggestible(text: str) -> bool:
    """A reply with words (not only "[photo]") can become a knowledge-base suggestion."""
    return bool(text) and re.fullmatch(r"\[\w+\]", text) is None


def _end_buttons() -> list[list[Button]]:
    return [[Button(phrases.BUTTON_END_HANDOFF, cb.encode(codes.HANDOFF_END, "end"))]]


def _rating_buttons(handoff_id: int) -> list[list[Button]]:
    return [[Button(str(n), cb.encode(codes.HANDOFF_RATING, handoff_id, n)) for n in range(1, 6)]]


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
        turn.say(Reply(phrases.HANDOFF_ALREADY_OPEN, buttons=_end_buttons()))
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
    turn.say(Reply(phrases.HANDOFF_OPENED, buttons=_end_buttons()))


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
        turn.say(Reply(phrases.HANDOFF_IN_PROGRESS, buttons=_end_buttons()))
        return True
    if event.kind == "button":
        data = cb.decode(event.data)
        if data.action == codes.HANDOFF_END or data.action == codes.DELETE:
            if data.action == codes.HANDOFF_END:
                await end_by_owner(turn, handoff)
                return True
            return False
        turn.say(Reply(phrases.HANDOFF_IN_PROGRESS, buttons=_end_buttons()))
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
    common = {
        "chat_id": handoff.chat_id,
        "handoff_id": handoff.id,
        "direction": "in",
        "user_id": handoff.user_id,
        "source_message_id": event.message_id,
        "stored_text": stored.strip(),
    }
    source = (event.chat_id or turn.user.id, event.message_id) if event.message_id else None
    if handoff.thread_id is not None and source is not None:
        post = Post(thread_id=handoff.thread_id, copy_of=source, **common)  # type: ignore[arg-type]
    elif event.kind == "text" or source is None:
        text = phrases.STAFF_HANDOFF_FROM_OWNER.format(name=name, text=event.text or stored)
        post = Post(text=text, **common)  # type: ignore[arg-type]
    else:  # not a forum: a copy staff can reply to, captioned with whose it is
        caption = phrases.STAFF_HANDOFF_FROM_OWNER_CAPTION.format(name=name)
        if event.text:
            caption += f": {event.text}"
        if _uncaptionable(event):  # say whose it is first; the copy itself stays bare
            turn.outcome.posts.append(Post(chat_id=handoff.chat_id, text=caption))
            caption = ""
        post = Post(copy_of=source, text=caption, **common)  # type: ignore[arg-type]
    turn.outcome.posts.append(post)
    await store.touch(session, handoff.id or 0, "owner")


async def end_by_owner(turn: Turn, handoff: Handoff) -> None:
    session = await turn.transaction()
    turn.reset()
    if not await store.close_handoff(session, handoff.id or 0, "owner"):
        return
    turn.say(Reply(phrases.HANDOFF_ENDED_BY_OWNER, buttons=_rating_buttons(handoff.id or 0)))
    turn.say(Reply(phrases.HANDOFF_RATE_PROMPT))
    _staff_post(
        turn, handoff, phrases.STAFF_HANDOFF_CLOSED_BY_OWNER.format(name=handoff.owner_name)
    )
    _close_topic(turn, handoff)


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


# -- while it is open: the team's side ---------------------------------------------------


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
    here = {"chat_id": chat, "thread_id": event.thread_id}
    if handoff.status != HANDOFF_OPEN:
        turn.outcome.posts.append(Post(text=phrases.STAFF_HANDOFF_NOT_OPEN, **here))  # type: ignore[arg-type]
        return True
    if event.kind == "command" and event.command == "nota":
        note = event.payload.strip()
        if not note:
            turn.outcome.posts.append(Post(text=phrases.STAFF_HANDOFF_NOTE_EMPTY, **here))  # type: ignore[arg-type]
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
            Post(text=phrases.STAFF_HANDOFF_NOTE_SAVED.format(name=handoff.owner_name), **here)  # type: ignore[arg-type]
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
    common = {
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
        turn.outcome.posts.append(Post(text=text, **common))  # type: ignore[arg-type]
        return
    caption = phrases.HANDOFF_FROM_STAFF_CAPTION.format(name=staff_name)
    if event.text:
        caption += f": {event.text}"
    if _uncaptionable(event):  # say who sends it first; the copy itself stays bare
        turn.outcome.posts.append(Post(chat_id=handoff.user_id, text=caption, to_owner=True))
        caption = ""
    source = (event.chat_id or 0, event.message_id)
    turn.outcome.posts.append(Post(copy_of=source, text=caption, **common))  # type: ignore[arg-type]


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
            buttons=_rating_buttons(handoff.id or 0),
            user_id=handoff.user_id,
            to_owner=True,
        )
    )
    _staff_post(
        turn,
        handoff,
        phrases.STAFF_HANDOFF_CLOSED_BY_STAFF.format(staff=staff_name, name=handoff.owner_name),
    )
    _close_topic(turn, handoff)


def _staff_post(turn: Turn, handoff: Handoff, text: str) -> None:
    turn.outcome.posts.append(Post(chat_id=handoff.chat_id, thread_id=handoff.thread_id, text=text))


def _close_topic(turn: Turn, handoff: Handoff) -> None:
    if handoff.thread_id is not None:
        turn.outcome.topics.append(
            TopicChange("close", handoff.chat_id, handoff.id or 0, thread_id=handoff.thread_id)
        )


async def _suggest(turn: Turn, event: Event, handoff: Handoff, here: dict) -> None:  # type: ignore[type-arg]
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


# -- what the adapter reports back -------------------------------------------------------


async def topic_ready(db: Database, handoff_id: int, thread_id: int | None, forum: bool) -> None:
    """The topic was created (or the chat proved not to be a forum)."""
    async with db.session() as session:
        await store.set_topic(session, handoff_id, thread_id, forum)
        await session.commit()


async def relayed(db: Database, post: Post, message_id: int | None) -> Outcome:
    """A post of a handoff landed as `message_id`: remember it (a reply to it is relayed
    back, /sugerir finds it, erasure deletes it). Returns what else to post: nothing yet."""
    outcome = Outcome()
    if post.handoff_id is None:
        return outcome
    async with db.session() as session:
        handoff = await store.get_handoff(session, post.handoff_id)
        if handoff is None:  # erased meanwhile
            return outcome
        to_staff = post.direction in {"in", "header"}
        store.record_message(
            session,
            handoff,
            post.direction,
            text=post.stored_text,
            owner_message_id=post.source_message_id if to_staff else message_id,
            staff_chat_id=handoff.chat_id,
            staff_message_id=message_id if to_staff else post.source_message_id,
            staff_name=post.staff_name,
        )
        await session.commit()
    # No "sent" receipt in the staff chat: Telegram allows about 20 messages a minute in
    # one group (python-telegram-bot's limiter queues the rest), and a receipt per reply
    # would take half of them from the relays themselves.
    return outcome


async def refused(db: Database, post: Post) -> Outcome:
    """The owner blocked the bot (Telegram's 403) while a post was on its way to them."""
    outcome = Outcome()
    if post.user_id is None:
        return outcome
    async with db.session() as session:
        handoff = await store.open_handoff_of(session, post.user_id)
        if handoff is None and post.handoff_id is not None:
            handoff = await store.get_handoff(session, post.handoff_id)
        if handoff is None:
            return outcome
        closed = await store.close_handoff(session, handoff.id or 0, "blocked")
        await session.commit()
    if closed or post.direction == "out":
        outcome.posts.append(
            Post(
                chat_id=handoff.chat_id,
                thread_id=handoff.thread_id,
                text=phrases.STAFF_HANDOFF_BLOCKED.format(name=handoff.owner_name),
            )
        )
    if closed and handoff.thread_id is not None:
        outcome.topics.append(
            TopicChange("close", handoff.chat_id, handoff.id or 0, thread_id=handoff.thread_id)
        )
    return outcome


async def remind_unanswered(db: Database, after: dt.timedelta) -> int:
    """One reminder in the staff chat for each open handoff no one answered within `after`.

    Stored in the outbox in the same transaction as the claim, so exactly one
    replica reminds, and the staff-notice worker delivers it (into the topic).
    """
    async with db.session() as session:
        due = await store.claim_reminders(session, after)
        for handoff in due:
            minutes = int(after.total_seconds() // 60)
            enqueue(
                session,
                handoff.chat_id,
                phrases.STAFF_HANDOFF_REMINDER.format(name=handoff.owner_name, minutes=minutes),
                [],
                thread_id=handoff.thread_id,
            )
        await session.commit()
    return len(due)
