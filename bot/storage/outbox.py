"""Where staff notices wait until Telegram has them: the transactional outbox.

A new lead's card is written in the same transaction as the lead, so a lead
is never stored without its notice, and a worker on every replica
(adapters/staff_notifier.py) sends what is due. A notice is claimed with a
lease by one conditional UPDATE, so of several replicas exactly one sends it;
failures are retried later (Telegram's retry_after, or a growing backoff)
until Telegram accepts it. A replica killed after claiming leaves the lease to
expire, and another sends it: at least once, never lost.

Once sent, the text is cleared (the staff chat has it, and staff_messages
remembers where, so erasure can rewrite it there).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import (
    Lead,
    LeadEvent,
    StaffMessage,
    StaffNotice,
    known,
    stored_id,
    utcnow,
)

LEASE = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class DueNotice:
    """A claimed notice, ready to send: (label, callback data) rows of buttons."""

    id: int
    chat_id: int
    text: str
    buttons: list[list[tuple[str, str]]]
    attempts: int
    thread_id: int | None = None


def enqueue(
    session: AsyncSession,
    chat_id: int,
    text: str,
    buttons: list[list[tuple[str, str]]],
    lead_id: int | None = None,
    thread_id: int | None = None,
) -> None:
    """Add a notice to the caller's transaction: it exists only if what it announces does."""
    session.add(
        StaffNotice(
            chat_id=chat_id,
            thread_id=thread_id,
            lead_id=lead_id,
            text=text,
            buttons=json.dumps(buttons),
            status="pending",
        )
    )


def _claimable(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        col(StaffNotice.status) == "pending",
        col(StaffNotice.next_attempt_at) <= now,
        or_(col(StaffNotice.lease_until).is_(None), col(StaffNotice.lease_until) < now),
    )


async def claim_due(session: AsyncSession, owner: str, limit: int = 20) -> list[DueNotice]:
    """Notices due now that no other replica holds, leased to `owner`, oldest first.

    When another replica won every candidate, the next ones are looked at: an empty
    claim means nothing is left, not that this replica lost one race.
    """
    while True:
        candidates = (
            await session.exec(
                select(col(StaffNotice.id))
                .where(*_claimable(utcnow()))
                .order_by(col(StaffNotice.id))
                .limit(limit)
            )
        ).all()
        if not candidates:
            return []
        claimed = await _claim(session, owner, [known(i, "staff_notices.id") for i in candidates])
        if claimed:
            return claimed


async def _claim(session: AsyncSession, owner: str, candidates: list[int]) -> list[DueNotice]:
    now = utcnow()
    claimed: list[DueNotice] = []
    for notice_id in candidates:
        result = await session.exec(
            update(StaffNotice)
            .where(col(StaffNotice.id) == notice_id, *_claimable(now))
            .values(lease_owner=owner, lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        await session.commit()  # each claim on its own: another replica takes the rest
        if result.rowcount != 1:
            continue
        notice = await session.get(StaffNotice, notice_id, populate_existing=True)
        if notice is None:
            continue
        claimed.append(
            DueNotice(
                id=notice_id,
                chat_id=notice.chat_id,
                text=notice.text,
                buttons=[[tuple(b) for b in row] for row in json.loads(notice.buttons)],
                attempts=notice.attempts,
                thread_id=notice.thread_id,
            )
        )
    return claimed


async def mark_sent(
    session: AsyncSession, notice_id: int, message_id: int
) -> tuple[int, str] | None:
    """Record the delivery; returns (lead id, reference) when the card must be rewritten at once.

    That is when the person erased their data while the card was on its way:
    erasure could not know the message id yet.
    """
    notice = await session.get(StaffNotice, notice_id, populate_existing=True)
    if notice is None or notice.status != "pending":
        return None
    notice.status, notice.sent_at, notice.message_id = "sent", utcnow(), message_id
    notice.text, notice.buttons = "", "[]"
    notice.lease_owner = notice.lease_until = None
    session.add(notice)
    rewrite: tuple[int, str] | None = None
    if notice.lead_id is not None:
        lead = await session.get(Lead, notice.lead_id)
        if lead is not None and lead.anonymized:
            rewrite = (stored_id(lead), lead.reference)
        elif lead is not None:
            session.add(
                StaffMessage(lead_id=stored_id(lead), chat_id=notice.chat_id, message_id=message_id)
            )
    await session.commit()
    return rewrite


async def changed_while_sent(session: AsyncSession, notice_id: int) -> Lead | None:
    """The notice's lead, when staff changed it before the card's message id was stored.

    A status pressed on a card in that instant found no card to edit; the card then
    still shows the old state, so the worker rewrites it at once.
    """
    notice = await session.get(StaffNotice, notice_id)
    if notice is None or notice.lead_id is None:
        return None
    changes = (
        await session.exec(
            select(func.count())
            .select_from(LeadEvent)
            .where(
                col(LeadEvent.lead_id) == notice.lead_id,
                col(LeadEvent.created_at) >= notice.created_at,
            )
        )
    ).one()
    if not changes:
        return None
    lead = await session.get(Lead, notice.lead_id)
    return None if lead is None or lead.anonymized else lead


async def retry_later(session: AsyncSession, notice_id: int, delay: float) -> None:
    """Release the lease and try again after `delay` seconds."""
    await session.exec(
        update(StaffNotice)
        .where(col(StaffNotice.id) == notice_id, col(StaffNotice.status) == "pending")
        .values(
            attempts=col(StaffNotice.attempts) + 1,
            next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def rewrite_pending(session: AsyncSession, texts_by_lead: dict[int, str]) -> None:
    """Erasure: a notice not yet sent about one of these leads says only the given text."""
    for lead_id, text in texts_by_lead.items():
        await session.exec(
            update(StaffNotice)
            .where(col(StaffNotice.lead_id) == lead_id, col(StaffNotice.status) == "pending")
            .values(text=text, buttons="[]")
            .execution_options(synchronize_session=False)
        )
