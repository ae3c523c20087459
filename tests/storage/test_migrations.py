"""Migrations build the whole schema on an empty database of each backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from bot.storage.db import (
    create_engine,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
    upgrade_async,
)
from tests.kit.databases import create_postgres_database, drop_postgres_database


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


async def test_upgrade_on_an_empty_database_creates_every_table(empty_url: str) -> None:
    await upgrade_async(empty_url)
    expected = {table.name for table in SQLModel.metadata.sorted_tables}
    assert expected <= await _tables(empty_url)
    assert await current_revision(empty_url) == head_revision()


async def test_every_migration_downgrades_and_upgrades_again(empty_url: str) -> None:
    await upgrade_async(empty_url)
    await asyncio.to_thread(downgrade, empty_url, "base")
    assert await _tables(empty_url) <= {"alembic_version"}
    await upgrade_async(empty_url)
    assert await current_revision(empty_url) == head_revision()


def test_sqlite_folder_is_created_when_missing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new' / 'folder' / 'bot.sqlite3'}"
    upgrade(url)
    assert (tmp_path / "new" / "folder" / "bot.sqlite3").exists()


async def test_upgrading_redacts_questions_stored_before_write_time_redaction(
    empty_url: str,
) -> None:
    from sqlalchemy import text

    await upgrade_async(empty_url, "0004")
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO question_log (user_id, question, kind, created_at) "
                    "VALUES (7, 'llamenme al 912345678, ruc 20131369477', 'fallback', "
                    "CURRENT_TIMESTAMP)"
                )
            )
        await upgrade_async(empty_url)
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT question FROM question_log"))).scalar_one()
    finally:
        await engine.dispose()
    assert stored == "llamenme al [teléfono], ruc [RUC]"
