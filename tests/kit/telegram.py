"""The bot end to end: the real python-telegram-bot Application against the Bot API emulator.

Nothing of python-telegram-bot is mocked: the bot long-polls the emulator on 127.0.0.1
exactly as it would poll Telegram. ``start_bot`` builds it as `mypebot run` does, with
the settings a test gives (``TEAM`` for an admin and a staff chat); the ``emulator`` and
``bot`` fixtures of tests/conftest.py are made of these. The helpers below are what an
owner does in a private chat (``ask``, ``press``) and what a test reads back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from bot.adapters.telegram_app import build_application, start_polling, stop_polling
from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.storage.models import User
from telegram_emulator import BotApiEmulator
from tests.kit import KNOWLEDGE

TOKEN = "123456789:" + "A" * 35
ANA, STAFF, STAFF_CHAT = 5001, 9001, -100777
#: The bot with a team: STAFF is an admin, STAFF_CHAT the staff chat, and announcements
#: go out whatever hour CI runs at (no quiet hours).
TEAM: dict[str, Any] = {"admin_ids": str(STAFF), "staff_chat_id": STAFF_CHAT, "quiet_hours": ""}


def bot_settings(emulator: BotApiEmulator, database_url: str, **values: Any) -> Settings:
    """The settings of a bot that talks to ``emulator`` and stores in ``database_url``;
    ``values`` add to them or replace them (knowledge_dir defaults to the shipped one)."""
    return load_settings(
        **{
            "telegram_bot_token": emulator.token,
            "telegram_base_url": emulator.base_url,
            "telegram_base_file_url": emulator.base_file_url,
            "database_url": database_url,
            "knowledge_dir": KNOWLEDGE,
            **values,
        }
    )


async def start_bot(
    emulator: BotApiEmulator, database_url: str, **values: Any
) -> tuple[Application, Services]:
    """The bot as `mypebot run` builds it, polling ``emulator``; stop it with ``stop_polling``."""
    services = await build_services(bot_settings(emulator, database_url, **values), migrate=False)
    application = build_application(services)
    await start_polling(application)
    return application, services


@asynccontextmanager
async def running_bot(
    emulator: BotApiEmulator, database_url: str, **values: Any
) -> AsyncIterator[Services]:
    """``start_bot`` for the length of a ``with`` block, for a test that needs other
    settings than the ``bot`` fixture's, or to stop the bot itself."""
    application, services = await start_bot(emulator, database_url, **values)
    try:
        yield services
    finally:
        await stop_polling(application)


async def eventually(
    services: Services, check: Callable[[User | None], bool], user_id: int, timeout: float = 5.0
) -> bool:
    """Updates run concurrently across chats: poll the stored user until `check` holds."""
    for _ in range(int(timeout / 0.05)):
        async with services.db.session() as session:
            if check(await session.get(User, user_id)):
                return True
        await asyncio.sleep(0.05)
    return False


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def data_of(message: dict, prefix: str) -> str:
    for _, data in buttons(message):
        if data.startswith(prefix):
            return data
    raise AssertionError(f"no button {prefix!r} in {buttons(message)}")


async def ask(emulator: BotApiEmulator, text: str, user: int = ANA, count: int = 1) -> list[dict]:
    emulator.mark()
    emulator.send_text(user, text)
    return await emulator.wait_for_messages(user, count)


async def press(
    emulator: BotApiEmulator, message: dict, data: str, user: int = ANA, count: int = 1
) -> list[dict]:
    emulator.mark()
    emulator.press_button(user, data, message["message_id"])
    return await emulator.wait_for_messages(user, count)


async def capture_lead(emulator: BotApiEmulator) -> list[dict]:
    """Ana leaves a lead for CITEccal Arequipa (one wrong RUC on the way); returns the
    confirmation."""
    [results] = await ask(emulator, "tengo una curtiembre en arequipa y boto mucho retazo de cuero")
    [consent] = await press(emulator, results, data_of(results, "lead:c:citeccal-arequipa"))
    [phone] = await press(emulator, consent, "lc:y")
    assert phone["reply_markup"]["keyboard"][0][0]["request_contact"]
    emulator.mark()
    emulator.send_contact(ANA, "+51987654321", "Ana", contact_user_id=ANA)
    await emulator.wait_for_messages(ANA, 1)
    await ask(emulator, "Curtiembre <Misti> & Hijos")
    [wrong] = await ask(emulator, "20131369476")
    assert "verificación" in wrong["plain_text"]
    return await ask(emulator, "20131369477")
