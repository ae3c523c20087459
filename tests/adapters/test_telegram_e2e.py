"""End to end: the real python-telegram-bot Application over HTTP against the local Bot API emulator.

Nothing of python-telegram-bot is mocked: the bot long-polls the emulator on
127.0.0.1 exactly as it would poll Telegram, and the tests assert on what the
emulator received (messages, keyboards, documents, callback answers) and on
the rows in the database.
"""

from __future__ import annotations

import asyncio
import gc
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.adapters.telegram_app import stop_polling
from bot.adapters.telegram_render import split_message
from bot.app import Services
from bot.message_length import utf16_length
from bot.storage.models import Lead, User
from telegram_emulator import BotApiEmulator
from tests.kit.telegram import (
    ANA,
    STAFF,
    STAFF_CHAT,
    TEAM,
    ask,
    buttons,
    capture_lead,
    data_of,
    eventually,
    press,
    start_bot,
)

# --- the conversation -------------------------------------------------------------------


async def test_stopping_the_bot_closes_its_database_connections(
    emulator: BotApiEmulator, database_url: str
) -> None:
    application, services = await start_bot(emulator, database_url, **TEAM)
    await ask(emulator, "hola")
    assert services.db.engine.pool.checkedin() > 0
    await stop_polling(application)
    assert services.db.engine.pool.checkedin() == 0


async def test_what_the_started_bot_built_is_frozen_out_of_full_collections(
    emulator: BotApiEmulator, bot: Services
) -> None:
    assert gc.get_freeze_count() > 0


async def test_commands_are_registered_at_start(emulator: BotApiEmulator, bot: Services) -> None:
    call = await emulator.wait_for_call("setMyCommands")
    names = {c["command"] for c in call.params["commands"]}
    assert {"start", "ayuda", "menu", "cancelar", "mis_datos", "borrar_mis_datos", "baja"} <= names


async def test_start_with_payload_greets_and_records_the_source(
    emulator: BotApiEmulator, bot: Services
) -> None:
    [reply] = await ask(emulator, "/start feria_arequipa")
    assert "Hola" in reply["plain_text"]
    assert any(data == "menu:cite" for _, data in buttons(reply))
    async with bot.db.session() as session:
        assert (await session.get(User, ANA)).source == "feria_arequipa"


async def test_question_gets_an_answer_with_its_source(
    emulator: BotApiEmulator, bot: Services
) -> None:
    [reply] = await ask(emulator, "ke es un sites?")
    assert "Fuente:" in reply["plain_text"] and "Revisado el" in reply["plain_text"]
    assert data_of(reply, "fb:cite-que-es:1")


async def test_suggestion_button_shows_the_chosen_entry(
    emulator: BotApiEmulator, bot: Services
) -> None:
    # Any message the engine finds ambiguous will do: pick one from the shipped tags.
    tags = sorted({tag for entry in bot.core.kb.entries.values() for tag in entry.tags})
    ambiguous = next(t for t in tags if bot.core.answers.reply(t).kind == "suggestions")
    [reply] = await ask(emulator, ambiguous)
    assert "Quiso decir" in reply["plain_text"]
    [answer] = await press(emulator, reply, data_of(reply, "e:"))
    assert "Fuente:" in answer["plain_text"]
    assert emulator.callback_answers[-1]["data"].startswith("e:")


async def test_cite_flow_by_buttons(emulator: BotApiEmulator, bot: Services) -> None:
    [menu] = await ask(emulator, "/menu")
    [sectors] = await press(emulator, menu, "menu:cite")
    [regions] = await press(emulator, sectors, data_of(sectors, "cs:cuero-calzado"))
    [needs] = await press(emulator, regions, data_of(regions, "cr:cuero-calzado:arequipa"))
    [results] = await press(emulator, needs, data_of(needs, "cn:cuero-calzado:arequipa:residuos"))
    assert "CITEccal Arequipa" in results["plain_text"]
    assert data_of(results, "lead:c:citeccal-arequipa")
    assert len(emulator.callback_answers) == 4  # every press answered


