"""Turns are read and committed together, on a real database (both backends)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.core import Core
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, UserRef
from bot.storage.db import Database
from bot.storage.models import Feedback, QuestionLog, User
from bot.storage.turns import Changes, TurnStore


async def test_many_users_asking_at_once_are_all_stored_in_few_transactions(
    db: Database, core: Core
) -> None:
    dialogue = Dialogue(db, lambda: core)
    events = [
        Event(UserRef(5000 + n), "text", text="que es proinnovate", update_id=90_000 + n)
        for n in range(30)
    ]
    outcomes = await asyncio.gather(*(dialogue.handle(e) for e in events))
    assert all(o.replies and o.replies[0].text for o in outcomes)
    async with db.session() as session:
        logged = (await session.exec(select(QuestionLog.user_id))).all()
        users = (await session.exec(select(User.id))).all()
    assert sorted(logged) == sorted(users) == [5000 + n for n in range(30)]
    assert dialogue.store.writes.batches < 5
    assert dialogue.store.reads.batches < 5


async def test_the_same_update_twice_in_one_batch_is_stored_once(db: Database) -> None:
    store = TurnStore(db)
    first, second = Changes(7, update_id=42, create_user=True), Changes(7, update_id=42)
    for changes in (first, second):
        changes.log_question("que es un cite", "answer", "que-es-un-cite", 0.9)
    assert await asyncio.gather(store.store(first), store.store(second)) == [True, False]
    async with db.session() as session:
        assert len((await session.exec(select(QuestionLog))).all()) == 1


async def test_one_bad_turn_does_not_cost_the_others_their_rows(db: Database) -> None:
    store = TurnStore(db)
    good = [Changes(100 + n, update_id=500 + n, create_user=True) for n in range(3)]
    for changes in good:
        changes.add_feedback("que-es-un-cite", True)
    bad = Changes(200, update_id=600, create_user=True)
    bad.feedback.append({"user_id": 200, "entry_id": None, "useful": True})  # NOT NULL broken
    results = await asyncio.gather(
        *(store.store(c) for c in [good[0], bad, *good[1:]]), return_exceptions=True
    )
    assert results[0] is True and results[2:] == [True, True]
    assert isinstance(results[1], IntegrityError)
    async with db.session() as session:
        stored = sorted((await session.exec(select(Feedback.user_id))).all())
        assert stored == [100, 101, 102]
        assert await session.get(User, 200) is None  # the bad turn left nothing half-done


async def test_a_turn_whose_data_was_deleted_stores_nothing_about_them(db: Database) -> None:
    store = TurnStore(db)
    gone = Changes(300, update_id=700, create_user=True, forgotten=True)
    gone.log_question("borrar", "fallback", None, None)
    assert await store.store(gone) is True
    async with db.session() as session:
        assert await session.get(User, 300) is None
        assert (await session.exec(select(QuestionLog))).all() == []


@pytest.mark.parametrize("blocked", [True, False])
async def test_writing_again_unblocks_a_user_who_had_blocked_the_bot(
    db: Database, core: Core, blocked: bool
) -> None:
    dialogue = Dialogue(db, lambda: core)
    ana = UserRef(1001, "Ana")
    await dialogue.handle(Event(ana, "text", text="hola"))
    await dialogue.set_blocked(ana.id, blocked)
    await dialogue.handle(Event(ana, "text", text="hola de nuevo"))
    async with db.session() as session:
        assert (await session.get(User, ana.id)).blocked is False
