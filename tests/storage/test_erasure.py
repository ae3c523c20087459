"""/borrar_mis_datos leaves nothing of the person anywhere; /mis_datos tells the truth.

The schema walk reflects the tables from the migrated database itself, so a
table or text column added later is searched too, and fails here until
storage/erasure.py handles it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import MetaData, select, update
from sqlmodel import select as sm_select

from bot import phrases
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, Outcome, UserRef
from bot.exports.leads import export_leads_csv, export_leads_xlsx
from bot.exports.questions import export_questions_csv
from bot.storage.db import Database
from bot.storage.leads import LeadFilter
from bot.storage.models import (
    Campaign,
    Conversation,
    Delivery,
    Feedback,
    Lead,
    QuestionLog,
    StaffMessage,
    User,
)
from bot.storage.outbox import claim_due, mark_sent
from tests.kit.dialogue import button, command, deliver_staff_cards, press, say, text

EUSTAQUIA = UserRef(4242, "Eustaquia")
OTHER = UserRef(4343, "Ana")
STAFF_CHAT = -100777
MOBILE, LEAD_PHONE, RUC = "912345678", "987654321", "20131369477"
NAME, BUSINESS = "eustaquia", "bodega san juan"


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({9999}), staff_chat_id=STAFF_CHAT)


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


async def capture(dialogue: Dialogue, user: UserRef, topic: str) -> Outcome:
    """A consented lead for `topic` (a button payload), with phone, business and RUC."""
    consent = await press(dialogue, topic, user)
    if "lc:y" not in [b.data for row in consent.replies[0].buttons for b in row]:
        return consent  # already registered
    await press(dialogue, cb.encode("lc", "y"), user)
    shared = await dialogue.handle(
        Event(user=user, kind="contact", phone=f"+51 {LEAD_PHONE}", text=user.first_name or "")
    )
    if shared.staff_notices:
        return shared  # a second lead: business and RUC were given for the first one
    await say(dialogue, "Bodega San Juan de Eustaquia", user)
    outcome = await say(dialogue, RUC, user)
    while outcome.replies and outcome.replies[-1].buttons and not outcome.staff_notices:
        # region or sector asked: take the first choice offered
        outcome = await press(dialogue, outcome.replies[-1].buttons[0][0].data, user)
    return outcome


async def leave_traces(dialogue: Dialogue, db: Database) -> None:
    """Everything a real owner leaves: questions, feedback, a subscription, two leads,
    announcements received and pending, and the staff-chat cards of the leads."""
    user = EUSTAQUIA
    await command(dialogue, "start", "feria_lima", user)
    answer = await say(dialogue, "que es la economia circular", user)
    fb = button(answer, "fb:")
    await press(dialogue, fb.data, user)
    await say(dialogue, f"soy eustaquia de la {BUSINESS}, mi numero es {MOBILE}", user)
    await command(dialogue, "novedades", "", user)
    first = await capture(dialogue, user, cb.encode("lead", "c", "citeccal-arequipa"))
    await say(dialogue, f"a cuanto esta el dolar hoy? mi cel {MOBILE}", user)
    second = await capture(dialogue, user, cb.encode("adv"))
    assert first.staff_notices and second.staff_notices, "each lead posts a card to staff"
    await deliver_staff_cards(db, first_message_id=700)
    async with db.session() as session:
        reference = (await session.exec(sm_select(Lead.reference))).first()
    staff = UserRef(9999, "Rosa")
    await press(dialogue, cb.encode("la", 1), staff)  # "Lo tomo yo", then a note
    await command(dialogue, "nota", f"{reference} {NAME} de {BUSINESS}, {MOBILE}", staff)
    await talk_to_a_person(dialogue, user)
    async with db.session() as session:
        for status in ("sent", "pending"):
            campaign = Campaign(text="Feria CITE", status="done", total=1)
            session.add(campaign)
            await session.flush()
            session.add(Delivery(campaign_id=campaign.id, user_id=user.id, status=status))
        await session.commit()


async def talk_to_a_person(dialogue: Dialogue, user: UserRef) -> None:
    """A handoff with its topic, both sides' messages, a note, a KB suggestion, a rating."""
    opened = await press(dialogue, cb.encode("hp"), user)
    [topic] = opened.topics
    await dialogue.topic_ready(topic.handoff_id, 77, True)
    owner = await dialogue.handle(
        Event(user=user, kind="text", text=f"soy eustaquia, mi cel {MOBILE}", message_id=31)
    )
    for number, post in enumerate(owner.posts):
        await dialogue.relayed(post, 90 + number)
    staff = UserRef(9002, "María")
    in_topic = {"chat_id": STAFF_CHAT, "private": False, "thread_id": 77}
    reply = await dialogue.handle(
        Event(
            user=staff,
            kind="text",
            text=f"Eustaquia, le llamo al {MOBILE}",
            message_id=95,
            **in_topic,
        )
    )
    await dialogue.relayed(reply.posts[0], 32)
    await dialogue.handle(
        Event(user=staff, kind="command", command="sugerir", reply_to=95, **in_topic)
    )
    await dialogue.handle(
        Event(
            user=staff, kind="command", command="nota", payload=f"{NAME} de {BUSINESS}", **in_topic
        )
    )
    closed = await dialogue.handle(Event(user=staff, kind="command", command="cerrar", **in_topic))
    rating = next(b for p in closed.posts for row in p.buttons for b in row)
    await press(dialogue, rating.data, user)


