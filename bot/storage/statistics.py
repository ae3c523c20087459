"""Usage figures for a period, read with a handful of aggregate queries.

Days are Lima days (UTC-5 all year: Peru has no daylight saving time). Each
figure is one GROUP BY on an indexed timestamp, so a month of a ministry's
traffic is read in well under a second (benchmarks/insights.py).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import Feedback, Handoff, HandoffMessage, Lead, QuestionLog

LIMA_OFFSET = dt.timedelta(hours=-5)
KIND_GROUPS = {
    "answer": "answered",
    "cites": "answered",
    "suggestions": "suggested",
    "fallback": "declined",
}


@dataclass(frozen=True)
class Handoffs:
    count: int = 0
    median_first_response: dt.timedelta | None = None


@dataclass
class Statistics:
    """The figures /estadisticas draws and `mypebot report` tabulates."""

    since: dt.date
    until: dt.date  # inclusive
    per_day: list[tuple[dt.date, int, int]] = field(default_factory=list)  # conv., questions
    kinds: dict[str, int] = field(default_factory=dict)  # answered, suggested, declined
    top_entries: list[tuple[str, int]] = field(default_factory=list)
    feedback: list[tuple[str, int, int]] = field(default_factory=list)  # entry, 👍, 👎
    leads_by_status: list[tuple[str, int]] = field(default_factory=list)
    leads_by_region: list[tuple[str, int]] = field(default_factory=list)
    handoffs: Handoffs = field(default_factory=Handoffs)

    @property
    def conversations(self) -> int:
        return sum(c for _, c, _ in self.per_day)

    @property
    def questions(self) -> int:
        return sum(q for _, _, q in self.per_day)


def lima_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of Lima's midnight on `since` and after `until`."""
    start = dt.datetime.combine(since, dt.time(), dt.UTC) - LIMA_OFFSET
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC) - LIMA_OFFSET
    return start, end


def _lima_day(dialect: str, column: Mapped[dt.datetime]) -> ColumnElement[Any]:
    """The Lima date of a UTC timestamp: a date on PostgreSQL, ISO text on SQLite."""
    if dialect == "postgresql":
        return func.date(func.timezone("America/Lima", column))
    return func.date(column, "-5 hours")


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def handoff_figures(session: AsyncSession, start: dt.datetime, end: dt.datetime) -> Handoffs:
    """Handoffs opened in the period and the median time to staff's first reply."""
    first_reply = (
        select(
            col(HandoffMessage.handoff_id), func.min(col(HandoffMessage.created_at)).label("first")
        )
        .where(col(HandoffMessage.direction) == "out")
        .group_by(col(HandoffMessage.handoff_id))
        .subquery()
    )
    rows = (
        await session.exec(
            select(col(Handoff.opened_at), first_reply.c.first)
            .outerjoin(first_reply, col(Handoff.id) == first_reply.c.handoff_id)
            .where(col(Handoff.opened_at) >= start, col(Handoff.opened_at) < end)
        )
    ).all()
    waits = [
        (_aware(first) - _aware(opened)).total_seconds()
        for opened, first in rows
        if first is not None
    ]
    middle = median(waits)
    return Handoffs(len(rows), None if middle is None else dt.timedelta(seconds=middle))


def _aware(value: dt.datetime | str) -> dt.datetime:
    """SQLite hands an aggregate's timestamp back as text, without its time zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


async def build_statistics(
    session: AsyncSession, since: dt.date, until: dt.date, top: int = 10
) -> Statistics:
    start, end = lima_bounds(since, until)
    dialect = (await session.connection()).dialect.name
    q = QuestionLog
    in_period = (col(q.created_at) >= start, col(q.created_at) < end)
    day = _lima_day(dialect, col(q.created_at)).label("day")
    rows = (
        await session.exec(
            select(day, func.count(func.distinct(col(q.user_id))), func.count())
            .where(*in_period, col(q.kind) != "greeting")
            .group_by(day)
        )
    ).all()
    counted = {_as_date(d): (int(c), int(n)) for d, c, n in rows}
    days = (until - since).days + 1
    per_day = [
        (d, *counted.get(d, (0, 0))) for d in (since + dt.timedelta(days=i) for i in range(days))
    ]
    kinds: dict[str, int] = {"answered": 0, "suggested": 0, "declined": 0}
    for kind, count in (
        await session.exec(
            select(col(q.kind), func.count()).where(*in_period).group_by(col(q.kind))
        )
    ).all():
        group = KIND_GROUPS.get(str(kind))
        if group:
            kinds[group] += int(count)
    top_entries = [
        (str(entry), int(count))
        for entry, count in (
            await session.exec(
                select(col(q.entry_id), func.count().label("n"))
                .where(*in_period, col(q.kind) == "answer", col(q.entry_id).is_not(None))
                .group_by(col(q.entry_id))
                .order_by(func.count().desc(), col(q.entry_id))
                .limit(top)
            )
        ).all()
    ]
    f = Feedback
    votes: dict[str, list[int]] = {}
    for entry, is_useful, count in (
        await session.exec(
            select(col(f.entry_id), col(f.useful), func.count())
            .where(col(f.created_at) >= start, col(f.created_at) < end)
            .group_by(col(f.entry_id), col(f.useful))
        )
    ).all():
        votes.setdefault(str(entry), [0, 0])[0 if is_useful else 1] += int(count)
    feedback = sorted(
        ((e, up, down) for e, (up, down) in votes.items()), key=lambda v: (-(v[1] + v[2]), v[0])
    )[:top]
    lead_period = (col(Lead.created_at) >= start, col(Lead.created_at) < end)
    by_status: list[tuple[str, int]] = []
    by_region: list[tuple[str, int]] = []
    for column, target in ((col(Lead.status), by_status), (col(Lead.region), by_region)):
        for value, count in (
            await session.exec(
                select(column, func.count())
                .where(*lead_period)
                .group_by(column)
                .order_by(func.count().desc())
            )
        ).all():
            target.append((str(value) if value is not None else "sin dato", int(count)))
    return Statistics(
        since=since,
        until=until,
        per_day=per_day,
        kinds=kinds,
        top_entries=top_entries,
        feedback=feedback,
        leads_by_status=by_status,
        leads_by_region=by_region,
        handoffs=await handoff_figures(session, start, end),
    )
