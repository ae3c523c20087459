"""The weekly digest: Monday from 08:00 Lima, posted once across replicas, with last
week's figures and the content's health (both backends)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.core import Core
from bot.insights.digest import digest_text, queue_weekly_digest, week_due
from bot.storage.db import Database
from bot.storage.models import Feedback, QuestionLog, StaffNotice

STAFF_CHAT = -100321
MONDAY = dt.date(2026, 11, 30)  # a Monday
MONDAY_0815_LIMA = dt.datetime(2026, 11, 30, 13, 15, tzinfo=dt.UTC)
LAST_WEEK = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)


async def deployed_before(db: Database, core: Core) -> None:
    """The bot ran the week before: its first run only recorded that week."""
    assert not await queue(db, core, MONDAY_0815_LIMA - dt.timedelta(days=7))


async def queue(db: Database, core: Core, now: dt.datetime) -> bool:
    async with db.session() as session:
        queued = await queue_weekly_digest(session, core, STAFF_CHAT, now)
        await session.commit()
    return queued


async def notices(db: Database) -> list[StaffNotice]:
    async with db.session() as session:
        return list((await session.exec(select(StaffNotice))).all())


def test_the_digest_is_due_from_monday_0800_in_lima_for_the_whole_week() -> None:
    assert week_due(dt.datetime(2026, 11, 30, 12, 59, tzinfo=dt.UTC)) is None  # 07:59 Lima
    assert week_due(dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)) == MONDAY  # 08:00 Lima
    assert week_due(dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC)) == MONDAY  # Wednesday
    assert week_due(dt.datetime(2026, 12, 7, 4, 0, tzinfo=dt.UTC)) == MONDAY  # Sun 23:00 Lima


async def test_two_replicas_at_once_post_the_digest_once(database_url: str, core: Core) -> None:
    replicas = [Database(database_url), Database(database_url)]
    try:
        await deployed_before(replicas[0], core)
        results = await asyncio.gather(*(queue(r, core, MONDAY_0815_LIMA) for r in replicas))
        found = await notices(replicas[0])
    finally:
        for replica in replicas:
            await replica.dispose()
    assert sorted(results) == [False, True]
    assert len(found) == 1 and found[0].chat_id == STAFF_CHAT


async def test_the_digest_is_posted_once_a_week(db: Database, core: Core) -> None:
    await deployed_before(db, core)
    assert await queue(db, core, MONDAY_0815_LIMA)
    assert not await queue(db, core, MONDAY_0815_LIMA + dt.timedelta(hours=5))
    assert not await queue(db, core, MONDAY_0815_LIMA + dt.timedelta(days=3))
    assert await queue(db, core, MONDAY_0815_LIMA + dt.timedelta(days=7))
    assert len(await notices(db)) == 2


async def test_a_new_deployment_posts_nothing_at_once_and_its_first_digest_next_monday(
    db: Database, core: Core
) -> None:
    wednesday = MONDAY_0815_LIMA + dt.timedelta(days=2)
    assert not await queue(db, core, wednesday)
    assert not await queue(db, core, wednesday + dt.timedelta(hours=1))
    assert await queue(db, core, MONDAY_0815_LIMA + dt.timedelta(days=7))
    assert len(await notices(db)) == 1


async def test_without_a_staff_chat_nothing_is_posted_or_claimed(db: Database, core: Core) -> None:
    await deployed_before(db, core)
    async with db.session() as session:
        assert not await queue_weekly_digest(session, core, None, MONDAY_0815_LIMA)
    assert await queue(db, core, MONDAY_0815_LIMA)


async def test_the_digest_tells_figures_and_content_health(db: Database, core: Core) -> None:
    async with db.session() as session:
        for uid in (1, 2, 3):
            session.add(
                QuestionLog(
                    user_id=uid,
                    question="bono para bodegueros",
                    kind="fallback",
                    created_at=LAST_WEEK,
                )
            )
        session.add(
            QuestionLog(
                user_id=4,
                question="que es la economia circular",
                kind="answer",
                entry_id="def-economia-circular",
                created_at=LAST_WEEK,
            )
        )
        session.add(
            Feedback(
                user_id=4, entry_id="def-economia-circular", useful=False, created_at=LAST_WEEK
            )
        )
        await session.commit()
    async with db.session() as session:
        digest = await digest_text(session, core, dt.date(2027, 3, 1))  # UIT entry expired
    assert "Vencidas (2)" in digest and core.kb.entries["mype-uit-valor"].title in digest
    assert "Sin revisar hace más de 180 días" in digest
    async with db.session() as session:
        digest = await digest_text(session, core, MONDAY)
    assert "Conversaciones: 4 · preguntas: 4" in digest
    assert f"{core.kb.entries['def-economia-circular'].title} (1 👎)" in digest
    assert "«bono para bodegueros» (3)" in digest
    assert "Vencidas (0)" in digest
