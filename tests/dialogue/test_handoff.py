"""The handoff core without Telegram: fallbacks, privacy, office hours (both databases)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlmodel import select

from bot import phrases
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, UserRef
from bot.office_hours import LIMA, OfficeHours, parse_office_hours, when
from bot.storage.db import Database
from bot.storage.models import Handoff
from tests.kit.dialogue import button, command, press, say, text

ANA = UserRef(1001, "Ana")
STAFF_CHAT = -100777


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, staff_chat_id=STAFF_CHAT)


async def stored(db: Database) -> list[Handoff]:
    async with db.session() as session:
        return list((await session.exec(select(Handoff))).all())


async def test_without_a_staff_chat_the_owner_can_leave_a_lead(db: Database, core: Core) -> None:
    terminal = Dialogue(db, lambda: core)  # `mypebot chat`, or STAFF_CHAT_ID unset
    await say(terminal, "como saco mi pasaporte")
    outcome = await press(terminal, cb.encode("hp"))
    assert phrases.HANDOFF_NO_STAFF_CHAT in text(outcome)
    assert button(outcome, "lc:y")  # consent first, as for any lead
    assert outcome.topics == [] and await stored(db) == []


async def test_in_a_group_the_handoff_asks_for_a_private_chat(
    dialogue: Dialogue, db: Database
) -> None:
    outcome = await dialogue.handle(
        Event(user=ANA, kind="button", data="hp", chat_id=-5, private=False)
    )
    assert text(outcome) == phrases.HANDOFF_PRIVATE_ONLY and await stored(db) == []


async def test_a_double_tap_on_two_replicas_opens_one_handoff(
    dialogue: Dialogue, db: Database, core: Core
) -> None:
    other = Dialogue(db, lambda: core, staff_chat_id=STAFF_CHAT)
    first, second = await asyncio.gather(
        dialogue.handle(Event(user=ANA, kind="button", data="hp", update_id=1)),
        other.handle(Event(user=ANA, kind="button", data="hp", update_id=2)),
    )
    assert len(first.topics) + len(second.topics) == 1
    assert len(await stored(db)) == 1


async def test_my_data_shows_the_conversations_with_the_team(dialogue: Dialogue) -> None:
    await press(dialogue, cb.encode("hp"))
    said = await dialogue.handle(
        Event(user=ANA, kind="text", text="llámenme al 987654321", message_id=7)
    )
    await dialogue.relayed(said.posts[0], 70)
    outcome = await command(dialogue, "mis_datos")
    assert "Conversaciones con el equipo: 1 (1 mensajes" in text(outcome)
    assert "usted: llámenme al [teléfono]" in text(outcome)  # as stored: redacted


async def test_a_rating_button_of_someone_else_stores_nothing(
    dialogue: Dialogue, db: Database
) -> None:
    await press(dialogue, cb.encode("hp"))
    await command(dialogue, "cancelar")
    [handoff] = await stored(db)
    intruder = UserRef(2002, "Luis")
    await press(dialogue, cb.encode("hr", handoff.id or 0, 1), intruder)
    outcome = await press(dialogue, cb.encode("hr", handoff.id or 0, 9))
    assert phrases.STALE_BUTTON in text(outcome)
    await press(dialogue, cb.encode("hr", handoff.id or 0, 5))
    [handoff] = await stored(db)
    assert handoff.rating == 5


# --- office hours --------------------------------------------------------------------


def lima(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LIMA)


def test_office_hours_read_like_a_sign_on_the_door() -> None:
    hours = parse_office_hours("Lun-Vie 08:30-17:30")
    assert hours == OfficeHours(frozenset(range(5)), dt.time(8, 30), dt.time(17, 30))
    assert hours.describe() == "de lunes a viernes, de 08:30 a 17:30"
    assert parse_office_hours("sáb 09:00-13:00").days == frozenset({5})  # type: ignore[union-attr]
    assert parse_office_hours("") is None
    for wrong in ("9-5", "lun-xyz 08:00-17:00", "18:00-08:00"):
        with pytest.raises(ValueError):
            parse_office_hours(wrong)


def test_the_next_opening_is_said_in_lima_words() -> None:
    hours = parse_office_hours("lun-vie 08:30-17:30")
    assert hours is not None
    friday_night = lima(2026, 12, 4, 20, 0)
    assert not hours.is_open(friday_night)
    opening = hours.next_opening(friday_night)
    assert opening == lima(2026, 12, 7, 8, 30)
    assert when(opening, friday_night) == "el lunes 07/12 a las 08:30"
    early = lima(2026, 12, 2, 7, 0)
    assert when(hours.next_opening(early), early) == "hoy a las 08:30"
    assert hours.is_open(lima(2026, 12, 2, 12, 0))
    assert hours.is_open(dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC))  # 12:00 in Lima
