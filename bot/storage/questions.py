"""What users asked and how useful the answers were: the curators' feedback loop."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import QuestionLog


async def count_questions(session: AsyncSession, user_id: int) -> int:
    query = select(func.count()).select_from(QuestionLog).where(col(QuestionLog.user_id) == user_id)
    return int((await session.exec(query)).one())


async def recent_questions(
    session: AsyncSession, user_id: int, limit: int = 10
) -> list[QuestionLog]:
    """The person's latest stored questions, newest first: what /mis_datos shows them."""
    query = (
        select(QuestionLog)
        .where(col(QuestionLog.user_id) == user_id)
        .order_by(col(QuestionLog.created_at).desc(), col(QuestionLog.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())
