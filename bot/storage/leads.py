"""Where a lead is stored: create or update, follow-up status, counts and exports."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.lead_statuses import LEAD_STATUSES, OPEN_STATUSES
from bot.storage.models import (
    Lead,
    LeadEvent,
    StaffMessage,
    table_of,
    utcnow,
)

#: Any SELECT (of whole leads or of some columns) that _filtered narrows.
AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def new_reference() -> str:
    return "L-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class LeadDraft:
    """What the capture flow collected, ready to store."""

    user_id: int
    topic_kind: str
    topic: str
    topic_label: str
    phone: str
    consent_at: dt.datetime
    consent_version: str
    contact_name: str | None = None
    business_name: str | None = None
    ruc: str | None = None
    sector: str | None = None
    region: str | None = None
    cite_id: str | None = None
    source: str | None = None


async def open_lead(
    session: AsyncSession, user_id: int, topic_kind: str, topic: str
) -> Lead | None:
    query = select(Lead).where(
        col(Lead.user_id) == user_id,
        col(Lead.topic_kind) == topic_kind,
        col(Lead.topic) == topic,
        col(Lead.status).in_(OPEN_STATUSES),
    )
    return (await session.exec(query)).first()


async def save_lead(session: AsyncSession, draft: LeadDraft) -> tuple[Lead, bool]:
    """One open lead per user and topic: a repeat updates it. Returns (lead, created)."""
    fields: dict[str, Any] = {
        name: getattr(draft, name)
        for name in (
            "contact_name",
            "phone",
            "business_name",
            "ruc",
            "sector",
            "region",
            "cite_id",
            "topic_label",
            "consent_at",
            "consent_version",
        )
    }
    existing = await open_lead(session, draft.user_id, draft.topic_kind, draft.topic)
    if existing is not None:
        for name, value in fields.items():
            if value is not None:
                setattr(existing, name, value)
        existing.updated_at = utcnow()
        session.add(existing)
        await session.flush()
        return existing, False
    lead = Lead(
        reference=new_reference(),
        user_id=draft.user_id,
        topic_kind=draft.topic_kind,
        topic=draft.topic[:300],
        source=draft.source,
        **fields,
    )
    session.add(lead)
    await session.flush()
    return lead, True


async def set_status(session: AsyncSession, lead_id: int, status: str) -> Lead | None:
    if status not in LEAD_STATUSES:
        raise ValueError(status)
    lead = await session.get(Lead, lead_id)
    if lead is None:
        return None
    lead.status = status
    lead.updated_at = utcnow()
    session.add(lead)
    return lead


async def leads_of_user(session: AsyncSession, user_id: int) -> list[Lead]:
    query = select(Lead).where(col(Lead.user_id) == user_id).order_by(col(Lead.created_at))
    return list((await session.exec(query)).all())


async def latest_contact(session: AsyncSession, user_id: int) -> Lead | None:
    """The owner's most recent lead: a second request reuses its phone, business and RUC."""
    query = (
        select(Lead)
        .where(col(Lead.user_id) == user_id)
        .order_by(col(Lead.created_at).desc(), col(Lead.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def count_by(session: AsyncSession, field: str) -> list[tuple[str | None, int]]:
    column = getattr(Lead, field)
    query = select(column, func.count()).group_by(column).order_by(func.count().desc())
    return [(value, count) for value, count in (await session.exec(query)).all()]


@dataclass(frozen=True)
class LeadFilter:
    since: dt.date | None = None
    until: dt.date | None = None
    status: str | None = None
    region: str | None = None
    cite: str | None = None


def _filtered(filters: LeadFilter, query: AnySelect) -> AnySelect:
    """`query` narrowed to the leads `filters` asks for, in id order."""
    query = query.order_by(col(Lead.id))
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time(), tzinfo=dt.UTC)
        query = query.where(col(Lead.created_at) >= start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        query = query.where(col(Lead.created_at) < end)
    if filters.status:
        query = query.where(col(Lead.status) == filters.status)
    if filters.region:
        query = query.where(col(Lead.region) == filters.region)
    if filters.cite:
        query = query.where(col(Lead.cite_id) == filters.cite)
    return query


async def stream_lead_rows(
    session: AsyncSession, filters: LeadFilter, columns: Sequence[str], batch: int = 5000
) -> AsyncIterator[Sequence[Any]]:
    """Plain rows of `columns`, in id order, a batch at a time.

    Keyset paging keeps memory flat however many leads there are, and plain
    rows skip the ORM's per-object cost, which dominates a 100,000-row export.
    """
    table = table_of(Lead)
    selected = [table.c.id, *(table.c[name] for name in columns)]
    connection = await session.connection()  # Core rows: no ORM identity map to fill
    last_id = 0
    while True:
        query = _filtered(filters, sa_select(*selected)).where(table.c.id > last_id).limit(batch)
        rows = (await connection.execute(query)).all()
        if not rows:
            return
        for row in rows:
            yield row[1:]
        last_id = rows[-1][0]


# -- the pipeline staff work in: history, assignment, notes, the open list -----------------


def record_event(
    session: AsyncSession,
    lead_id: int,
    kind: str,
    by_id: int | None,
    by_name: str | None,
    status: str | None = None,
    note: str | None = None,
) -> None:
    """One line of a lead's history (a status change, who took it, a note)."""
    session.add(
        LeadEvent(
            lead_id=lead_id, kind=kind, status=status, by_id=by_id, by_name=by_name, note=note
        )
    )


async def lead_history(session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    query = (
        select(LeadEvent)
        .where(col(LeadEvent.lead_id) == lead_id)
        .order_by(col(LeadEvent.created_at), col(LeadEvent.id))
    )
    return list((await session.exec(query)).all())


async def assign(session: AsyncSession, lead_id: int, by_id: int, by_name: str) -> Lead | None:
    lead = await session.get(Lead, lead_id)
    if lead is None:
        return None
    lead.assigned_id, lead.assigned_name, lead.updated_at = by_id, by_name[:64], utcnow()
    session.add(lead)
    return lead


async def lead_by_reference(session: AsyncSession, reference: str) -> Lead | None:
    query = select(Lead).where(col(Lead.reference) == reference.upper())
    return (await session.exec(query)).first()


async def open_leads_page(
    session: AsyncSession, page: int, per_page: int
) -> tuple[list[Lead], int]:
    """Open leads, newest first, one page of them; and how many are open in all."""
    is_open = (col(Lead.status).in_(OPEN_STATUSES), col(Lead.anonymized).is_(False))
    total = (await session.exec(select(func.count()).select_from(Lead).where(*is_open))).one()
    query = (
        select(Lead)
        .where(*is_open)
        .order_by(col(Lead.created_at).desc(), col(Lead.id).desc())
        .offset(page * per_page)
        .limit(per_page)
    )
    return list((await session.exec(query)).all()), int(total)


async def cards_of(session: AsyncSession, lead_id: int) -> list[tuple[int, int]]:
    """(chat id, message id) of the staff-chat cards that show this lead."""
    query = select(col(StaffMessage.chat_id), col(StaffMessage.message_id)).where(
        col(StaffMessage.lead_id) == lead_id
    )
    return [(int(chat), int(message)) for chat, message in (await session.exec(query)).all()]
