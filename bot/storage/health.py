"""What /metrics reports from the database, read in two GROUP BY queries.

The webhook adapter serves the figures; reading them is storage's job, so a
second channel's server (or a CLI) reports the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import Delivery, Lead


@dataclass(frozen=True)
class StatusCounts:
    leads: dict[str, int]  # leads stored, by status
    deliveries: dict[str, int]  # broadcast deliveries, by outcome


async def status_counts(session: AsyncSession) -> StatusCounts:
    leads = (await session.exec(select(Lead.status, func.count()).group_by(Lead.status))).all()
    sends = (
        await session.exec(select(Delivery.status, func.count()).group_by(Delivery.status))
    ).all()
    return StatusCounts(leads=dict(leads), deliveries=dict(sends))
