"""Users outside a conversation turn: blocking, and forgetting handled update ids.

What a turn reads and stores about its user is in turns.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import ProcessedUpdate, User, utcnow

PROCESSED_KEEP = dt.timedelta(days=2)


async def set_blocked(session: AsyncSession, user_id: int, blocked: bool = True) -> None:
    """The user blocked (or unblocked) the bot: stop sending announcements."""
    user = await session.get(User, user_id)
    if user is not None:
        user.blocked = blocked
        user.updated_at = utcnow()
        session.add(user)


async def forget_old_updates(session: AsyncSession) -> None:
    cutoff = utcnow() - PROCESSED_KEEP
    statement = (
        delete(ProcessedUpdate)
        .where(col(ProcessedUpdate.created_at) < cutoff)
        # SQLite hands back naive datetimes: no in-session comparison with the aware cutoff.
        .execution_options(synchronize_session=False)
    )
    await session.exec(statement)