async def erase(dialogue: Dialogue, user: UserRef = EUSTAQUIA) -> Outcome:
    confirm = await command(dialogue, "borrar_mis_datos", "", user)
    return await press(dialogue, button(confirm, "del:y").data, user)


async def every_value(db: Database) -> list[tuple[str, str, Any]]:
    """(table, column, value) for every cell of every table the database holds."""
    found: list[tuple[str, str, Any]] = []
    async with db.engine.connect() as conn:
        metadata = MetaData()
        await conn.run_sync(metadata.reflect)
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                for column, value in row._mapping.items():
                    found.append((table.name, str(column), value))
    return found


async def test_erasure_leaves_neither_phone_ruc_name_nor_free_text_phone_in_any_table(
    dialogue: Dialogue, db: Database
) -> None:
    await leave_traces(dialogue, db)
    values = await every_value(db)
    assert any(isinstance(v, str) and LEAD_PHONE in digits(v) for _, _, v in values)
    assert any(v == EUSTAQUIA.id for _, _, v in values)

    await erase(dialogue)

    leftovers = [
        (table, column, value)
        for table, column, value in await every_value(db)
        if value == EUSTAQUIA.id
        or (
            isinstance(value, str)
            and (
                any(n in digits(value) for n in (MOBILE, LEAD_PHONE, RUC))
                or NAME in value.lower()
                or BUSINESS in value.lower()
            )
        )
    ]
    assert leftovers == []


async def test_erasure_deletes_the_persons_forum_topic(dialogue: Dialogue, db: Database) -> None:
    await leave_traces(dialogue, db)
    done = await erase(dialogue)
    assert [(t.action, t.chat_id, t.thread_id, t.name) for t in done.topics] == [
        ("delete", STAFF_CHAT, 77, phrases.STAFF_HANDOFF_ERASED_TOPIC)
    ]


async def test_erasure_keeps_anonymous_counts(dialogue: Dialogue, db: Database) -> None:
    await leave_traces(dialogue, db)
    await erase(dialogue)
    async with db.session() as session:
        leads = (await session.exec(sm_select(Lead))).all()
        deliveries = (await session.exec(sm_select(Delivery))).all()
    assert len(leads) == 2 and all(lead.anonymized for lead in leads)
    assert {lead.region for lead in leads} == {"arequipa"}
    assert [(d.status, d.user_id) for d in deliveries] == [("sent", None)]  # pending: gone


async def test_erasure_rewrites_the_staff_cards_that_showed_the_person(
    dialogue: Dialogue, db: Database
) -> None:
    await leave_traces(dialogue, db)
    done = await erase(dialogue)
    assert [(e.chat_id, e.message_id) for e in done.staff_edits] == [
        (STAFF_CHAT, 700),
        (STAFF_CHAT, 701),
    ]
    assert all("datos eliminados a pedido del titular" in e.text for e in done.staff_edits)
    async with db.session() as session:
        assert (await session.exec(sm_select(StaffMessage))).all() == []


