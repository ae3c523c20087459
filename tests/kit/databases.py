"""PostgreSQL for the tests: found through TEST_POSTGRES_URL (default: the local server).

When it cannot be reached the PostgreSQL half of the suite is skipped, except under
CI=true, where a skipped database test would hide a failure and so fails instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from sqlalchemy import text

from bot.storage.db import create_engine

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
