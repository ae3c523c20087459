"""A stored lead always reaches the staff chat: the outbox survives Telegram's faults and crashes.

The real python-telegram-bot Application against the local Bot API emulator,
whose fault injection makes the staff chat fail the way the probe saw it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select
from telegram import Bot

from bot.adapters import staff_notifier
from bot.adapters.staff_notifier import StaffNotifier
from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.dialogue import callbacks as cb
from bot.dialogue.model import Event, Outcome, UserRef
from bot.storage.models import StaffNotice
from bot.storage.outbox import enqueue
from telegram_emulator import BotApiEmulator
from tests.kit import KNOWLEDGE
from tests.kit.telegram import (
    ANA,
    STAFF,
    STAFF_CHAT,
    TEAM,
    TOKEN,
    ask,
    capture_lead,
    data_of,
    press,
    running_bot,
)


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds instead of minutes, so a test waits out a fault in well under a second."""
    monkeypatch.setattr(staff_notifier, "FIRST_RETRY", 0.05)
    monkeypatch.setattr(staff_notifier, "MAX_RETRY", 0.2)
    monkeypatch.setattr(staff_notifier, "REFUSED_RETRY", 0.2)
    monkeypatch.setattr(staff_notifier, "POLL_INTERVAL", 0.1)


def lead_settings(database_url: str, **values: Any) -> Settings:
    """A process that stores leads for the staff chat, without Telegram of its own."""
    return load_settings(
        database_url=database_url, knowledge_dir=KNOWLEDGE, staff_chat_id=STAFF_CHAT, **values
    )


async def leave_a_lead(services: Services, cite: str) -> Outcome:
    """Ana leaves a lead for ``cite`` through the dialogue core (no Telegram involved)."""
    owner, dialogue = UserRef(ANA, "Ana"), services.dialogue
    await dialogue.handle(Event(owner, "button", data=cb.encode("lead", "c", cite)))
    await dialogue.handle(Event(owner, "button", data=cb.encode("lc", "y")))
    await dialogue.handle(Event(owner, "contact", phone="+51 987 654 321", text="Ana"))
    await dialogue.handle(Event(owner, "text", text="Curtiembre Misti"))
    return await dialogue.handle(Event(owner, "text", text="20131369477"))


async def cards(emulator: BotApiEmulator, count: int, timeout: float = 20.0) -> list[dict]:
    """Wait until `count` lead cards are in the staff chat; then check no more come."""
    for _ in range(int(timeout / 0.1)):
        found = [m for m in emulator.sent(STAFF_CHAT) if "Nuevo interesado" in m["plain_text"]]
        if len(found) >= count:
            await asyncio.sleep(0.5)  # a duplicate would show up now
            return [m for m in emulator.sent(STAFF_CHAT) if "Nuevo interesado" in m["plain_text"]]
        await asyncio.sleep(0.1)
    raise AssertionError(
        f"{count} card(s) expected in the staff chat:\n{emulator.dump(STAFF_CHAT)}"
    )


async def pending(services: Services) -> list[StaffNotice]:
    async with services.db.session() as session:
        return list(
            (await session.exec(select(StaffNotice).where(StaffNotice.status == "pending"))).all()
        )


async def test_a_card_refused_with_5xx_many_times_arrives_once_the_fault_clears(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, **TEAM) as services:
        emulator.fail_next("sendMessage", 502, chat_id=STAFF_CHAT, times=8)
        await capture_lead(emulator)
        assert len(await cards(emulator, 1)) == 1
        assert await pending(services) == []


async def test_a_card_after_five_429s_in_a_row_arrives(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, **TEAM):
        emulator.fail_next("sendMessage", 429, retry_after=1, chat_id=STAFF_CHAT, times=5)
        await capture_lead(emulator)
        assert len(await cards(emulator, 1, timeout=30)) == 1


