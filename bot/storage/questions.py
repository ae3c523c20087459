"""What users asked and how useful the answers were: the curators' feedback loop."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import Feedback, QuestionLog

MAX_LOGGED = 500  # characters of a question worth keeping


async def log_question(
    session: AsyncSession,
    user_id: int | None,
    question: str,
    kind: str,
    entry_id: str | None,
    score: float | None,
) -> None:
    session.add(
        QuestionLog(
            user_id=user_id,
            question=question[:MAX_LOGGED],
            kind=kind,
            entry_id=entry_id,
            score=score,
        )
    )


async def add_feedback(session: AsyncSession, user_id: int, entry_id: str, useful: bool) -> None:
    session.add(Feedback(user_id=user_id, entry_id=entry_id, useful=useful))


async def count_questions(session: AsyncSession, user_id: int) -> int:
    query = select(func.count()).select_from(QuestionLog).where(QuestionLog.user_id == user_id)
    return int((await session.exec(query)).one())
