"""Shared facts between replicas, such as the moment the knowledge base was last reloaded."""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import AppState, utcnow

KNOWLEDGE_RELOAD = "knowledge_reload_at"


async def request_knowledge_reload(session: AsyncSession, at: dt.datetime | None = None) -> None:
    """Tell every replica to reload knowledge/ (they poll this row)."""
    at = at or utcnow()
    row = await session.get(AppState, KNOWLEDGE_RELOAD)
    if row is None:
        row = AppState(key=KNOWLEDGE_RELOAD, value=at.isoformat())
    row.value, row.updated_at = at.isoformat(), at
    session.add(row)


async def knowledge_reload_requested_at(session: AsyncSession) -> dt.datetime | None:
    row = await session.get(AppState, KNOWLEDGE_RELOAD)
    return dt.datetime.fromisoformat(row.value) if row is not None else None
