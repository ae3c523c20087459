"""The lead pipeline staff work in (issue 16): cards edited in place with who and when,
the stored history, "Lo tomo yo", /leads paged newest first, notes, and /exportar
with plain dates and region names. Both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot import phrases
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, UserRef
from bot.dialogue.staff import FilterProblem, parse_filters
from bot.storage.db import Database
from bot.storage.models import LeadEvent
from tests.kit.dialogue import (
    ANA,
    STAFF,
    STAFF_CHAT,
    button,
    capture_cite_lead,
    command,
    deliver_staff_cards,
    leads,
    press,
    text,
)

LUIS = UserRef(9998, "Luis")


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    admins = frozenset({STAFF.id, LUIS.id})
    return Dialogue(db, lambda: core, admin_ids=admins, staff_chat_id=STAFF_CHAT)


def in_staff_chat(user: UserRef, data: str) -> Event:
    return Event(user=user, kind="button", data=data, chat_id=STAFF_CHAT, private=False)


async def test_a_status_change_edits_the_card_in_place_with_who_and_when(
    dialogue: Dialogue, db: Database
) -> None:
    await capture_cite_lead(dialogue)
    await deliver_staff_cards(db, first_message_id=500)
    [lead] = await leads(db)
    done = await dialogue.handle(in_staff_chat(STAFF, cb.encode("ls", lead.id, "contactado")))
    [edit] = done.staff_edits
    assert (edit.chat_id, edit.message_id) == (STAFF_CHAT, 500)
    assert lead.reference in edit.text and "+51987654321" in edit.text
    assert "Estado: contactado · Rosa ·" in edit.text
    assert any(b.data == f"ls:{lead.id}:cerrado" for row in edit.buttons for b in row)
    assert done.replies[0].notice.startswith(lead.reference)
    await dialogue.handle(in_staff_chat(LUIS, cb.encode("ls", lead.id, "en_proceso")))
    async with db.session() as session:
        history = (await session.exec(select(LeadEvent).order_by(LeadEvent.id))).all()
    assert [(e.kind, e.status, e.by_name) for e in history] == [
        ("status", "contactado", "Rosa"),
        ("status", "en_proceso", "Luis"),
    ]


async def test_lo_tomo_yo_assigns_the_lead_once(dialogue: Dialogue, db: Database) -> None:
    await capture_cite_lead(dialogue)
    await deliver_staff_cards(db, first_message_id=500)
    [lead] = await leads(db)
    taken = await dialogue.handle(in_staff_chat(STAFF, cb.encode("la", lead.id)))
    assert "A cargo de: Rosa" in taken.staff_edits[0].text
    other = await dialogue.handle(in_staff_chat(LUIS, cb.encode("la", lead.id)))
    assert other.replies[0].notice == f"{lead.reference} ya está a cargo de Rosa."
    [lead] = await leads(db)
    assert (lead.assigned_id, lead.assigned_name) == (STAFF.id, "Rosa")


async def test_a_note_is_kept_in_the_history_and_shown_on_the_card(
    dialogue: Dialogue, db: Database
) -> None:
    await capture_cite_lead(dialogue)
    await deliver_staff_cards(db, first_message_id=500)
    [lead] = await leads(db)
    saved = await command(dialogue, "nota", f"{lead.reference.lower()} llamar el lunes", STAFF)
    assert text(saved) == phrases.STAFF_NOTE_SAVED.format(reference=lead.reference)
    assert "Rosa: llamar el lunes" in saved.staff_edits[0].text
    unknown = await command(dialogue, "nota", "L-ZZZZZZ hola", STAFF)
    assert "No encontré el interesado L-ZZZZZZ" in text(unknown)
    assert phrases.STAFF_NOTE_USAGE in text(await command(dialogue, "nota", "", STAFF))


async def test_leads_lists_open_leads_newest_first_in_pages(
    dialogue: Dialogue, db: Database
) -> None:
    for number in range(7):
        await capture_cite_lead(dialogue, UserRef(2000 + number, f"Persona{number}"))
    stored = sorted(await leads(db), key=lambda lead: lead.id or 0)
    first = await command(dialogue, "leads", user=STAFF)
    listing = first.replies[-1]
    assert "página 1 de 2" in listing.text
    shown = [b.label for row in listing.buttons for b in row if b.data.startswith("lv:")]
    assert shown == [lead.reference for lead in reversed(stored)][:5]
    second = await press(dialogue, button(first, "lp:").data, STAFF)
    assert "página 2 de 2" in text(second)
    card = await press(dialogue, button(second, "lv:").data, STAFF)
    assert "Nuevo interesado" in text(card) and button(card, "la:")


# --- /exportar ---------------------------------------------------------------------


def test_export_filters_take_plain_dates_and_region_names(core: Core) -> None:
    def places(value: str) -> str | None:
        return core.matcher.places.lookup(value)

    filters = parse_filters("desde=01/12/2026 hasta=2026-12-31 region=La Libertad", places)
    assert (filters.since, filters.until) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert filters.region == "la-libertad"
    assert parse_filters("región=San Martín estado=En proceso", places).status == "en_proceso"
    for wrong, says in [
        ("desde=31/02/2026", "No entendí la fecha «31/02/2026»"),
        ("region=Narnia", "No reconocí la región «Narnia»"),
        ("estado=perdido", "El estado «perdido» no existe"),
        ("arequipa", "Uso: /exportar"),
    ]:
        with pytest.raises(FilterProblem, match=says):
            parse_filters(wrong, places)


async def test_an_export_that_matches_nothing_says_what_it_understood(
    dialogue: Dialogue,
) -> None:
    await capture_cite_lead(dialogue, ANA)
    outcome = await command(dialogue, "exportar", "desde=01/01/2020 hasta=02/01/2020", STAFF)
    assert text(outcome) == (
        "No hay interesados con esos filtros. Entendí: desde el 01/01/2020, hasta el 02/01/2020."
    )
    found = await command(dialogue, "exportar", "region=arequipa", STAFF)
    assert found.replies[0].document is not None
    nothing = await command(dialogue, "exportar", "region=La Libertad estado=cerrado", STAFF)
    assert "Entendí: estado «cerrado», región La Libertad." in text(nothing)
