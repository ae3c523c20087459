"""A local Telegram Bot API emulator on 127.0.0.1, for the tests and the benchmarks.

Telegram itself is unreachable from where this project is built and tested, so the real
python-telegram-bot Application talks HTTP to this server instead; it keeps chats,
messages, forum topics and files the way the Bot API does, enforces its limits and can
inject faults. Test infrastructure only: the bot never imports it.
"""

from telegram_emulator.emulator import BotApiEmulator
from telegram_emulator.protocol import ApiCall, UploadedFile

__all__ = ["ApiCall", "BotApiEmulator", "UploadedFile"]
