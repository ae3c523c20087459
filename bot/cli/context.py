"""What every command needs before its own work: the settings, the core, the database.

Kept in one place so the commands agree on how the settings are read, how the
log is set up and when the database is migrated or refused. Everything heavy
is imported inside the functions: this module is loaded by every command,
`mypebot ask` included, and must cost no more than the settings themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from bot.config import Settings, load_settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.core import Core
    from bot.storage.db import Database

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

T = TypeVar("T")


def settings() -> Settings:
    """The settings from the environment, with the log configured at their level."""
    loaded = load_settings()
    from bot.logs import configure_logging

    configure_logging(loaded.log_level)
    return loaded


def load_core(loaded: Settings) -> Core:
    """The knowledge base and what answers from it; raises KnowledgeError when it is broken."""
    from bot.core import load_core as build

    return build(loaded.knowledge_dir)


async def open_database(loaded: Settings, *, probe: bool = True) -> Database:
    """The database, migrated when it is the embedded default SQLite; any other must be current.

    `probe` connects first so a database that is down reads as such
    (DatabaseUnreachable). The broadcast commands open without it: they have
    always reported such a database by the error the first query hits.
    Either way a schema that is behind raises SchemaOutdated.
    """
    from bot.storage import db

    url = loaded.database_url
    if probe:
        await db.ensure_schema(url, migrate=loaded.is_default_sqlite)
    elif loaded.is_default_sqlite:
        await db.upgrade_async(url)
    elif await db.current_revision(url) != db.head_revision():
        raise db.SchemaOutdated()
    return db.Database(url)


@contextlib.asynccontextmanager
async def database(loaded: Settings, *, probe: bool = True) -> AsyncIterator[Database]:
    """`open_database`, disposed of when the command is done with it."""
    db = await open_database(loaded, probe=probe)
    try:
        yield db
    finally:
        await db.dispose()


async def in_session(loaded: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed session on a database opened for it alone."""
    async with database(loaded) as db, db.session() as session:
        result = await work(session)
        await session.commit()
        return result
