"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL.

Every test that takes `db` runs twice, once per backend, so the same code is
proven on the embedded default and on the production database. PostgreSQL is
found through TEST_POSTGRES_URL (default: the local server); when it cannot be
reached the PostgreSQL half is skipped, except under CI=true, where a skipped
database test would hide a failure and so fails instead.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.storage.db import Database, create_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://127.0.0.1:5432/test"
).replace("postgresql://", "postgresql+asyncpg://", 1)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def _pg_execute(statement: str) -> None:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _postgres_available() -> str | None:
    """None when reachable, else the reason it is not."""
    try:
        asyncio.run(asyncio.wait_for(_pg_execute("SELECT 1"), timeout=5))
        return None
    except Exception as exc:
        return f"PostgreSQL no disponible en {POSTGRES_ADMIN_URL}: {type(exc).__name__}"


_PG_REASON: str | bool | None = False  # False = not probed yet


def require_postgres() -> None:
    global _PG_REASON
    if _PG_REASON is False:
        _PG_REASON = _postgres_available()
    if _PG_REASON:
        if IN_CI:
            pytest.fail(f"CI=true exige PostgreSQL: {_PG_REASON}")
        pytest.skip(_PG_REASON)


def create_postgres_database() -> str:
    """A brand-new empty database; returns its URL."""
    require_postgres()
    name = f"mypebot_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    return _with_database(POSTGRES_ADMIN_URL, name)


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
