"""Lead capture, staff tools and the user's data rights, through the dialogue core."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event
from bot.storage.db import Database
from bot.storage.models import QuestionLog, StaffNotice, User
from bot.validation import check_phone, check_ruc
from tests.kit.dialogue import (
    ANA,
    STAFF,
    STAFF_CHAT,
    button,
    capture_cite_lead,
    command,
    leads,
    press,
    say,
    text,
)


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({STAFF.id}), staff_chat_id=STAFF_CHAT)


# --- validation ---------------------------------------------------------------


@pytest.mark.parametrize("ruc", ["10254824220", "20512333797", "20131369477", "20504794637"])
def test_valid_rucs_pass(ruc: str) -> None:
    assert check_ruc(ruc).value == ruc


@pytest.mark.parametrize(
    ("ruc", "problem"),
    [
        ("2013136947", "length"),
        ("30131369477", "prefix"),
        ("20131369476", "check_digit"),
        ("abc", "length"),
    ],
)
def test_wrong_rucs_say_what_is_wrong(ruc: str, problem: str) -> None:
    assert check_ruc(ruc).problem == problem


@pytest.mark.parametrize("phone", ["987654321", "987 654 321", "+51 987 654 321", "(01) 456 7890"])
def test_peruvian_phones_are_normalised(phone: str) -> None:
    assert check_phone(phone).value.startswith("+51")


@pytest.mark.parametrize("phone", ["12345", "hola", "+1 202 555 0100", ""])
def test_other_phones_are_refused(phone: str) -> None:
    assert not check_phone(phone).ok


# --- capture --------------------------------------------------------------------


async def test_full_capture_stores_the_lead_before_confirming(
    dialogue: Dialogue, db: Database
) -> None:
    consent = await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"))
    assert "29733" in text(consent)
    phone = await press(dialogue, cb.encode("lc", "y"))
    assert phone.replies[0].request_contact
    await dialogue.handle(Event(user=ANA, kind="contact", phone="987654321", text="Ana"))
    await say(dialogue, "Curtiembre Misti")
    wrong = await say(dialogue, "20131369476")
    assert "verificación" in text(wrong) and button(wrong, "lskip:ruc")
    done = await say(dialogue, "20131369477")
    [lead] = await leads(db)
    assert lead.reference in text(done)
    assert (lead.phone, lead.business_name, lead.ruc) == (
        "+51987654321",
        "Curtiembre Misti",
        "20131369477",
    )
    assert (lead.cite_id, lead.region, lead.sector, lead.status) == (
        "citeccal-arequipa",
        "arequipa",
        "cuero-calzado",
        "nuevo",
    )
    assert lead.consent_version and lead.consent_at is not None
    assert done.staff_notices == 1
    async with db.session() as session:
        [notice] = (await session.exec(select(StaffNotice))).all()
    assert notice.lead_id == lead.id and notice.status == "pending"
    assert lead.reference in notice.text and "+51987654321" in notice.text
    assert f"ls:{lead.id}:contactado" in {b[1] for row in json.loads(notice.buttons) for b in row}


async def test_declined_consent_stores_nothing(dialogue: Dialogue, db: Database) -> None:
    await press(dialogue, cb.encode("lead", "e", "cite-que-es"))
    outcome = await press(dialogue, cb.encode("lc", "n"))
    assert "no guardé ningún dato" in text(outcome)
    assert await leads(db) == []


async def test_typed_wrong_phone_is_explained_and_nothing_is_lost(
    dialogue: Dialogue, db: Database
) -> None:
    await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"))
    await press(dialogue, cb.encode("lc", "y"))
    outcome = await say(dialogue, "12345")
    assert "9 dígitos" in text(outcome)
    outcome = await say(dialogue, "987 654 321")
    assert "negocio" in text(outcome)


async def test_region_and_sector_are_asked_when_unknown(dialogue: Dialogue, db: Database) -> None:
    await press(dialogue, cb.encode("lead", "e", "cite-que-es"))
    await press(dialogue, cb.encode("lc", "y"))
    await say(dialogue, "987654321")
    await press(dialogue, cb.encode("lskip", "business"))
    region = await press(dialogue, cb.encode("lskip", "ruc"))
    assert "región" in text(region)
    sector = await say(dialogue, "chimbote")
    assert button(sector, "lsec:pesca-acuicultura")
    await press(dialogue, cb.encode("lsec", "pesca-acuicultura"))
    [lead] = await leads(db)
    assert (lead.region, lead.sector, lead.business_name, lead.ruc) == (
        "ancash",
        "pesca-acuicultura",
        None,
        None,
    )


async def test_repeated_interest_in_the_same_topic_updates_instead_of_duplicating(
    dialogue: Dialogue, db: Database
) -> None:
    await capture_cite_lead(dialogue)
    again = await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"))
    assert "Ya tenemos registrado" in text(again)
    assert len(await leads(db)) == 1


async def test_cancel_during_capture_keeps_nothing(dialogue: Dialogue, db: Database) -> None:
    await press(dialogue, cb.encode("lead", "c", "citeccal-arequipa"))
    await press(dialogue, cb.encode("lc", "y"))
    await say(dialogue, "987654321")
    outcome = await command(dialogue, "cancelar")
    assert "no guardé" in text(outcome)
    assert await leads(db) == []


async def test_advisor_from_the_fallback_keeps_the_question_as_topic(
    dialogue: Dialogue, db: Database
) -> None:
    await say(dialogue, "como saco mi pasaporte")
    await press(dialogue, cb.encode("adv"))
    await press(dialogue, cb.encode("lc", "y"))
    await say(dialogue, "987654321")
    await press(dialogue, cb.encode("lskip", "business"))
    await press(dialogue, cb.encode("lskip", "ruc"))
    await press(dialogue, cb.encode("lskip", "region"))
    await press(dialogue, cb.encode("lskip", "sector"))
    [lead] = await leads(db)
    assert (lead.topic_kind, lead.topic_label) == ("question", "como saco mi pasaporte")


# --- staff ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        Event(user=ANA, kind="command", command="leads"),
        Event(user=ANA, kind="command", command="exportar"),
        Event(user=ANA, kind="button", data=cb.encode("ls", 1, "cerrado")),
    ],
    ids=["leads", "exportar", "status-button"],
)
async def test_staff_tools_are_refused_to_everyone_else(
    dialogue: Dialogue, db: Database, event: Event
) -> None:
    await capture_cite_lead(dialogue)
    outcome = await dialogue.handle(event)
    assert "solo para el equipo" in text(outcome)
    assert all(r.document is None for r in outcome.replies)
    assert [lead.status for lead in await leads(db)] == ["nuevo"]


async def test_staff_sees_counts_and_changes_status(dialogue: Dialogue, db: Database) -> None:
    await capture_cite_lead(dialogue)
    summary = await command(dialogue, "leads", user=STAFF)
    assert "nuevo: 1" in text(summary) and "Arequipa: 1" in text(summary)
    [lead] = await leads(db)
    changed = await press(dialogue, cb.encode("ls", lead.id, "contactado"), STAFF)
    assert "contactado" in changed.replies[0].notice  # a toast: the card itself is edited
    assert [lead.status for lead in await leads(db)] == ["contactado"]


async def test_staff_export_is_an_xlsx_document(dialogue: Dialogue) -> None:
    await capture_cite_lead(dialogue)
    outcome = await command(dialogue, "exportar", "estado=nuevo", user=STAFF)
    document = next(r.document for r in outcome.replies if r.document)
    sheet = load_workbook(io.BytesIO(document.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Código" and rows[1][4] == "987 654 321"
    assert len(rows) == 2


async def test_export_with_bad_filters_explains_the_format(dialogue: Dialogue) -> None:
    outcome = await command(dialogue, "exportar", "estado=feliz", user=STAFF)
    assert "Uso: /exportar" in text(outcome)


# --- the user's rights ---------------------------------------------------------------


async def test_my_data_shows_everything_stored(dialogue: Dialogue) -> None:
    await capture_cite_lead(dialogue)
    outcome = await command(dialogue, "mis_datos")
    shown = text(outcome)
    assert "+51987654321" in shown and "Curtiembre Misti" in shown and "20131369477" in shown


async def test_deleting_my_data_anonymises_leads_and_removes_the_rest(
    dialogue: Dialogue, db: Database
) -> None:
    await capture_cite_lead(dialogue)
    await say(dialogue, "que es un cite")
    confirm = await command(dialogue, "borrar_mis_datos")
    await press(dialogue, button(confirm, "del:y").data)
    [lead] = await leads(db)
    assert (lead.user_id, lead.phone, lead.ruc, lead.contact_name, lead.anonymized) == (
        None,
        None,
        None,
        None,
        True,
    )
    assert lead.region == "arequipa"  # counts survive
    async with db.session() as session:
        assert await session.get(User, ANA.id) is None
        assert (await session.exec(select(QuestionLog))).all() == []


async def test_keeping_my_data_deletes_nothing(dialogue: Dialogue, db: Database) -> None:
    await capture_cite_lead(dialogue)
    confirm = await command(dialogue, "borrar_mis_datos")
    await press(dialogue, button(confirm, "del:n").data)
    assert (await leads(db))[0].phone == "+51987654321"


async def test_typed_yes_at_the_consent_question_accepts(dialogue: Dialogue) -> None:
    await press(dialogue, cb.encode("lead", "e", "cite-que-es"))
    outcome = await say(dialogue, "Sí")
    assert outcome.replies[0].request_contact


async def test_a_new_question_at_the_consent_step_drops_the_capture(
    dialogue: Dialogue, db: Database
) -> None:
    await press(dialogue, cb.encode("lead", "e", "cite-que-es"))
    outcome = await say(dialogue, "cuanto vale la UIT")
    assert "Fuente:" in text(outcome)
    assert await leads(db) == []