async def test_restart_in_the_middle_of_the_cite_flow(
    emulator: BotApiEmulator, database_url: str
) -> None:
    application, _ = await start_bot(emulator, database_url, **TEAM)
    [sectors] = await ask(emulator, "/menu")
    [sectors] = await press(emulator, sectors, "menu:cite")
    [regions] = await press(emulator, sectors, data_of(sectors, "cs:textil-camelidos"))
    await stop_polling(application)

    application, _ = await start_bot(emulator, database_url, **TEAM)  # a new process, same database
    try:
        [needs] = await ask(emulator, "juliaca")  # typed region continues the flow
        assert data_of(needs, "cn:textil-camelidos:puno:")
        [needs_again] = await press(
            emulator, regions, data_of(regions, "cr:textil-camelidos:cusco")
        )
        assert data_of(needs_again, "cn:textil-camelidos:cusco:")  # old buttons still work
    finally:
        await stop_polling(application)


async def test_stale_button_gets_a_graceful_reply(emulator: BotApiEmulator, bot: Services) -> None:
    [reply] = await ask(emulator, "que es un cite")
    [stale] = await press(emulator, reply, "e:entrada-que-ya-no-existe")
    assert "ya no está vigente" in stale["plain_text"]
    assert emulator.callback_answers


async def test_voice_note_gets_a_kind_reply(emulator: BotApiEmulator, bot: Services) -> None:
    emulator.mark()
    emulator.send_voice(ANA)
    [reply] = await emulator.wait_for_messages(ANA, 1)
    assert "audios" in reply["plain_text"]


async def test_user_text_is_shown_verbatim_in_plain_text_replies(
    emulator: BotApiEmulator, bot: Services
) -> None:
    [menu] = await ask(emulator, "/menu")
    [sectors] = await press(emulator, menu, "menu:cite")
    await press(emulator, sectors, data_of(sectors, "cs:agroindustria"))
    [reply] = await ask(emulator, "<b>Narnia</b> & co")
    assert "«<b>Narnia</b> & co»" in reply["plain_text"]
    assert reply["parse_mode"] is None and not reply["entities"]


async def test_in_groups_only_commands_and_mentions_are_answered(
    emulator: BotApiEmulator, bot: Services
) -> None:
    group = -200123
    emulator.mark()
    emulator.send_text(ANA, "que es un cite", chat_id=group, chat_type="group")
    emulator.send_text(
        ANA, f"@{emulator.bot_username} que es un cite", chat_id=group, chat_type="group"
    )
    [reply] = await emulator.wait_for_messages(group, 1)
    await emulator.wait_idle()
    assert len(emulator.sent(group)) == 1
    assert "Fuente:" in reply["plain_text"]


async def test_network_faults_and_blocked_users_never_stop_the_bot(
    emulator: BotApiEmulator, bot: Services
) -> None:
    emulator.fail_next("sendMessage", 502, "Bad Gateway")
    emulator.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    emulator.mark()
    emulator.send_text(ANA, "que es un cite")  # the 502 loses this reply, logged
    emulator.send_text(ANA, "que es proinnovate")  # the 429 is waited out and retried
    await emulator.wait_for_messages(ANA, 1, timeout=10)
    emulator.blocked_chats.add(6006)
    emulator.send_text(6006, "hola")
    emulator.send_text(ANA, "hola")
    await emulator.wait_for_messages(ANA, 2, timeout=10)
    assert await eventually(bot, lambda user: user is not None and user.blocked, 6006)