async def test_a_card_that_arrives_after_the_erasure_is_rewritten_at_once(
    dialogue: Dialogue, db: Database
) -> None:
    await capture(dialogue, EUSTAQUIA, cb.encode("lead", "c", "citeccal-arequipa"))
    async with db.session() as session:
        [in_flight] = await claim_due(session, "test-worker")  # the worker is sending it
    await erase(dialogue)
    async with db.session() as session:
        rewrite = await mark_sent(session, in_flight.id, 900)
    assert rewrite is not None and rewrite[1].startswith("L-")


async def test_a_card_not_yet_sent_only_says_the_data_was_deleted(
    dialogue: Dialogue, db: Database
) -> None:
    await capture(dialogue, EUSTAQUIA, cb.encode("lead", "c", "citeccal-arequipa"))
    await erase(dialogue)
    async with db.session() as session:
        [pending] = await claim_due(session, "test-worker")
    assert "datos eliminados a pedido del titular" in pending.text
    assert LEAD_PHONE not in digits(pending.text) and pending.buttons == []


async def test_erasure_touches_no_one_else(dialogue: Dialogue, db: Database) -> None:
    await capture(dialogue, OTHER, cb.encode("lead", "c", "citeccal-arequipa"))
    await say(dialogue, "que es un cite", OTHER)
    await leave_traces(dialogue, db)
    await erase(dialogue)
    async with db.session() as session:
        [kept] = (await session.exec(sm_select(Lead).where(Lead.user_id == OTHER.id))).all()
        assert kept.phone == f"+51{LEAD_PHONE}" and not kept.anonymized
        assert await session.get(User, OTHER.id) is not None
        assert (await session.exec(sm_select(QuestionLog))).all()


async def test_exports_after_erasure_show_nothing_of_the_person(
    dialogue: Dialogue, db: Database
) -> None:
    await leave_traces(dialogue, db)
    await erase(dialogue)
    csv_leads, csv_questions, workbook = io.StringIO(), io.StringIO(), io.BytesIO()
    await export_leads_csv(db, csv_leads, LeadFilter())
    await export_questions_csv(db, csv_questions)
    await export_leads_xlsx(db, workbook, LeadFilter())
    cells = [
        str(c)
        for row in load_workbook(io.BytesIO(workbook.getvalue())).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    for shown in (csv_leads.getvalue(), csv_questions.getvalue(), "\n".join(cells)):
        assert not any(n in digits(shown) for n in (MOBILE, LEAD_PHONE, RUC))
        assert NAME not in shown.lower() and BUSINESS not in shown.lower()
    assert phrases.ERASED_TOPIC in csv_leads.getvalue()  # the question lead's topic was theirs


# --- what is stored as free text ----------------------------------------------------


async def test_a_question_is_stored_without_the_phone_ruc_email_or_senders_name(
    dialogue: Dialogue, db: Database
) -> None:
    await say(
        dialogue,
        f"soy Eustaquia, mi ruc {RUC}, cel {MOBILE}, correo eus@mail.pe: como postulo?",
        EUSTAQUIA,
    )
    async with db.session() as session:
        [stored] = (await session.exec(sm_select(QuestionLog))).all()
    assert stored.question == (
        "soy [nombre], mi ruc [RUC], cel [teléfono], correo [correo]: como postulo?"
    )


async def test_a_lead_about_a_question_keeps_the_question_without_the_phone(
    dialogue: Dialogue, db: Database
) -> None:
    await say(dialogue, f"a cuanto esta el dolar hoy? mi cel {MOBILE}", EUSTAQUIA)
    await capture(dialogue, EUSTAQUIA, cb.encode("adv"))
    async with db.session() as session:
        [lead] = (await session.exec(sm_select(Lead))).all()
    assert MOBILE not in lead.topic_label and "[teléfono]" in lead.topic_label
    assert lead.phone == f"+51{LEAD_PHONE}"  # the phone lives in its own column


# --- the confirmation ----------------------------------------------------------------


async def test_an_old_confirmation_button_asks_again_instead_of_deleting(
    dialogue: Dialogue, db: Database
) -> None:
    await say(dialogue, "que es un cite", EUSTAQUIA)
    old = await command(dialogue, "borrar_mis_datos", "", EUSTAQUIA)
    await press(dialogue, button(old, "del:y").data, EUSTAQUIA)
    await capture(dialogue, EUSTAQUIA, cb.encode("lead", "c", "citeccal-arequipa"))
    again = await press(dialogue, button(old, "del:y").data, EUSTAQUIA)
    assert "ya no está vigente" in text(again) and button(again, "del:y")
    async with db.session() as session:
        [lead] = (await session.exec(sm_select(Lead))).all()
    assert lead.phone == f"+51{LEAD_PHONE}"


async def test_a_confirmation_button_without_a_token_asks_again(
    dialogue: Dialogue, db: Database
) -> None:
    await capture(dialogue, EUSTAQUIA, cb.encode("lead", "c", "citeccal-arequipa"))
    again = await press(dialogue, cb.encode("del", "y"), EUSTAQUIA)
    assert "ya no está vigente" in text(again)
    async with db.session() as session:
        assert not (await session.exec(sm_select(Lead))).one().anonymized


async def test_a_confirmation_older_than_a_quarter_hour_asks_again(
    dialogue: Dialogue, db: Database
) -> None:
    await capture(dialogue, EUSTAQUIA, cb.encode("lead", "c", "citeccal-arequipa"))
    confirm = await command(dialogue, "borrar_mis_datos", "", EUSTAQUIA)
    async with db.session() as session:
        row = await session.get(Conversation, EUSTAQUIA.id)
        assert row is not None
        stale = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)).isoformat()
        await session.exec(
            update(Conversation)
            .where(Conversation.user_id == EUSTAQUIA.id)
            .values(data=row.data.replace(row.data.split('"asked_at": "')[1][:32], stale))
        )
        await session.commit()
    again = await press(dialogue, button(confirm, "del:y").data, EUSTAQUIA)
    assert "ya no está vigente" in text(again)


