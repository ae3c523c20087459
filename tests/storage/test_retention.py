"""RETENTION_MONTHS: what is older loses its link to the person, once a day, on one replica."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

from sqlmodel import select

from bot.app import build_services, housekeeping
from bot.config import load_settings
from bot.exports.questions import export_questions_csv
from bot.storage.db import Database
from bot.storage.models import Campaign, Conversation, Delivery, Feedback, QuestionLog
from bot.storage.retention import apply_retention, months_before
from tests.kit import ROOT

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=400)
RECENT = NOW - dt.timedelta(days=30)
OWNER = 5150


def test_months_before_counts_calendar_months() -> None:
    assert months_before(dt.datetime(2026, 3, 31, tzinfo=dt.UTC), 1).date() == dt.date(2026, 2, 28)
    assert months_before(dt.datetime(2024, 3, 31, tzinfo=dt.UTC), 1).date() == dt.date(2024, 2, 29)
    assert months_before(dt.datetime(2026, 1, 15, tzinfo=dt.UTC), 12).date() == dt.date(2025, 1, 15)


async def store_history(db: Database) -> None:
    async with db.session() as session:
        for when, words in ((OLD, "pregunta antigua de la bodega"), (RECENT, "pregunta reciente")):
            session.add(
                QuestionLog(user_id=OWNER, question=words, kind="fallback", created_at=when)
            )
            session.add(
                Feedback(user_id=OWNER, entry_id="cite-que-es", useful=True, created_at=when)
            )
        session.add(Conversation(user_id=OWNER, state="lead_phone", data="{}", updated_at=OLD))
        session.add(Conversation(user_id=OWNER + 1, state="idle", data="{}", updated_at=RECENT))
        campaign = Campaign(text="Feria", status="done", total=2)
        session.add(campaign)
        await session.flush()
        session.add(Delivery(campaign_id=campaign.id, user_id=OWNER, status="sent", updated_at=OLD))
        session.add(
            Delivery(campaign_id=campaign.id, user_id=OWNER + 1, status="pending", updated_at=OLD)
        )
        await session.commit()


async def retain(db: Database, now: dt.datetime = NOW):
    async with db.session() as session:
        applied = await apply_retention(session, 12, now)
        await session.commit()
    return applied


async def test_old_questions_lose_their_text_and_owner_but_keep_their_counts(db: Database) -> None:
    await store_history(db)
    applied = await retain(db)
    assert applied is not None and applied.questions == 1
    async with db.session() as session:
        rows = (await session.exec(select(QuestionLog).order_by(QuestionLog.id))).all()
    assert [(r.user_id, r.question, r.kind) for r in rows] == [
        (None, "", "fallback"),
        (OWNER, "pregunta reciente", "fallback"),
    ]


async def test_old_opinions_lose_their_owner(db: Database) -> None:
    await store_history(db)
    await retain(db)
    async with db.session() as session:
        rows = (await session.exec(select(Feedback).order_by(Feedback.id))).all()
    assert [r.user_id for r in rows] == [None, OWNER]


async def test_old_conversation_states_are_deleted(db: Database) -> None:
    await store_history(db)
    await retain(db)
    async with db.session() as session:
        rows = (await session.exec(select(Conversation))).all()
    assert [r.user_id for r in rows] == [OWNER + 1]


async def test_sent_deliveries_lose_their_recipient_and_pending_ones_are_kept(db: Database) -> None:
    await store_history(db)
    await retain(db)
    async with db.session() as session:
        rows = (await session.exec(select(Delivery).order_by(Delivery.id))).all()
    assert [(r.status, r.user_id) for r in rows] == [("sent", None), ("pending", OWNER + 1)]


async def test_stripped_questions_are_left_out_of_the_curators_export(db: Database) -> None:
    await store_history(db)
    await retain(db)
    out = io.StringIO()
    assert await export_questions_csv(db, out) == 1
    assert "pregunta reciente" in out.getvalue()


async def test_retention_runs_once_a_day(db: Database) -> None:
    assert await retain(db) is not None
    assert await retain(db, NOW + dt.timedelta(hours=3)) is None
    assert await retain(db, NOW + dt.timedelta(days=1)) is not None


async def test_two_replicas_at_once_apply_it_once(database_url: str) -> None:
    replicas = [Database(database_url), Database(database_url)]
    try:
        results = await asyncio.gather(*(retain(r) for r in replicas))
    finally:
        for replica in replicas:
            await replica.dispose()
    assert sorted(r is None for r in results) == [False, True]


async def test_the_housekeeping_loop_applies_the_configured_retention(database_url: str) -> None:
    settings = load_settings(
        database_url=database_url, knowledge_dir=ROOT / "knowledge", retention_months=1
    )
    services = await build_services(settings, migrate=False)
    async with services.db.session() as session:
        session.add(QuestionLog(user_id=OWNER, question="vieja", kind="fallback", created_at=OLD))
        await session.commit()
    stop = asyncio.Event()
    task = asyncio.create_task(housekeeping(services, stop, interval=0.05))
    try:
        for _ in range(100):
            async with services.db.session() as session:
                row = (await session.exec(select(QuestionLog))).one()
            if row.question == "":
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
        await services.db.dispose()
    assert (row.user_id, row.question) == (None, "")
