"""Alembic environment: runs migrations over the async engine of the given URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401 - registers the tables on the metadata
from bot.storage.db import create_engine, is_sqlite

target_metadata = SQLModel.metadata
config = context.config


def _database_url() -> str:
    """The URL bot.storage.db passes in, else alembic.ini's (the alembic command line)."""
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "no database URL: set config.attributes['database_url'] or sqlalchemy.url"
        )
    return str(url)


URL = _database_url()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(URL),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(URL)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=URL, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
