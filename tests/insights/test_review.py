"""The review of what the bot did not understand: clusters, the three decisions and
their effect on the next answer, redaction, and staff-only access (both backends)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sqlmodel import select

from bot import phrases
from bot.app import Services, follow_knowledge_reloads
from bot.config import load_settings
from bot.core import Core
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, Outcome, UserRef
from bot.insights.clustering import Asked, cluster
from bot.insights.learned import with_learned
from bot.storage.db import Database
from bot.storage.models import ReviewItem
from bot.storage.review import learned_paraphrases, suggest
from tests.kit import KNOWLEDGE
from tests.kit.dialogue import button, command, press, say, text

ADMIN = UserRef(9999, "Rosa")
NAMES = ("Eustaquia", "Quispe", "Mamani", "Flor", "Teodoro", "Yolanda")
OWNERS = [UserRef(2000 + n, name) for n, name in enumerate(NAMES)]
STAFF_CHAT = -100555
NOT_UNDERSTOOD = "subsidio para emprendedores jovenes"  # the fallback today
LEARNED_ENTRY = "proinnovate-no-reembolsable"  # the most likely entry for it
T0 = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)


def asked(wording: str, count: int = 1, day: int = 0) -> Asked:
    moment = T0 + dt.timedelta(days=day)
    return Asked(wording, count, moment, moment)


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({ADMIN.id}), staff_chat_id=STAFF_CHAT)


async def review_buttons(dialogue: Dialogue) -> Outcome:
    return await command(dialogue, "pendientes", "", ADMIN)


# -- clustering --------------------------------------------------------------------


def test_paraphrases_of_one_question_form_one_cluster_with_the_summed_count() -> None:
    found = cluster(
        [
            asked("¿Cuánto vale la UIT?", 3, day=1),
            asked("cuanto vale la uit", 2, day=4),
            asked("la UIT cuánto vale", 1, day=2),
        ]
    )
    assert len(found) == 1
    assert found[0].count == 6
    assert found[0].wording == "¿Cuánto vale la UIT?"  # the most asked wording leads
    assert (found[0].first_at, found[0].last_at) == (
        T0 + dt.timedelta(days=1),
        T0 + dt.timedelta(days=4),
    )


def test_different_questions_stay_apart_and_the_most_asked_comes_first() -> None:
    found = cluster(
        [
            asked("bono para bodegueros", 2),
            asked("donde saco mi carnet de sanidad", 5),
            asked("donde saco el carnet de sanidad", 1),
            asked("registro de marca indecopi costo", 3),
        ]
    )
    assert [c.wording for c in found] == [
        "donde saco mi carnet de sanidad",
        "registro de marca indecopi costo",
        "bono para bodegueros",
    ]
    assert [c.count for c in found] == [6, 3, 2]


def test_typos_join_the_cluster_of_the_well_written_question() -> None:
    found = cluster(
        [asked("requisitos para exportar alpaca", 4), asked("requsitos para exportar alpac", 1)]
    )
    assert [c.count for c in found] == [5]


def test_the_same_question_with_a_greeting_a_region_or_urgente_joins_its_cluster() -> None:
    found = cluster(
        [
            asked("bono para bodegueros", 5),
            asked("hola, bono para bodegueros en puno urgente", 1),
            asked("disculpe el bono para los bodegueros?", 1),
        ]
    )
    assert [(c.wording, c.count) for c in found] == [("bono para bodegueros", 7)]


def test_one_shared_word_is_not_enough_to_join_a_cluster() -> None:
    found = cluster([asked("registro de marca", 5), asked("registro sanitario digesa", 2)])
    assert [c.count for c in found] == [5, 2]


# -- the queue in Telegram -------------------------------------------------------------


async def test_pendientes_shows_clusters_with_counts_dates_and_three_likely_entries(
    dialogue: Dialogue,
) -> None:
    for owner in OWNERS[:3]:
        await say(dialogue, NOT_UNDERSTOOD, owner)
    await say(dialogue, "bono para bodegueros", OWNERS[4])
    outcome = await review_buttons(dialogue)
    first = outcome.replies[1]
    assert f"«{NOT_UNDERSTOOD}»" in first.text
    assert "3 veces" in first.text
    assert phrases.REVIEW_LIKELY in first.text
    entry_buttons = [b for row in first.buttons for b in row if b.data.endswith(tuple("012"))]
    assert len([b for b in entry_buttons if ":e:" in b.data]) == 3
    assert "«bono para bodegueros»" in outcome.replies[2].text
    assert "1 vez" in outcome.replies[2].text


async def test_nothing_pending_says_so(dialogue: Dialogue) -> None:
    await say(dialogue, "que es la economia circular", OWNERS[0])  # understood
    assert text(await review_buttons(dialogue)) == phrases.REVIEW_EMPTY


async def test_a_disliked_answer_puts_its_question_in_the_queue(dialogue: Dialogue) -> None:
    answer = await say(dialogue, "que es la economia circular", OWNERS[0])
    await press(dialogue, button(answer, "fb:").data.rsplit(":", 1)[0] + ":0", OWNERS[0])
    assert "«que es la economia circular»" in text(await review_buttons(dialogue))


async def test_questions_are_shown_without_phone_email_ruc_or_name(dialogue: Dialogue) -> None:
    await say(
        dialogue,
        "soy Eustaquia, subsidio para emprendedores 987654321 ana@correo.pe ruc 20131369477",
        OWNERS[0],
    )
    shown = text(await review_buttons(dialogue))
    for secret in ("987654321", "ana@correo.pe", "20131369477", "Eustaquia"):
        assert secret not in shown


async def test_a_suggestion_from_a_handoff_appears_in_the_same_queue(
    dialogue: Dialogue, db: Database
) -> None:
    async with db.session() as session:
        await suggest(
            session, "¿Hay ferias para artesanos en Cusco? llamar al 987654321", "handoff"
        )
        await session.commit()
    shown = text(await review_buttons(dialogue))
    assert "ferias para artesanos en Cusco" in shown
    assert phrases.REVIEW_SOURCE_HANDOFF.strip() in shown
    assert "987654321" not in shown


# -- the three decisions -------------------------------------------------------------------


def entry_choice(outcome: Outcome, wording: str, entry_index: int = 0) -> str:
    reply = next(r for r in outcome.replies if f"«{wording}»" in r.text)
    return next(
        b.data for row in reply.buttons for b in row if b.data.endswith(f":e:{entry_index}")
    )


def decision(outcome: Outcome, wording: str, code: str) -> str:
    reply = next(r for r in outcome.replies if f"«{wording}»" in r.text)
    return next(b.data for row in reply.buttons for b in row if b.data.endswith(f":{code}"))


async def test_es_esta_entrada_makes_the_next_answer_that_entry_after_the_reload(
    db: Database, core: Core, database_url: str
) -> None:
    services = Services(
        settings=load_settings(
            database_url=database_url, knowledge_dir=KNOWLEDGE, admin_ids="9999"
        ),
        db=db,
        core=core,
    )
    dialogue = services.dialogue
    assert (await say(dialogue, NOT_UNDERSTOOD, OWNERS[0])).replies[0].kind != "answer"
    queue = await review_buttons(dialogue)
    done = await press(dialogue, entry_choice(queue, NOT_UNDERSTOOD), ADMIN)
    assert "queda como otra forma de preguntar" in text(done)

    await services.refresh_learned()
    assert services.reload_knowledge() == []
    again = await say(dialogue, NOT_UNDERSTOOD, OWNERS[1])
    assert again.replies[0].kind == "answer"
    assert button(again, f"fb:{LEARNED_ENTRY}:")
    assert text(await review_buttons(dialogue)) == phrases.REVIEW_EMPTY


async def test_a_decided_cluster_cannot_be_decided_twice(dialogue: Dialogue) -> None:
    await say(dialogue, NOT_UNDERSTOOD, OWNERS[0])
    queue = await review_buttons(dialogue)
    await press(dialogue, decision(queue, NOT_UNDERSTOOD, "i"), ADMIN)
    again = await press(dialogue, entry_choice(queue, NOT_UNDERSTOOD), ADMIN)
    assert again.replies[0].notice == phrases.REVIEW_ALREADY


async def test_ignorar_keeps_the_cluster_out_of_the_queue_even_when_asked_again(
    dialogue: Dialogue,
) -> None:
    await say(dialogue, "bono para bodegueros", OWNERS[0])
    queue = await review_buttons(dialogue)
    ignored = await press(dialogue, decision(queue, "bono para bodegueros", "i"), ADMIN)
    assert "no volverá a aparecer" in text(ignored)
    await say(dialogue, "bono para bodegueros", OWNERS[1])
    assert text(await review_buttons(dialogue)) == phrases.REVIEW_EMPTY


async def test_nueva_entrada_sends_a_draft_with_the_questions_and_invents_no_answer(
    dialogue: Dialogue,
) -> None:
    await say(dialogue, "bono para bodegueros", OWNERS[0])
    await say(dialogue, "bono para bodegueros", OWNERS[2])
    await say(dialogue, "bonos para los bodegueros", OWNERS[1])
    queue = await review_buttons(dialogue)
    drafted = await press(dialogue, decision(queue, "bono para bodegueros", "n"), ADMIN)
    document = drafted.replies[0].document
    assert document is not None and document.filename.endswith(".md")
    draft = document.content.decode("utf-8")
    assert '"bono para bodegueros"' in draft
    assert "bonos para los bodegueros" in draft
    assert "POR COMPLETAR" in draft and "sources: []" in draft
    assert text(await review_buttons(dialogue)) == phrases.REVIEW_EMPTY


async def test_learned_paraphrases_are_stored_per_entry(dialogue: Dialogue, db: Database) -> None:
    await say(dialogue, NOT_UNDERSTOOD, OWNERS[0])
    await press(dialogue, entry_choice(await review_buttons(dialogue), NOT_UNDERSTOOD), ADMIN)
    async with db.session() as session:
        assert await learned_paraphrases(session) == {LEARNED_ENTRY: [NOT_UNDERSTOOD]}
        item = (await session.exec(select(ReviewItem))).one()
        assert item.decided_by == ADMIN.id and json.loads(item.members) == [NOT_UNDERSTOOD]


def test_the_merge_hook_adds_a_wording_once_and_skips_missing_entries(core: Core) -> None:
    kb = with_learned(
        core.kb, {LEARNED_ENTRY: [NOT_UNDERSTOOD, NOT_UNDERSTOOD.upper()], "no-such": ["x y z"]}
    )
    questions = kb.entries[LEARNED_ENTRY].questions
    assert questions[-1] == NOT_UNDERSTOOD
    assert len(questions) == len(core.kb.entries[LEARNED_ENTRY].questions) + 1
    assert "no-such" not in kb.entries


# -- access --------------------------------------------------------------------------------


async def test_pendientes_is_refused_to_someone_not_in_admin_ids(dialogue: Dialogue) -> None:
    assert text(await command(dialogue, "pendientes", "", OWNERS[0])) == phrases.STAFF_ONLY


async def test_a_review_button_is_refused_to_someone_not_in_admin_ids(
    dialogue: Dialogue, db: Database
) -> None:
    await say(dialogue, "bono para bodegueros", OWNERS[0])
    queue = await review_buttons(dialogue)
    refused = await press(dialogue, decision(queue, "bono para bodegueros", "i"), OWNERS[0])
    assert text(refused) == phrases.STAFF_ONLY
    assert "«bono para bodegueros»" in text(await review_buttons(dialogue))


async def test_pendientes_is_refused_in_a_group_that_is_not_the_staff_chat(
    dialogue: Dialogue,
) -> None:
    event = Event(user=ADMIN, kind="command", command="pendientes", private=False, chat_id=-42)
    assert text(await dialogue.handle(event)) == phrases.STAFF_PRIVATE_ONLY
    in_staff_chat = Event(
        user=ADMIN, kind="command", command="pendientes", private=False, chat_id=STAFF_CHAT
    )
    assert text(await dialogue.handle(in_staff_chat)) == phrases.REVIEW_EMPTY


async def test_erasing_ones_data_drops_a_pending_cluster_led_by_ones_own_wording(
    dialogue: Dialogue, db: Database
) -> None:
    await say(dialogue, "bono para bodegueros", OWNERS[0])
    await review_buttons(dialogue)  # stored as a pending row
    confirm = await command(dialogue, "borrar_mis_datos", "", OWNERS[0])
    await press(dialogue, button(confirm, "del:y").data, OWNERS[0])
    async with db.session() as session:
        assert (await session.exec(select(ReviewItem))).all() == []


async def test_a_paraphrase_accepted_on_one_replica_is_served_by_another_after_its_reload(
    core: Core, database_url: str
) -> None:
    settings = load_settings(database_url=database_url, knowledge_dir=KNOWLEDGE, admin_ids="9999")
    first, second = (
        Services(settings=settings, db=Database(database_url), core=core) for _ in "ab"
    )
    stop = asyncio.Event()
    follower = asyncio.create_task(follow_knowledge_reloads(second, stop, interval=0.05))
    try:
        await say(first.dialogue, NOT_UNDERSTOOD, OWNERS[0])
        queue = await review_buttons(first.dialogue)
        await press(first.dialogue, entry_choice(queue, NOT_UNDERSTOOD), ADMIN)
        for _ in range(200):
            if second.core.answers.reply(NOT_UNDERSTOOD).entry_id == LEARNED_ENTRY:
                break
            await asyncio.sleep(0.05)
        answered = await say(second.dialogue, NOT_UNDERSTOOD, OWNERS[1])
    finally:
        stop.set()
        await follower
        for replica in (first, second):
            await replica.db.dispose()
    assert answered.replies[0].kind == "answer"
    assert button(answered, f"fb:{LEARNED_ENTRY}:")
