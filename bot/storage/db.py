"""The async engine, sessions and schema migrations.

One engine per process, built by `create_engine` from the settings; SQLite gets
WAL mode and a busy timeout so the terminal chat and a running bot can share
the file, PostgreSQL a small pool per replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import SettingsError

MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT = 30.0  # seconds the start-up check waits for the database to answer


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str) -> AsyncEngine:
    # hide_parameters: SQLAlchemy otherwise puts the bound values (names, phones,
    # business names) into every database error, and errors are logged.
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL still survives an application crash; only an OS crash or
            # power cut can lose the last commits. Production runs on PostgreSQL.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(
        url, pool_size=5, max_overflow=5, pool_pre_ping=True, hide_parameters=True
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class Database:
    """The engine plus a session factory; passed to whoever stores things."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._sessions = session_factory(self.engine)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def ping(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`. Call with no event loop running in this thread."""
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """`upgrade` from inside a running loop: Alembic runs its own loop in a thread."""
    await asyncio.to_thread(upgrade, url, revision)


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()


class SchemaOutdated(SettingsError):
    """The database is behind the code's migrations; the message says what to run."""

    def __init__(self) -> None:
        super().__init__(
            "La base de datos no está al día: ejecute «mypebot db upgrade» y vuelva a intentarlo."
        )


class DatabaseUnreachable(SettingsError):
    """The database of DATABASE_URL does not answer; the message says what to check."""

    def __init__(self, url: str, reason: str) -> None:
        if is_sqlite(url):
            check = "que la carpeta del archivo exista y que se pueda escribir en ella"
        else:
            check = (
                "que el servidor esté encendido y acepte conexiones desde esta máquina, y que "
                "la dirección, el puerto, el usuario, la contraseña y el nombre de la base de "
                "datos sean correctos"
            )
        super().__init__(
            f"No se puede conectar con la base de datos de DATABASE_URL ({masked_url(url)}): "
            f"{reason}.\nRevise {check}."
        )


def masked_url(url: str) -> str:
    """The URL as it can be shown: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(no se puede leer)"


def _reason(exc: BaseException, url: str) -> str:
    """One line saying why the connection failed, never with the password in it."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(cause).split()) or type(cause).__name__
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text[:300].rstrip(".")


async def check_reachable(url: str) -> None:
    """Connect once before anything else, so a database that is down or misnamed
    is reported as such instead of as whichever error the first query hits."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            engine = create_engine(url)
            try:
                async with engine.connect():
                    pass
            finally:
                await engine.dispose()
    except TimeoutError as exc:
        raise DatabaseUnreachable(url, f"no respondió en {CONNECT_TIMEOUT:g} segundos") from exc
    except Exception as exc:  # any failure to merely connect means it cannot be used
        raise DatabaseUnreachable(url, _reason(exc, url)) from exc


async def ensure_schema(url: str, migrate: bool) -> None:
    """Bring the schema to head, or refuse to run on one that is behind."""
    await check_reachable(url)
    if migrate:
        await upgrade_async(url)
    elif await current_revision(url) != head_revision():
        raise SchemaOutdated()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