async def test_a_failed_confirmation_to_the_owner_does_not_cost_the_staff_card(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, **TEAM):
        [results] = await ask(emulator, "tengo una curtiembre en arequipa y boto retazo de cuero")
        [consent] = await press(emulator, results, data_of(results, "lead:c:citeccal-arequipa"))
        await press(emulator, consent, "lc:y")
        emulator.mark()
        emulator.send_contact(ANA, "+51987654321", "Ana", contact_user_id=ANA)
        await emulator.wait_for_messages(ANA, 1)
        await ask(emulator, "Curtiembre Misti")
        emulator.fail_next("sendMessage", 500, chat_id=ANA, times=1)  # the confirmation fails
        emulator.send_text(ANA, "20131369477")
        [card] = await cards(emulator, 1)
        assert "Curtiembre Misti" in card["plain_text"]


async def test_a_lead_committed_by_a_process_that_died_is_announced_by_the_next(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """The first process stores the lead and dies before sending: nothing of it runs on."""
    settings = lead_settings(database_url)
    first = await build_services(settings, migrate=False)
    done = await leave_a_lead(first, "citeccal-arequipa")
    assert done.staff_notices == 1
    await first.db.dispose()  # "kill -9": the card was never sent

    async with running_bot(emulator, database_url, **TEAM):
        [card] = await cards(emulator, 1)
        assert "Curtiembre Misti" in card["plain_text"]


async def test_two_replicas_send_each_card_exactly_once(
    emulator: BotApiEmulator, database_url: str
) -> None:
    settings = lead_settings(database_url)
    replicas = [await build_services(settings, migrate=False) for _ in range(2)]
    async with replicas[0].db.session() as session:
        for number in range(30):
            enqueue(session, STAFF_CHAT, f"🆕 Nuevo interesado L-{number:04d}", [])
        await session.commit()
    bots = [Bot(TOKEN, base_url=emulator.base_url) for _ in replicas]
    try:
        for bot in bots:
            await bot.initialize()
        workers = [StaffNotifier(s, b) for s, b in zip(replicas, bots, strict=True)]
        sent = await asyncio.gather(*(w.send_due() for w in workers))
    finally:
        for bot in bots:
            await bot.shutdown()
        for services in replicas:
            await services.db.dispose()
    texts = [m["plain_text"] for m in emulator.sent(STAFF_CHAT)]
    assert sum(sent) == 30 and len(texts) == 30 and len(set(texts)) == 30
    assert all(sent), "both replicas took part"


async def test_staff_can_still_press_the_card_buttons(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, **TEAM):
        await capture_lead(emulator)
        [card] = await cards(emulator, 1)
        data = card["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
        assert data.startswith("ls:")
        emulator.mark()
        emulator.press_button(STAFF, data, card["message_id"], chat_id=STAFF_CHAT)
        await emulator.wait_for_call("editMessageText")  # the card is edited in place


async def test_a_status_changed_before_the_card_was_recorded_is_shown_on_the_card(
    emulator: BotApiEmulator, database_url: str
) -> None:
    settings = lead_settings(database_url, admin_ids=str(STAFF))
    services = await build_services(settings, migrate=False)
    bot = Bot(TOKEN, base_url=emulator.base_url)
    await bot.initialize()
    try:
        dialogue = services.dialogue
        await leave_a_lead(services, "citeccal-lima")
        async with services.db.session() as session:
            [notice] = (await session.exec(select(StaffNotice))).all()
        # Staff change the lead while its card is on its way: no card known yet to edit.
        pressed = await dialogue.handle(
            Event(
                UserRef(STAFF, "María"),
                "button",
                data=cb.encode("ls", notice.lead_id or 0, "contactado"),
                chat_id=STAFF_CHAT,
                private=False,
            )
        )
        assert pressed.staff_edits == []
        assert await StaffNotifier(services, bot).send_due() == 1
    finally:
        await bot.shutdown()
        await services.db.dispose()
    [card] = emulator.sent(STAFF_CHAT)
    assert "Estado: contactado" in card["plain_text"]  # the card, edited after it was sent
