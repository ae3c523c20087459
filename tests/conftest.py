"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, and the bot
running against the Bot API emulator.

Every test that takes `db` (or `database_url`, or `bot`) runs twice, once per backend,
so the same code is proven on the embedded default and on the production database
(tests/kit/databases.py says how PostgreSQL is found and when its half is skipped).
The helpers these fixtures are made of are in tests/kit/, for the tests that need
them with other settings.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.adapters.telegram_app import stop_polling
from bot.app import Services
from bot.storage.db import Database, create_engine, upgrade
from telegram_emulator import BotApiEmulator
from tests.kit import KNOWLEDGE
from tests.kit.databases import create_postgres_database, drop_postgres_database, require_postgres
from tests.kit.telegram import TEAM, TOKEN, start_bot


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = create_postgres_database()
    upgrade(url)
    yield url
    drop_postgres_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """URL of a migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "mypebot.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    require_postgres()
    url: str = request.getfixturevalue("postgres_url")
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    asyncio.run(_truncate(url, tables))
    return url


async def _truncate(url: str, tables: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def core():
    """The shipped knowledge base, loaded once: tests exercise the real content."""
    from bot.core import load_core

    return load_core(KNOWLEDGE)


@pytest.fixture(autouse=True)
def _thaw_the_collector() -> Iterator[None]:
    """Starting the bot freezes what exists (bot/memory.py); one test's freeze must not
    keep the next test's garbage alive."""
    yield
    gc.unfreeze()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """The Bot API on 127.0.0.1, for the bot under test to poll (tests/kit/telegram.py)."""
    emu = BotApiEmulator(token=TOKEN)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def bot_config() -> dict[str, Any]:
    """The settings the `bot` fixture adds to the emulator's and the database's: the team
    (``TEAM``). A test file overrides this fixture to run its bot otherwise."""
    return TEAM


@pytest.fixture
async def bot(
    emulator: BotApiEmulator, database_url: str, bot_config: dict[str, Any]
) -> AsyncIterator[Services]:
    """The real Application polling `emulator`, configured by `bot_config`, on each database."""
    application, services = await start_bot(emulator, database_url, **bot_config)
    yield services
    await stop_polling(application)
