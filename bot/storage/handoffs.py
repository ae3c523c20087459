"""Where handoffs to a person are stored: the open one per owner, its topic, its messages.

Every fact a replica needs to relay lives here (which topic is whose, which
staff-chat message came from which owner), so any replica relays and a
restart loses nothing. Changes that two replicas might make at once (opening,
closing, the one reminder) are single conditional statements.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import (
    HANDOFF_CLOSED,
    HANDOFF_OPEN,
    Handoff,
    HandoffMessage,
    KnowledgeSuggestion,
    known,
    stored_id,
    utcnow,
)


async def open_handoff_of(session: AsyncSession, user_id: int) -> Handoff | None:
    query = select(Handoff).where(
        col(Handoff.user_id) == user_id, col(Handoff.status) == HANDOFF_OPEN
    )
    return (await session.exec(query)).first()


async def get_handoff(session: AsyncSession, handoff_id: int) -> Handoff | None:
    return await session.get(Handoff, handoff_id, populate_existing=True)


async def open_handoff(
    session: AsyncSession, user_id: int, chat_id: int, owner_name: str, topic_name: str
) -> tuple[Handoff, bool, str]:
    """The owner's open handoff, created if there is none: (handoff, created, the name
    their reused topic had, "" for a new one).

    A new one reuses the owner's earlier topic in this chat, and remembers when
    the chat proved not to be a forum. Two replicas opening at once: the
    database's unique index lets one insert, and the other finds that row.
    """
    existing = await open_handoff_of(session, user_id)
    if existing is not None:
        return existing, False, ""
    previous = (
        await session.exec(
            select(Handoff)
            .where(col(Handoff.user_id) == user_id, col(Handoff.chat_id) == chat_id)
            .where(col(Handoff.thread_id).is_not(None))
            .order_by(col(Handoff.id).desc())
            .limit(1)
        )
    ).first()
    not_forum = (
        await session.exec(
            select(func.count())
            .select_from(Handoff)
            .where(col(Handoff.chat_id) == chat_id, col(Handoff.forum).is_(False))
        )
    ).one()
    handoff = Handoff(
        user_id=user_id,
        chat_id=chat_id,
        owner_name=owner_name[:64],
        topic_name=topic_name[:128],
        thread_id=previous.thread_id if previous is not None else None,
        forum=not not_forum,
    )
    try:
        async with session.begin_nested():
            session.add(handoff)
            await session.flush()
    except IntegrityError:
        existing = await open_handoff_of(session, user_id)
        if existing is None:
            raise
        return existing, False, ""
    return handoff, True, previous.topic_name if previous is not None else ""


async def set_topic(
    session: AsyncSession, handoff_id: int, thread_id: int | None, forum: bool
) -> None:
    await session.exec(
        update(Handoff)
        .where(col(Handoff.id) == handoff_id)
        .values(thread_id=thread_id, forum=forum)
        .execution_options(synchronize_session=False)
    )


async def handoff_in_topic(session: AsyncSession, chat_id: int, thread_id: int) -> Handoff | None:
    """The latest handoff in this forum topic (open or not)."""
    query = (
        select(Handoff)
        .where(col(Handoff.chat_id) == chat_id, col(Handoff.thread_id) == thread_id)
        .order_by(col(Handoff.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def handoff_of_staff_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Handoff | None:
    """The handoff a staff-chat message belongs to (a copy or the header card)."""
    query = (
        select(Handoff)
        .join(HandoffMessage, col(HandoffMessage.handoff_id) == col(Handoff.id))
        .where(
            col(HandoffMessage.staff_chat_id) == chat_id,
            col(HandoffMessage.staff_message_id) == message_id,
        )
        .limit(1)
    )
    return (await session.exec(query)).first()


def record_message(
    session: AsyncSession,
    handoff: Handoff,
    direction: str,
    text: str = "",
    owner_message_id: int | None = None,
    staff_chat_id: int | None = None,
    staff_message_id: int | None = None,
    staff_name: str | None = None,
) -> HandoffMessage:
    row = HandoffMessage(
        handoff_id=stored_id(handoff),
        user_id=handoff.user_id,
        direction=direction,
        text=text,
        owner_message_id=owner_message_id,
        staff_chat_id=staff_chat_id,
        staff_message_id=staff_message_id,
        staff_name=staff_name,
    )
    session.add(row)
    return row


async def touch(session: AsyncSession, handoff_id: int, side: str) -> None:
    """The owner (side "owner") or the team ("staff") just wrote."""
    values = {"last_owner_at": utcnow()} if side == "owner" else {"last_staff_at": utcnow()}
    await session.exec(
        update(Handoff)
        .where(col(Handoff.id) == handoff_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def close_handoff(session: AsyncSession, handoff_id: int, by: str) -> bool:
    """Close it once: False when it was already closed (another replica, a double tap)."""
    result = await session.exec(
        update(Handoff)
        .where(col(Handoff.id) == handoff_id, col(Handoff.status) == HANDOFF_OPEN)
        .values(status=HANDOFF_CLOSED, closed_at=utcnow(), closed_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def rate_handoff(session: AsyncSession, handoff_id: int, user_id: int, rating: int) -> bool:
    """The owner's 1-5 rating of a closed handoff of theirs, once."""
    result = await session.exec(
        update(Handoff)
        .where(
            col(Handoff.id) == handoff_id,
            col(Handoff.user_id) == user_id,
            col(Handoff.status) == HANDOFF_CLOSED,
            col(Handoff.rating).is_(None),
        )
        .values(rating=rating)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def messages_of(session: AsyncSession, handoff_id: int) -> list[HandoffMessage]:
    query = (
        select(HandoffMessage)
        .where(col(HandoffMessage.handoff_id) == handoff_id)
        .order_by(col(HandoffMessage.id))
    )
    return list((await session.exec(query)).all())


async def get_message(session: AsyncSession, message_id: int) -> HandoffMessage | None:
    return await session.get(HandoffMessage, message_id)


async def staff_reply(
    session: AsyncSession, handoff: Handoff, message_id: int | None
) -> HandoffMessage | None:
    """The team's relayed message `message_id` (in the staff chat), else their latest one."""
    query = select(HandoffMessage).where(
        col(HandoffMessage.handoff_id) == handoff.id, col(HandoffMessage.direction) == "out"
    )
    if message_id is not None:
        exact = (
            await session.exec(query.where(col(HandoffMessage.staff_message_id) == message_id))
        ).first()
        if exact is not None:
            return exact
    return (await session.exec(query.order_by(col(HandoffMessage.id).desc()).limit(1))).first()


async def last_owner_text_before(session: AsyncSession, message: HandoffMessage) -> str:
    """What the owner wrote last before this staff reply: the question it answers."""
    query = (
        select(col(HandoffMessage.text))
        .where(
            col(HandoffMessage.handoff_id) == message.handoff_id,
            col(HandoffMessage.direction) == "in",
            col(HandoffMessage.id) < stored_id(message),
            col(HandoffMessage.text) != "",
        )
        .order_by(col(HandoffMessage.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first() or ""


async def suggest_for_knowledge(
    session: AsyncSession, message: HandoffMessage, question: str
) -> bool:
    """Store a staff reply as a curator suggestion; False when it was suggested already."""
    exists = (
        await session.exec(
            select(func.count())
            .select_from(KnowledgeSuggestion)
            .where(
                col(KnowledgeSuggestion.user_id) == message.user_id,
                col(KnowledgeSuggestion.answer) == message.text,
            )
        )
    ).one()
    if exists:
        return False
    session.add(
        KnowledgeSuggestion(
            user_id=message.user_id,
            question=question,
            answer=message.text,
            staff_name=message.staff_name,
        )
    )
    return True


async def claim_reminders(session: AsyncSession, older_than: dt.timedelta) -> list[Handoff]:
    """Open handoffs no one in the team answered for `older_than`, each claimed once.

    The claim is a conditional UPDATE of `reminded_at`, so of several replicas
    exactly one reminds; the caller stores the reminder in the same transaction.
    """
    now = utcnow()
    due = (
        await session.exec(
            select(col(Handoff.id)).where(
                col(Handoff.status) == HANDOFF_OPEN,
                col(Handoff.last_staff_at).is_(None),
                col(Handoff.reminded_at).is_(None),
                col(Handoff.opened_at) <= now - older_than,
            )
        )
    ).all()
    claimed: list[Handoff] = []
    for handoff_id in due:
        result = await session.exec(
            update(Handoff)
            .where(col(Handoff.id) == handoff_id, col(Handoff.reminded_at).is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            handoff = await get_handoff(session, known(handoff_id, "handoffs.id"))
            if handoff is not None:
                claimed.append(handoff)
    return claimed


async def past_handoffs(
    session: AsyncSession, user_id: int, current_id: int
) -> tuple[int, int | None]:
    """How many handoffs the owner had before this one, and the last one's rating."""
    query = (
        select(col(Handoff.rating))
        .where(col(Handoff.user_id) == user_id, col(Handoff.id) != current_id)
        .order_by(col(Handoff.id).desc())
    )
    ratings = list((await session.exec(query)).all())
    return len(ratings), ratings[0] if ratings else None


async def recent_messages(session: AsyncSession, user_id: int, limit: int) -> list[HandoffMessage]:
    """The person's latest relayed messages, both sides, newest first (for /mis_datos)."""
    query = (
        select(HandoffMessage)
        .where(
            col(HandoffMessage.user_id) == user_id, col(HandoffMessage.direction).in_(("in", "out"))
        )
        .order_by(col(HandoffMessage.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def count_handoffs(session: AsyncSession, user_id: int) -> tuple[int, int]:
    """(handoffs, messages) stored for this owner: what /mis_datos reports."""
    handoffs = (
        await session.exec(
            select(func.count()).select_from(Handoff).where(col(Handoff.user_id) == user_id)
        )
    ).one()
    messages = (
        await session.exec(
            select(func.count())
            .select_from(HandoffMessage)
            .where(
                col(HandoffMessage.user_id) == user_id, col(HandoffMessage.direction) != "header"
            )
        )
    ).one()
    return int(handoffs), int(messages)


__all__ = [
    "claim_reminders",
    "close_handoff",
    "count_handoffs",
    "get_handoff",
    "get_message",
    "handoff_in_topic",
    "handoff_of_staff_message",
    "last_owner_text_before",
    "messages_of",
    "open_handoff",
    "open_handoff_of",
    "past_handoffs",
    "rate_handoff",
    "recent_messages",
    "record_message",
    "set_topic",
    "staff_reply",
    "suggest_for_knowledge",
    "touch",
]