async def test_blocking_the_bot_marks_the_user_inactive(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await ask(emulator, "/novedades")
    emulator.my_chat_member(ANA, "kicked")
    assert await eventually(bot, lambda user: user is not None and user.blocked, ANA)


def test_long_text_is_split_by_telegrams_utf16_count() -> None:
    text = ("🌱 economía circular " * 300).strip()  # emoji count two UTF-16 units each
    chunks = split_message(text)
    assert all(utf16_length(c) <= 4096 for c in chunks)
    assert len(text) <= 4096 * len(chunks) and "".join(chunks).replace(" ", "") == text.replace(
        " ", ""
    )


async def test_an_edited_old_message_is_not_taken_as_the_answer_to_the_current_step(
    emulator: BotApiEmulator, bot: Services
) -> None:
    [results] = await ask(emulator, "tengo una curtiembre en arequipa y boto mucho retazo de cuero")
    [consent] = await press(emulator, results, data_of(results, "lead:c:citeccal-arequipa"))
    await press(emulator, consent, "lc:y")
    emulator.mark()
    emulator.send_contact(ANA, "+51987654321", "Ana", contact_user_id=ANA)
    await emulator.wait_for_messages(ANA, 1)
    emulator.mark()
    business = emulator.send_text(ANA, "Curtiembre Misti")["message"]
    await emulator.wait_for_messages(ANA, 1)  # now it asks for the RUC
    before = len(emulator.sent(ANA))
    emulator.push_update(
        {"edited_message": {**business, "text": "20131369477", "edit_date": business["date"] + 5}}
    )
    await emulator.wait_idle()
    assert len(emulator.sent(ANA)) == before  # the edit got no reply
    async with bot.db.session() as session:
        assert (await session.exec(select(Lead))).all() == []
    [done] = await ask(emulator, "20131369477")
    assert "L-" in done["plain_text"]


def test_long_text_is_split_under_the_telegram_limit() -> None:
    text = ("palabra " * 700 + "\n\n") * 3
    chunks = split_message(text)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert "".join(chunks).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


async def test_an_update_the_library_cannot_read_is_skipped_and_logged_once_without_data(
    emulator: BotApiEmulator, bot: Services, caplog: pytest.LogCaptureFixture
) -> None:
    poll = {  # no allows_revoting / members_only: python-telegram-bot refuses the whole batch
        "id": "p1",
        "question": "¿Asistirá Eustaquia Quispe a la feria?",
        "options": [{"text": "sí", "voter_count": 1}],
        "total_voter_count": 1,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    emulator.mark()
    emulator.push_update({"poll": poll})
    emulator.send_text(ANA, "que es un cite")
    [reply] = await emulator.wait_for_messages(ANA, 1, timeout=10)
    assert "CITE" in reply["plain_text"]
    await asyncio.sleep(0.5)
    skipped = [r for r in caplog.records if "skipped update" in r.getMessage()]
    assert len(skipped) == 1
    assert "Eustaquia" not in caplog.text and not [
        r for r in caplog.records if r.levelname == "CRITICAL"
    ]


# --- leads and staff ----------------------------------------------------------------------


async def test_full_lead_capture_notifies_staff(emulator: BotApiEmulator, bot: Services) -> None:
    [done] = await capture_lead(emulator)
    async with bot.db.session() as session:
        [lead] = (await session.exec(select(Lead))).all()
    assert lead.reference in done["plain_text"]
    assert lead.business_name == "Curtiembre <Misti> & Hijos"
    [notice] = await emulator.wait_for_messages(STAFF_CHAT, 1)
    assert (
        lead.reference in notice["plain_text"]
        and "Curtiembre <Misti> & Hijos" in notice["plain_text"]
    )
    emulator.mark()
    emulator.press_button(
        STAFF, f"ls:{lead.id}:contactado", notice["message_id"], chat_id=STAFF_CHAT
    )
    await emulator.wait_for_call("editMessageText")  # the card itself shows the change
    changed = emulator.message(STAFF_CHAT, notice["message_id"])
    assert changed is not None and "Estado: contactado" in changed["plain_text"]
    async with bot.db.session() as session:
        assert (await session.get(Lead, lead.id)).status == "contactado"


async def test_declined_consent_stores_nothing(emulator: BotApiEmulator, bot: Services) -> None:
    [results] = await ask(emulator, "hago muebles de madera en villa el salvador")
    [consent] = await press(emulator, results, data_of(results, "lead:c:"))
    [declined] = await press(emulator, consent, "lc:n")
    assert "no guardé ningún dato" in declined["plain_text"]
    async with bot.db.session() as session:
        assert (await session.exec(select(Lead))).all() == []


async def test_duplicate_interest_keeps_one_lead(emulator: BotApiEmulator, bot: Services) -> None:
    await capture_lead(emulator)
    [results] = await ask(emulator, "tengo una curtiembre en arequipa")
    [again] = await press(emulator, results, data_of(results, "lead:c:citeccal-arequipa"))
    assert "Ya tenemos registrado" in again["plain_text"]
    async with bot.db.session() as session:
        assert len((await session.exec(select(Lead))).all()) == 1


async def test_staff_export_arrives_as_an_xlsx_document(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await capture_lead(emulator)
    emulator.mark()
    emulator.send_text(STAFF, "/exportar")
    [document] = await emulator.wait_for_messages(STAFF, 1)
    assert document["document_name"].endswith(".xlsx")
    rows = list(
        load_workbook(io.BytesIO(document["document_bytes"])).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "Código" and rows[1][5] == "Curtiembre <Misti> & Hijos"


async def test_non_admin_is_refused_staff_commands(emulator: BotApiEmulator, bot: Services) -> None:
    for command in ("/leads", "/exportar"):
        [reply] = await ask(emulator, command)
        assert "solo para el equipo" in reply["plain_text"]
        assert reply["kind"] == "text"


async def test_delete_my_data(emulator: BotApiEmulator, bot: Services) -> None:
    await capture_lead(emulator)
    [confirm] = await ask(emulator, "/borrar_mis_datos")
    [done] = await press(emulator, confirm, data_of(confirm, "del:y"))
    assert "borré sus datos" in done["plain_text"]
    async with bot.db.session() as session:
        [lead] = (await session.exec(select(Lead))).all()
        assert await session.get(User, ANA) is None
    assert (lead.phone, lead.anonymized) == (None, True)


async def test_erasure_rewrites_the_lead_card_in_the_staff_chat(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await capture_lead(emulator)
    [card] = await emulator.wait_for_messages(STAFF_CHAT, 1)
    assert "987" in card["plain_text"] and buttons(card)
    [confirm] = await ask(emulator, "/borrar_mis_datos")
    await press(emulator, confirm, data_of(confirm, "del:y"))
    await emulator.wait_for_call("editMessageText")
    now = emulator.message(STAFF_CHAT, card["message_id"])
    assert now is not None
    assert "datos eliminados a pedido del titular" in now["plain_text"]
    assert "987" not in now["plain_text"] and "20131369477" not in now["plain_text"]
    assert not buttons(now)  # no status buttons left on a card without data


async def test_an_old_delete_button_asks_again_over_telegram(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await ask(emulator, "que es un cite")
    [first] = await ask(emulator, "/borrar_mis_datos")
    await press(emulator, first, data_of(first, "del:y"))
    await capture_lead(emulator)
    [again] = await press(emulator, first, data_of(first, "del:y"))
    assert "ya no está vigente" in again["plain_text"] and data_of(again, "del:y")
    async with bot.db.session() as session:
        [lead] = (await session.exec(select(Lead))).all()
    assert lead.phone == "+51987654321"


# --- announcements ------------------------------------------------------------------------


async def test_staff_announcement_from_preview_to_every_subscriber_once(
    emulator: BotApiEmulator, bot: Services
) -> None:
    subscribers = [7001, 7002, 7003]
    for user in subscribers:
        await ask(emulator, "/novedades", user=user)
    [compose] = await ask(emulator, "/anunciar", user=STAFF)
    assert "Envíeme el texto" in compose["plain_text"]
    preview, control = await ask(emulator, "Taller de ecodiseño el lunes", user=STAFF, count=2)
    assert preview["plain_text"].startswith("Taller de ecodiseño el lunes")
    assert "/baja" in preview["plain_text"]
    assert "Destinatarios: 3" in control["plain_text"]
    test_send, control = await press(emulator, control, "ann:test", user=STAFF, count=2)
    assert test_send["plain_text"] == preview["plain_text"]
    assert all(
        not emulator.sent(user) or "Taller" not in emulator.sent(user)[-1]["plain_text"]
        for user in subscribers
    )
    [created] = await press(emulator, control, data_of(control, "ann:go"), user=STAFF)
    assert "Campaña" in created["plain_text"]
    for user in subscribers:
        await emulator.wait_for_call(
            "sendMessage",
            predicate=lambda c, u=user: (
                c.params.get("chat_id") in (u, str(u)) and "Taller" in str(c.params.get("text"))
            ),
            timeout=15,
        )
    await asyncio.sleep(0.5)
    for user in subscribers:
        received = [
            m for m in emulator.sent(user) if "Taller de ecodiseño" in (m["plain_text"] or "")
        ]
        assert len(received) == 1
    progress = [m for m in emulator.sent(STAFF) if "📣 Campaña" in (m["plain_text"] or "")]
    assert progress and "terminada" in progress[-1]["plain_text"]


async def test_announcements_are_refused_to_non_admins(
    emulator: BotApiEmulator, bot: Services
) -> None:
    [reply] = await ask(emulator, "/anunciar")
    assert "solo para el equipo" in reply["plain_text"]


async def test_staff_announcement_with_a_photo_is_previewed_as_a_photo(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await ask(emulator, "/novedades", user=7201)
    await ask(emulator, "/anunciar", user=STAFF)
    emulator.mark()
    emulator.send_photo(STAFF, caption="Feria de innovación en Arequipa")
    preview, control = await emulator.wait_for_messages(STAFF, 2)
    assert preview["kind"] == "photo"
    assert (
        preview["caption"].startswith("Feria de innovación en Arequipa")
        and "/baja" in preview["caption"]
    )
    assert "Destinatarios: 1" in control["plain_text"]
