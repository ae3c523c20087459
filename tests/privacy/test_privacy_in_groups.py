"""Personal data is shown only in private chats, and staff tools only there or in the staff chat."""

from __future__ import annotations

import pytest

from bot import phrases
from bot.app import Services
from bot.core import Core
from bot.dialogue import callbacks as cb
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, Outcome, UserRef
from bot.storage.db import Database
from telegram_emulator import BotApiEmulator
from tests.kit.dialogue import capture_cite_lead, leads
from tests.kit.telegram import ANA, STAFF, capture_lead

OWNER = UserRef(1001, "Ana")
ADMIN = UserRef(9999, "Rosa")
GROUP = -200999
STAFF_GROUP = -100555


@pytest.fixture
def dialogue(db: Database, core: Core) -> Dialogue:
    return Dialogue(db, lambda: core, admin_ids=frozenset({ADMIN.id}), staff_chat_id=STAFF_GROUP)


async def in_group(dialogue: Dialogue, user: UserRef, chat: int = GROUP, **event: str) -> Outcome:
    kind = "command" if "command" in event else "button"
    return await dialogue.handle(Event(user=user, kind=kind, chat_id=chat, private=False, **event))  # type: ignore[arg-type]


def shown(outcome: Outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


async def test_my_data_in_a_group_shows_nothing_personal(dialogue: Dialogue) -> None:
    await capture_cite_lead(dialogue)
    outcome = await in_group(dialogue, OWNER, command="mis_datos")
    assert shown(outcome) == phrases.MY_DATA_PRIVATE_ONLY
    assert "987" not in shown(outcome)


async def test_my_data_from_the_menu_in_a_group_shows_nothing_personal(dialogue: Dialogue) -> None:
    await capture_cite_lead(dialogue)
    outcome = await in_group(dialogue, OWNER, data=cb.encode("menu", "data"))
    assert shown(outcome) == phrases.MY_DATA_PRIVATE_ONLY


async def test_the_leads_workbook_is_not_sent_to_a_group(dialogue: Dialogue) -> None:
    await capture_cite_lead(dialogue)
    outcome = await in_group(dialogue, ADMIN, command="exportar", payload="")
    assert [r.document for r in outcome.replies] == [None]
    assert shown(outcome) == phrases.STAFF_PRIVATE_ONLY


async def test_the_leads_workbook_is_sent_in_the_staff_chat(dialogue: Dialogue) -> None:
    await capture_cite_lead(dialogue)
    outcome = await in_group(dialogue, ADMIN, chat=STAFF_GROUP, command="exportar", payload="")
    assert outcome.replies[0].document is not None


async def test_lead_capture_does_not_start_in_a_group(dialogue: Dialogue, db: Database) -> None:
    outcome = await in_group(dialogue, OWNER, data=cb.encode("lead", "c", "citeccal-arequipa"))
    assert shown(outcome) == phrases.LEAD_PRIVATE_ONLY
    assert await leads(db) == []


async def test_my_data_in_a_telegram_group_over_the_emulator(
    emulator: BotApiEmulator, bot: Services
) -> None:
    await capture_lead(emulator)
    group = -200124
    emulator.mark()
    emulator.send_text(ANA, f"/mis_datos@{emulator.bot_username}", chat_id=group, chat_type="group")
    [reply] = await emulator.wait_for_messages(group, 1)
    assert "chat privado" in reply["plain_text"] and "987" not in reply["plain_text"]
    emulator.mark()
    emulator.send_text(
        STAFF, f"/exportar@{emulator.bot_username}", chat_id=group, chat_type="group"
    )
    [refused] = await emulator.wait_for_messages(group, 1)
    assert refused["kind"] == "text" and "chat del equipo" in refused["plain_text"]
