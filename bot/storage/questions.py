"""What users asked and how useful the answers were: the curators' feedback loop."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import QuestionLog


async def count_questions(session: AsyncSession, user_id: int) -> int:
    query = select(func.count()).select_from(QuestionLog).where(QuestionLog.user_id == user_id)
    return int((await session.exec(query)).one())
