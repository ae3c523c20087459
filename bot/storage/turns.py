"""What one conversation turn reads and what it leaves behind, in few round trips.

A turn needs the sender's profile and conversation state, and most turns
leave only a handful of rows: the update it answered (so a redelivery does
nothing twice), a question for the curators' log, perhaps a new state or a
profile field. `TurnStore` reads and writes those for all the turns in flight
at once (see batching.py): one SELECT for every waiting sender, one
transaction for every finished turn. Each turn's rows still commit before its
replies are sent, and a turn whose update was already handled stores nothing.

Turns that need more (a lead, staff tools, deleting one's data) open their own
transaction instead; `claim` and `write` serve both paths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.batching import Batcher
from bot.storage.db import Database
from bot.storage.dialect import insert_for
from bot.storage.models import (
    Conversation,
    Feedback,
    ProcessedUpdate,
    QuestionLog,
    User,
    table_of,
    utcnow,
)

log = logging.getLogger(__name__)

IDLE = "idle"
MAX_LOGGED = 500  # characters of a question worth keeping

USERS = table_of(User)
CONVERSATIONS = table_of(Conversation)
PROCESSED = table_of(ProcessedUpdate)
QUESTIONS = table_of(QuestionLog)
FEEDBACK = table_of(Feedback)


@dataclass
class Profile:
    """The sender as stored: who they are and what they told us."""

    id: int
    source: str | None = None
    region: str | None = None
    sector: str | None = None
    subscribed: bool = False
    blocked: bool = False
    created_at: dt.datetime = field(default_factory=utcnow)


@dataclass
class Snapshot:
    profile: Profile
    state: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False  # no user row yet: the turn creates it


@dataclass
class Changes:
    """Everything a finished turn stores, applied in one transaction."""

    user_id: int
    update_id: int | None = None
    create_user: bool = False
    user_fields: dict[str, Any] = field(default_factory=dict)
    state: tuple[str, str] | None = None  # (state, JSON data) when it changed
    questions: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    forgotten: bool = False  # the user's data was deleted: store nothing about them

    def log_question(
        self, question: str, kind: str, entry_id: str | None, score: float | None
    ) -> None:
        self.questions.append(
            {
                "user_id": self.user_id,
                "question": question[:MAX_LOGGED],
                "kind": kind,
                "entry_id": entry_id,
                "score": score,
                "created_at": utcnow(),
            }
        )

    def add_feedback(self, entry_id: str, useful: bool) -> None:
        self.feedback.append(
            {
                "user_id": self.user_id,
                "entry_id": entry_id,
                "useful": useful,
                "created_at": utcnow(),
            }
        )


def _decode_state(data: str | None) -> dict[str, Any]:
    try:
        value = json.loads(data) if data else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def read_snapshots(conn: AsyncConnection, user_ids: Sequence[int]) -> dict[int, Snapshot]:
    """Profiles and states of these users, in one SELECT; absent users are new."""
    statement = (
        select(
            USERS.c.id,
            USERS.c.source,
            USERS.c.region,
            USERS.c.sector,
            USERS.c.subscribed,
            USERS.c.blocked,
            USERS.c.created_at,
            CONVERSATIONS.c.state,
            CONVERSATIONS.c.data,
        )
        .select_from(USERS.outerjoin(CONVERSATIONS, CONVERSATIONS.c.user_id == USERS.c.id))
        .where(USERS.c.id.in_(bindparam("ids", expanding=True)))
    )
    rows = await conn.execute(statement, {"ids": list(dict.fromkeys(user_ids))})
    found: dict[int, Snapshot] = {}
    for row in rows:
        profile = Profile(
            id=row.id,
            source=row.source,
            region=row.region,
            sector=row.sector,
            subscribed=bool(row.subscribed),
            blocked=bool(row.blocked),
            created_at=row.created_at,
        )
        found[row.id] = Snapshot(profile, row.state or IDLE, _decode_state(row.data))
    return found


def _copy(snapshot: Snapshot) -> Snapshot:
    return dataclasses.replace(
        snapshot, profile=dataclasses.replace(snapshot.profile), data=dict(snapshot.data)
    )


def new_snapshot(user_id: int) -> Snapshot:
    return Snapshot(Profile(user_id), is_new=True)


async def claim(conn: AsyncConnection, update_ids: Sequence[int]) -> set[int]:
    """Record these update ids as handled; returns the ones no one had handled before."""
    if not update_ids:
        return set()
    now = utcnow()
    statement = (
        insert_for(conn.dialect.name, PROCESSED)
        .values([{"update_id": u, "created_at": now} for u in dict.fromkeys(update_ids)])
        .on_conflict_do_nothing()
        .returning(PROCESSED.c.update_id)
    )
    return set((await conn.execute(statement)).scalars())


async def create_users(conn: AsyncConnection, user_ids: Sequence[int]) -> None:
    """Rows for first-time senders; someone created meanwhile is left as is."""
    if not user_ids:
        return
    now = utcnow()
    rows = [
        {"id": u, "subscribed": False, "blocked": False, "created_at": now, "updated_at": now}
        for u in dict.fromkeys(user_ids)
    ]
    await conn.execute(insert_for(conn.dialect.name, USERS).values(rows).on_conflict_do_nothing())


async def write(
    conn: AsyncConnection, batch: Sequence[Changes], claimed: bool = False
) -> list[bool]:
    """Apply each turn's changes; False for a turn whose update was handled before.

    With `claimed`, the caller already recorded the updates (a turn with its
    own transaction claims first, before it touches anything else).
    """
    stored = [True] * len(batch)
    if not claimed:
        fresh = await claim(conn, [c.update_id for c in batch if c.update_id is not None])
        for index, changes in enumerate(batch):
            if changes.update_id is None:
                continue
            if changes.update_id in fresh:
                fresh.discard(changes.update_id)  # a second copy in this batch is a duplicate
            else:
                stored[index] = False
    live = [c for c, ok in zip(batch, stored, strict=True) if ok and not c.forgotten]
    if not live:
        return stored
    now = utcnow()
    dialect = conn.dialect.name
    await create_users(conn, [c.user_id for c in live if c.create_user])

    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for changes in live:
        if changes.user_fields:
            columns = tuple(sorted(changes.user_fields))
            params = {f"new_{k}": v for k, v in changes.user_fields.items()}
            by_columns.setdefault(columns, []).append({"uid": changes.user_id, **params})
    for columns, rows in by_columns.items():
        values: dict[str, Any] = {c: bindparam(f"new_{c}") for c in columns}
        statement = (
            update(USERS)
            .where(USERS.c.id == bindparam("uid"))
            .values(**values, updated_at=bindparam("new_updated_at"))
        )
        await conn.execute(statement, [{**row, "new_updated_at": now} for row in rows])

    questions = [q for c in live for q in c.questions]
    if questions:
        await conn.execute(insert(QUESTIONS), questions)
    feedback = [f for c in live for f in c.feedback]
    if feedback:
        await conn.execute(insert(FEEDBACK), feedback)

    states = {
        c.user_id: {
            "user_id": c.user_id,
            "state": c.state[0],
            "data": c.state[1],
            "updated_at": now,
        }
        for c in live
        if c.state is not None
    }
    if states:
        upsert = insert_for(dialect, CONVERSATIONS)
        upsert = upsert.on_conflict_do_update(
            index_elements=[CONVERSATIONS.c.user_id],
            set_={
                "state": upsert.excluded.state,
                "data": upsert.excluded.data,
                "updated_at": upsert.excluded.updated_at,
            },
        )
        await conn.execute(upsert, list(states.values()))
    return stored


class TurnStore:
    """Batched reads of snapshots and batched commits of changes for one database."""

    def __init__(self, db: Database, max_batch: int = 64) -> None:
        self.db = db
        self.reads: Batcher[int, Snapshot] = Batcher(self._read, max_batch)
        self.writes: Batcher[Changes, bool] = Batcher(self._write, max_batch)

    async def load(self, user_id: int) -> Snapshot:
        return await self.reads.submit(user_id)

    async def store(self, changes: Changes) -> bool:
        """Commit a turn's changes; False when its update had already been handled."""
        return await self.writes.submit(changes)

    async def _read(self, user_ids: list[int]) -> list[Snapshot]:
        async with self.db.engine.connect() as conn:
            found = await read_snapshots(conn, user_ids)
        # A copy each: two callers never share one mutable state.
        return [_copy(found[u]) if u in found else new_snapshot(u) for u in user_ids]

    async def _write(self, batch: list[Changes]) -> Sequence[bool | BaseException]:
        try:
            async with self.db.engine.begin() as conn:
                return await write(conn, batch)
        except Exception:
            if len(batch) == 1:
                raise
        # One turn's bad row must not cost the others theirs: store them one by one.
        log.warning("a batch of %d turns failed; storing them one by one", len(batch))
        results: list[bool | BaseException] = []
        for changes in batch:
            try:
                async with self.db.engine.begin() as conn:
                    results.extend(await write(conn, [changes]))
            except Exception as exc:
                results.append(exc)
        return results
