"""What the fuzz test (test_fuzz_dialogue.py) found, each pinned down on its own.

- A NUL character (U+0000): PostgreSQL refuses it in a text column, SQLite
  stores it, so a question, a business name or a /start payload with a NUL
  ended in the generic apology on PostgreSQL only. The dialogue now drops NUL
  from every event before handling it.
- A huge number in a button's id: lead and campaign ids are INTEGER columns,
  so "ls:2147483648:nuevo" failed the query on PostgreSQL (and anything over
  2**63 on SQLite), and int() of a page of 5,000 digits raised. Such a button
  is now just a stale one.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import metrics, phrases
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, UserRef
from bot.storage.db import Database
from bot.storage.models import Lead, QuestionLog, User
from tests.kit.dialogue import command, press, say, text

ANA = UserRef(1001, "Ana\x00")
STAFF = UserRef(9999, "Rosa")


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({STAFF.id}))


def errors() -> float:
    return metrics.ERRORS.values.get("dialogue", 0.0)


def test_every_text_field_of_an_event_loses_its_nul() -> None:
    event = Event(
        user=UserRef(1, "A\x00na"),
        kind="command",
        text="a\x00",
        command="st\x00art",
        payload="\x00feria",
        data="menu:\x00ask",
        phone="987\x00654321",
        media="pho\x00to",
        photo="file\x00id",
    )
    clean = event.without_nul()
    assert clean.user == UserRef(1, "Ana")
    assert (clean.text, clean.command, clean.payload, clean.data) == (
        "a",
        "start",
        "feria",
        "menu:ask",
    )
    assert (clean.phone, clean.media, clean.photo) == ("987654321", "photo", "fileid")


def test_an_event_without_nul_is_passed_as_it_is() -> None:
    event = Event(user=UserRef(1, "Ana"), kind="text", text="hola")
    assert event.without_nul() is event


async def test_a_question_with_a_nul_is_answered_and_stored(
    dialogue: Dialogue, db: Database
) -> None:
    before = errors()
    outcome = await say(dialogue, "que es un\x00 CITE?", ANA)
    assert phrases.SORRY not in text(outcome) and "Fuente:" in text(outcome)
    assert errors() == before
    async with db.session() as session:
        logged = (await session.exec(select(QuestionLog))).all()
    assert [q.question for q in logged] == ["que es un CITE?"]


async def test_a_start_payload_with_a_nul_is_kept_as_the_source(
    dialogue: Dialogue, db: Database
) -> None:
    outcome = await command(dialogue, "start", "feria\x00_arequipa", ANA)
    assert phrases.SORRY not in text(outcome)
    async with db.session() as session:
        assert (await session.get(User, ANA.id)).source == "feria_arequipa"


async def test_a_lead_with_nul_in_its_name_and_business_is_stored(
    dialogue: Dialogue, db: Database
) -> None:
    before = errors()
    await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"), ANA)
    await press(dialogue, cb.encode("lc", "y"), ANA)
    await say(dialogue, "987 654 321", ANA)
    await say(dialogue, "Curtiembre\x00 Misti", ANA)
    outcome = await say(dialogue, "20131369477", ANA)
    assert "Registré su interés" in text(outcome)
    assert errors() == before
    async with db.session() as session:
        lead = (await session.exec(select(Lead))).one()
    assert (lead.contact_name, lead.business_name) == ("Ana", "Curtiembre Misti")


# --- huge numbers in buttons ---------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "value"),
    [("0", 0), ("7", 7), ("2147483647", 2**31 - 1), ("2147483648", None), ("9" * 5000, None)],
)
def test_a_button_number_is_taken_up_to_the_largest_id(arg: str, value: int | None) -> None:
    assert cb.number(arg) == value


@pytest.mark.parametrize("arg", ["", "-1", "1.5", " 1", "²", "٣", "00000000001"])
def test_a_button_number_is_only_ascii_digits_as_encoded(arg: str) -> None:
    assert cb.number(arg) is None


HUGE = ["2147483648", "9223372036854775808", "99999999999999999999"]


@pytest.mark.parametrize("lead_id", HUGE)
async def test_a_lead_status_button_with_a_huge_id_is_stale(
    dialogue: Dialogue, lead_id: str
) -> None:
    before = errors()
    outcome = await press(dialogue, f"ls:{lead_id}:contactado", STAFF)
    assert text(outcome) == phrases.STALE_BUTTON
    assert errors() == before


@pytest.mark.parametrize("campaign_id", HUGE)
async def test_a_campaign_button_with_a_huge_id_is_stale(
    dialogue: Dialogue, campaign_id: str
) -> None:
    before = errors()
    outcome = await press(dialogue, f"bc:pause:{campaign_id}", STAFF)
    assert text(outcome) == phrases.STALE_BUTTON
    assert errors() == before


async def test_a_region_page_of_thousands_of_digits_is_stale(dialogue: Dialogue) -> None:
    before = errors()
    outcome = await press(dialogue, "crp:agroindustria:" + "9" * 5000)
    assert "ya no está vigente" in text(outcome)
    assert errors() == before


async def test_a_question_with_a_lone_surrogate_is_answered_and_stored(
    dialogue: Dialogue, db: Database
) -> None:
    before = errors()
    outcome = await say(dialogue, "que es un cite \ud800")
    assert errors() == before and phrases.SORRY not in text(outcome)
    async with db.session() as session:
        [stored] = (await session.exec(select(QuestionLog))).all()
    assert stored.question == "que es un cite \ufffd"


def test_an_e_mail_with_a_very_long_name_is_still_redacted() -> None:
    from bot.privacy.redaction import redact

    word = "a" * 4000 + "@correo.pe"
    assert redact(f"escriba a {word} ya") == "escriba a [correo] ya"
