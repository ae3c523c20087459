"""Input a fault-injection run sent: Unicode digits and someone else's contact card.

Each one used to end in the generic apology (or, worse, be accepted); each now
gets the reply a person would expect.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import phrases
from bot.adapters.terminal import parse_input
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, Outcome, UserRef
from bot.storage.db import Database
from bot.storage.models import Lead
from bot.validation import check_ruc
from tests.kit.dialogue import button, press, say, text

ANA = UserRef(1001, "Ana")
STAFF = UserRef(9999, "Rosa")
UNICODE_DIGITS = ["²", "①", "٣"]  # superscript, circled, Arabic-Indic: str.isdigit() says yes
# A card from Ana's address book: Telegram marks it as not hers.
BETOS_CARD = Event(
    user=ANA, kind="contact", phone="+51 912 345 678", text="Beto", contact_is_own=False
)


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({STAFF.id}))


async def at_the_phone_step(dialogue: Dialogue) -> Outcome:
    await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"))
    return await press(dialogue, cb.encode("lc", "y"))


def assert_stale_button_reply(outcome: Outcome) -> None:
    assert "ya no está vigente" in text(outcome)
    assert phrases.SORRY not in text(outcome)


# --- Unicode digits ------------------------------------------------------------


@pytest.mark.parametrize("ruc", ["2013136947²", "2013136947①", "٢٠١٣١٣٦٩٤٧٧"])
def test_ruc_with_non_ascii_digits_is_refused(ruc: str) -> None:
    assert check_ruc(ruc).problem == "length"


async def test_typed_ruc_with_a_superscript_digit_is_refused_kindly(dialogue: Dialogue) -> None:
    await at_the_phone_step(dialogue)
    await say(dialogue, "987 654 321")
    await say(dialogue, "Curtiembre Misti")
    outcome = await say(dialogue, "2013136947²")
    assert text(outcome) == phrases.RUC_PROBLEMS["length"]
    assert button(outcome, "lskip:ruc")


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
async def test_region_page_button_with_a_unicode_digit_is_stale(
    dialogue: Dialogue, digit: str
) -> None:
    assert_stale_button_reply(await press(dialogue, f"crp:agroindustria:{digit}"))


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
async def test_lead_status_button_with_a_unicode_digit_is_stale(
    dialogue: Dialogue, digit: str
) -> None:
    assert_stale_button_reply(await press(dialogue, f"ls:{digit}:contactado", STAFF))


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
async def test_campaign_button_with_a_unicode_digit_is_stale(
    dialogue: Dialogue, digit: str
) -> None:
    assert_stale_button_reply(await press(dialogue, f"bc:pause:{digit}", STAFF))


def test_typed_unicode_digit_in_the_terminal_is_text_not_a_button() -> None:
    event = parse_input("²", ANA)
    assert (event.kind, event.text) == ("text", "²")


# --- someone else's contact card --------------------------------------------------


async def test_someone_elses_contact_is_refused_and_the_phone_is_asked_again(
    dialogue: Dialogue, db: Database
) -> None:
    await at_the_phone_step(dialogue)
    outcome = await dialogue.handle(BETOS_CARD)
    assert text(outcome) == phrases.CONTACT_NOT_OWN
    assert outcome.replies[0].request_contact
    assert "negocio" in text(await say(dialogue, "987 654 321"))


async def test_someone_elses_contact_never_reaches_the_lead(
    dialogue: Dialogue, db: Database
) -> None:
    await at_the_phone_step(dialogue)
    await dialogue.handle(BETOS_CARD)
    own = Event(user=ANA, kind="contact", phone="+51 987 654 321", text="Ana")
    await dialogue.handle(own)
    await press(dialogue, cb.encode("lskip", "business"))
    await press(dialogue, cb.encode("lskip", "ruc"))
    async with db.session() as session:
        [lead] = (await session.exec(select(Lead))).all()
    assert (lead.phone, lead.contact_name) == ("+51987654321", "Ana")
