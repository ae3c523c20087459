"""Users and their conversation state: who they are, where they are in a flow."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.dialect import insert_ignore
from bot.storage.models import Conversation, ProcessedUpdate, User, utcnow

PROCESSED_KEEP = dt.timedelta(days=2)


async def get_or_create_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is not None:
        if user.blocked:
            # Writing to us again means they unblocked the bot.
            user.blocked = False
            user.updated_at = utcnow()
            session.add(user)
        return user
    await insert_ignore(
        session,
        User.__table__,
        {
            "id": user_id,
            "subscribed": False,
            "blocked": False,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
    )
    user = await session.get(User, user_id)
    assert user is not None
    return user


async def update_user(session: AsyncSession, user: User, **fields: Any) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.updated_at = utcnow()
    session.add(user)
    return user


async def set_blocked(session: AsyncSession, user_id: int, blocked: bool = True) -> None:
    """The user blocked (or unblocked) the bot: stop sending announcements."""
    user = await session.get(User, user_id)
    if user is not None:
        user.blocked = blocked
        user.updated_at = utcnow()
        session.add(user)


async def load_state(session: AsyncSession, user_id: int) -> tuple[str, dict[str, Any]]:
    row = await session.get(Conversation, user_id)
    if row is None:
        return "idle", {}
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    return row.state, data if isinstance(data, dict) else {}


async def save_state(
    session: AsyncSession, user_id: int, state: str, data: dict[str, Any] | None = None
) -> None:
    row = await session.get(Conversation, user_id)
    payload = json.dumps(data or {}, ensure_ascii=False)
    if row is None:
        session.add(Conversation(user_id=user_id, state=state, data=payload, updated_at=utcnow()))
    else:
        row.state, row.data, row.updated_at = state, payload, utcnow()
        session.add(row)


async def claim_update(session: AsyncSession, update_id: int) -> bool:
    """Record an incoming update id; False when it was already handled."""
    return await insert_ignore(
        session, ProcessedUpdate.__table__, {"update_id": update_id, "created_at": utcnow()}
    )


async def forget_old_updates(session: AsyncSession) -> None:
    cutoff = utcnow() - PROCESSED_KEEP
    statement = (
        delete(ProcessedUpdate)
        .where(ProcessedUpdate.created_at < cutoff)
        # SQLite hands back naive datetimes: no in-session comparison with the aware cutoff.
        .execution_options(synchronize_session=False)
    )
    await session.exec(statement)  # type: ignore[call-overload]
