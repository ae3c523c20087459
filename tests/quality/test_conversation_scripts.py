"""The conversation scripts (evaluation/conversations.yaml) as the acceptance test of the dialogue.

Every script runs against the dialogue on both databases, and, one behaviour at
a time, through the real python-telegram-bot Application polling the Bot API
emulator: what an owner types there ("2", "menú", "y cuánto dan?") must get the
same replies as in the core, and a "restart" turn really stops the Application
and starts a new one on the same database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.adapters.telegram_app import stop_polling
from bot.app import Services
from bot.quality import conversations as ce
from telegram_emulator import BotApiEmulator
from tests.kit.telegram import TOKEN, start_bot

SCRIPTS = ce.load_scripts(ce.DEFAULT_SCRIPTS)
BEHAVIOURS = sorted({s.behaviour for s in SCRIPTS})


def _failures(report: ce.Report) -> str:
    return ce.format_report(report, verbose=True)


def test_the_repository_holds_at_least_sixty_scripts_over_every_behaviour() -> None:
    assert len(SCRIPTS) >= 60
    assert {
        "navigation",
        "option-pick",
        "yes-no",
        "person",
        "frustration",
        "language",
        "greeting",
        "follow-up",
        "mixed",
        "profile",
        "media",
        "lead-capture",
        "phone-fit",
    } <= set(BEHAVIOURS)


async def test_every_script_passes_against_the_dialogue(core, database_url: str) -> None:
    report = await ce.run_on_core(SCRIPTS, core, database_url)
    assert report.passed == len(SCRIPTS), _failures(report)


def test_a_script_file_with_an_unknown_expectation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "scripts:\n  - name: x\n    turns:\n      - say: hola\n        expect: {txt: [a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ce.ScriptError, match="txt"):
        ce.load_scripts(path)


def test_a_failing_expectation_is_reported_with_its_turn() -> None:
    seen = ce.Observed(texts=["¿En qué le ayudo?"], buttons=[("❓ Preguntar", "menu:ask")])
    assert ce.check({"text": ["en que le ayudo"], "buttons": ["preguntar"]}, seen) == []
    assert ce.check({"buttons": ["financiamiento"]}, seen) == ["falta el botón: 'financiamiento'"]


# --- through Telegram ---------------------------------------------------------------


async def start_core_bot(
    emulator: BotApiEmulator, database_url: str
) -> tuple[Application, Services]:
    """The bot as `mypebot run` builds it, configured as the core run is: no staff chat,
    so asking for a person leads to the lead capture (tests/dialogue/test_handoff_e2e.py
    covers the handoff itself)."""
    return await start_bot(emulator, database_url)


class TelegramDriver:
    """One owner in a private chat with the bot, through the emulator."""

    def __init__(self, emulator: BotApiEmulator, user_id: int, restart: Any) -> None:
        self.emulator = emulator
        self.user = user_id
        self.restart = restart
        self.message_of: dict[str, int] = {}  # button data -> the message that shows it

    async def send(self, turn: ce.Turn, last: ce.Observed | None) -> ce.Observed:
        emu, user = self.emulator, self.user
        if turn.action == "restart":
            await self.restart()
            return ce.Observed([], [])
        before = max((m["seq"] for m in emu.sent(user)), default=0)
        answered = len(emu.callback_answers)
        value = turn.value
        if turn.action == "say":
            emu.send_text(user, str(value))
        elif turn.action == "press":
            data = ce.find_button(str(value), last)
            emu.press_button(user, data, self.message_of[data])
        elif turn.action == "photo":
            emu.send_photo(user, caption=str(value) or None)
        elif turn.action == "location":
            emu.send_location(user, float(value[0]), float(value[1]))
        elif turn.action == "contact":
            emu.send_contact(user, str(value), "Ana", contact_user_id=user)
        # Every turn gets an answer: wait for its first message (or toast), then for quiet,
        # as a busy machine may take longer than the emulator's idle heuristic between two.
        for _ in range(400):
            if any(m["seq"] > before for m in emu.sent(user)) or any(
                a.get("text") for a in emu.callback_answers[answered:]
            ):
                break
            await asyncio.sleep(0.025)
        await emu.wait_idle(timeout=10, quiet=0.3)
        messages = [m for m in emu.sent(user) if m["seq"] > before]
        notices = [a["text"] for a in emu.callback_answers[answered:] if a.get("text")]
        buttons: list[tuple[str, str]] = []
        for message in messages:
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data", "")
                    buttons.append((button["text"], data))
                    self.message_of[data] = message["message_id"]
        texts = [m.get("plain_text") or m.get("caption") or "" for m in messages] + notices
        return ce.Observed(texts, buttons)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
async def test_scripts_of_each_behaviour_pass_through_telegram(
    behaviour: str, database_url: str
) -> None:
    scripts = [s for s in SCRIPTS if s.behaviour == behaviour]
    emulator = BotApiEmulator(token=TOKEN)
    emulator.start()
    running: list[tuple[Application, Services]] = [await start_core_bot(emulator, database_url)]

    async def restart() -> None:
        await emulator.wait_idle(timeout=10)
        await stop_polling(running[0][0])
        running[0] = await start_core_bot(emulator, database_url)

    async def make_driver(user_id: int, _script: ce.Script) -> ce.Driver:
        return TelegramDriver(emulator, user_id, restart)

    try:
        report = await ce.run_all(scripts, make_driver)
    finally:
        await stop_polling(running[0][0])
        emulator.stop()
        await asyncio.sleep(0)
    assert report.passed == len(scripts), _failures(report)