async def test_asking_to_erase_again_says_there_is_nothing_left_and_stores_nothing(
    dialogue: Dialogue, db: Database
) -> None:
    await capture(dialogue, EUSTAQUIA, cb.encode("lead", "c", "citeccal-arequipa"))
    await erase(dialogue)
    second = await command(dialogue, "borrar_mis_datos", "", EUSTAQUIA)
    assert "no hubo nada que borrar" in text(second)
    async with db.session() as session:
        assert await session.get(User, EUSTAQUIA.id) is None


# --- /mis_datos ----------------------------------------------------------------------


async def test_my_data_shows_the_stored_questions_and_a_delete_button(
    dialogue: Dialogue,
) -> None:
    await say(dialogue, "que es la economia circular", EUSTAQUIA)
    await say(dialogue, f"y el cite de arequipa? mi numero es {MOBILE}", EUSTAQUIA)
    shown = await command(dialogue, "mis_datos", "", EUSTAQUIA)
    assert "que es la economia circular" in text(shown)
    assert "y el cite de arequipa? mi numero es [teléfono]" in text(shown)
    confirm = await press(dialogue, button(shown, "del:ask").data, EUSTAQUIA)
    assert button(confirm, "del:y")


async def test_my_data_after_erasure_says_nothing_is_stored_and_stores_nothing(
    dialogue: Dialogue, db: Database
) -> None:
    await leave_traces(dialogue, db)
    await erase(dialogue)
    shown = await command(dialogue, "mis_datos", "", EUSTAQUIA)
    assert text(shown) == phrases.MY_DATA_NONE
    assert "Primer contacto" not in text(shown)
    async with db.session() as session:
        assert await session.get(User, EUSTAQUIA.id) is None
        assert await session.get(Conversation, EUSTAQUIA.id) is None


async def test_feedback_of_others_survives_an_erasure(dialogue: Dialogue, db: Database) -> None:
    answer = await say(dialogue, "que es la economia circular", OTHER)
    await press(dialogue, button(answer, "fb:").data, OTHER)
    await leave_traces(dialogue, db)
    await erase(dialogue)
    async with db.session() as session:
        assert [f.user_id for f in (await session.exec(sm_select(Feedback))).all()] == [OTHER.id]
