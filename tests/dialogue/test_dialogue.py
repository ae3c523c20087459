"""The dialogue core, on the shipped knowledge base and a real database (both backends)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, UserRef
from bot.storage.db import Database
from bot.storage.models import Conversation, Feedback, QuestionLog, User
from tests.kit.dialogue import ANA, all_buttons, button, command, press, say, text


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({9999}))


async def test_start_with_payload_records_the_source_and_shows_the_menu(
    dialogue: Dialogue, db: Database
) -> None:
    outcome = await command(dialogue, "start", "feria_arequipa")
    assert "Hola" in text(outcome)
    assert button(outcome, "menu:cite")
    async with db.session() as session:
        assert (await session.get(User, ANA.id)).source == "feria_arequipa"


async def test_later_start_does_not_overwrite_the_first_source(
    dialogue: Dialogue, db: Database
) -> None:
    await command(dialogue, "start", "feria_arequipa")
    await command(dialogue, "start", "radio")
    async with db.session() as session:
        assert (await session.get(User, ANA.id)).source == "feria_arequipa"


async def test_question_is_answered_with_its_source_and_review_date(
    dialogue: Dialogue, db: Database
) -> None:
    outcome = await say(dialogue, "que es un CITE?")
    assert "Fuente:" in text(outcome) and "Revisado el" in text(outcome)
    assert button(outcome, "fb:")
    async with db.session() as session:
        logged = (await session.exec(select(QuestionLog))).all()
    assert [(q.question, q.kind) for q in logged] == [("que es un CITE?", "answer")]


async def test_thumbs_down_is_stored_and_offers_an_advisor(
    dialogue: Dialogue, db: Database
) -> None:
    outcome = await say(dialogue, "que es un CITE?")
    feedback = await press(dialogue, button(outcome, "fb:").data.rsplit(":", 1)[0] + ":0")
    assert button(feedback, "lead:e:cite-que-es")
    async with db.session() as session:
        assert [f.useful for f in (await session.exec(select(Feedback))).all()] == [False]


async def test_out_of_scope_question_gets_the_fallback_with_an_advisor(dialogue: Dialogue) -> None:
    outcome = await say(dialogue, "a cuanto esta el dolar hoy")
    assert "no tengo información" in text(outcome)
    assert button(outcome, "hp")


async def test_business_description_gets_cite_suggestions(dialogue: Dialogue, db: Database) -> None:
    outcome = await say(dialogue, "tengo una curtiembre en arequipa y boto mucho retazo de cuero")
    assert "CITEccal Arequipa" in text(outcome)
    assert button(outcome, "lead:c:citeccal-arequipa")
    async with db.session() as session:
        user = await session.get(User, ANA.id)
    assert (user.sector, user.region) == ("cuero-calzado", "arequipa")


async def test_cite_flow_by_buttons_ends_in_results_with_me_interesa(dialogue: Dialogue) -> None:
    sectors = await press(dialogue, cb.encode("menu", "cite"))
    page = await press(dialogue, button(sectors, "cs:madera-forestal").data)
    while not any(b.data.endswith(":ucayali") for b in all_buttons(page)):
        page = await press(
            dialogue, [b for b in all_buttons(page) if b.data.startswith("crp:")][-1].data
        )
    needs = await press(dialogue, button(page, "cr:madera-forestal:ucayali").data)
    results = await press(dialogue, button(needs, "cn:madera-forestal:ucayali:residuos").data)
    assert "CITEforestal Pucallpa" in text(results)
    assert button(results, "lead:c:citeforestal-pucallpa")


async def test_region_can_be_typed_and_the_flow_survives_a_restart(
    db: Database, core: Core
) -> None:
    first = Dialogue(db, lambda: core)
    await press(first, cb.encode("cs", "textil-camelidos"))
    restarted = Dialogue(db, lambda: core)  # a new process on the same database
    needs = await say(restarted, "juliaca")
    assert button(needs, "cn:textil-camelidos:puno:")


async def test_unknown_typed_region_asks_again(dialogue: Dialogue) -> None:
    await press(dialogue, cb.encode("cs", "agroindustria"))
    outcome = await say(dialogue, "narnia")
    assert "No reconocí" in text(outcome)
    assert button(outcome, "cr:agroindustria:")


async def test_stale_button_gets_a_graceful_reply(dialogue: Dialogue) -> None:
    outcome = await press(dialogue, cb.encode("e", "entrada-borrada"))
    assert "ya no está vigente" in text(outcome)
    assert button(outcome, "menu:")


async def test_voice_note_gets_a_kind_reply(dialogue: Dialogue) -> None:
    outcome = await dialogue.handle(Event(user=ANA, kind="media", media="voice"))
    assert "audios" in text(outcome)


async def test_same_update_delivered_twice_acts_once(dialogue: Dialogue, db: Database) -> None:
    event = Event(user=ANA, kind="text", text="que es proinnovate", update_id=777)
    assert (await dialogue.handle(event)).replies
    assert (await dialogue.handle(event)).replies == []
    async with db.session() as session:
        assert len((await session.exec(select(QuestionLog))).all()) == 1


async def test_subscription_from_the_menu_and_baja(dialogue: Dialogue, db: Database) -> None:
    await press(dialogue, cb.encode("menu", "news"))
    async with db.session() as session:
        assert (await session.get(User, ANA.id)).subscribed
    outcome = await command(dialogue, "baja")
    assert "ya no le enviaré" in text(outcome)
    async with db.session() as session:
        assert not (await session.get(User, ANA.id)).subscribed


async def test_cancel_leaves_the_flow(dialogue: Dialogue, db: Database) -> None:
    await press(dialogue, cb.encode("cs", "agroindustria"))
    await command(dialogue, "cancelar")
    async with db.session() as session:
        assert (await session.get(Conversation, ANA.id)).state == "idle"


async def test_old_processed_updates_are_forgotten(dialogue: Dialogue, db: Database) -> None:
    import datetime as dt

    from bot.storage.models import ProcessedUpdate
    from bot.storage.users import forget_old_updates

    await dialogue.handle(Event(user=ANA, kind="text", text="hola", update_id=1))
    await dialogue.handle(Event(user=ANA, kind="text", text="hola", update_id=2))
    async with db.session() as session:
        old = await session.get(ProcessedUpdate, 1)
        old.created_at = old.created_at - dt.timedelta(days=3)
        session.add(old)
        await session.commit()
        await forget_old_updates(session)
        await session.commit()
        remaining = [row.update_id for row in (await session.exec(select(ProcessedUpdate))).all()]
    assert remaining == [2]


async def test_an_internal_failure_gets_an_apology_and_stores_nothing(
    db: Database, core: Core
) -> None:
    def broken_core() -> Core:
        raise RuntimeError("knowledge base unavailable")

    dialogue = Dialogue(db, broken_core)
    outcome = await dialogue.handle(Event(user=ANA, kind="text", text="hola", update_id=55))
    assert "intente de nuevo" in text(outcome)
    async with db.session() as session:
        assert await session.get(User, ANA.id) is None  # rolled back, so a redelivery can retry
    retried = await Dialogue(db, lambda: core).handle(
        Event(user=ANA, kind="text", text="hola", update_id=55)
    )
    assert retried.replies


async def test_a_choice_that_only_changes_flow_data_is_kept(db: Database, core: Core) -> None:
    staff = UserRef(9999, "Rosa")
    dialogue = Dialogue(db, lambda: core, admin_ids=frozenset({staff.id}))
    await dialogue.handle(Event(user=ANA, kind="command", command="novedades"))
    await dialogue.handle(Event(user=staff, kind="command", command="anunciar"))
    await dialogue.handle(Event(user=staff, kind="text", text="Taller en Cusco"))
    await press(dialogue, cb.encode("ann", "r", "cusco"), staff)  # same state, new region
    outcome = await press(dialogue, cb.encode("ann", "test"), staff)
    assert "Destinatarios: 0 (Cusco)" in text(outcome)


def test_every_button_the_shipped_knowledge_can_produce_fits_telegram(core: Core) -> None:
    from bot.dialogue import keyboards
    from bot.dialogue.callbacks import MAX_BYTES

    kb = core.kb
    replies = [keyboards.sectors(kb), keyboards.menu()]
    for sector in kb.sectors:
        replies += [keyboards.regions(kb, sector, page) for page in range(3)]
        replies += [keyboards.needs(kb, sector, region) for region in kb.regions]
    datas = [b.data for r in replies for row in r.buttons for b in row]
    datas += [cb.encode("lead", "c", cite) for cite in kb.cites]
    datas += [cb.encode("fb", entry, 1) for entry in kb.entries]
    assert datas and max(len(d.encode()) for d in datas) <= MAX_BYTES
