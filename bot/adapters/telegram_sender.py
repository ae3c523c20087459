"""The broadcast `Sender` over python-telegram-bot: one message, one `SendResult`.

It only translates Telegram's answers; the engine decides what to do with
them. Announcements go out as plain text (no parse mode), so nothing staff
write can break the formatting or be rejected as bad markup.

A photo may be a Telegram file_id or a local image path. A path is uploaded
with the first send that succeeds and every later send reuses the file_id
Telegram returned, so 10,000 recipients cost one upload, not 10,000.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path, PurePath
from types import TracebackType
from typing import Any

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.broadcast.phrases import TELEGRAM_UNREACHABLE, TOKEN_REFUSED
from bot.broadcast.sender import SenderUnavailable, SendResult


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB settings."""
    value: Any = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


class TelegramSender:
    """Implements `bot.broadcast.sender.Sender` with a `telegram.Bot`.

    Use as an async context manager (or call `start`/`close`) so the bot's HTTP
    client is opened once and the token is checked before the first send.
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._uploaded: dict[str, str] = {}  # local path -> file_id
        self._remote: set[str] = set()  # photos that are not local files: file_ids

    @classmethod
    def from_settings(cls, settings: Any) -> TelegramSender:
        """From `bot.config.Settings`: token, Bot API URL and file URL."""
        return cls(
            Bot(
                settings.token(),
                base_url=settings.telegram_base_url,
                base_file_url=settings.telegram_base_file_url,
            )
        )

    async def start(self) -> None:
        """Open the HTTP client and call getMe: a bad token fails here, not per recipient."""
        try:
            await self.bot.initialize()
        except InvalidToken as exc:  # its message contains the token: never shown
            await self.bot.shutdown()
            raise SenderUnavailable(TOKEN_REFUSED) from exc
        except NetworkError as exc:
            await self.bot.shutdown()
            raise SenderUnavailable(TELEGRAM_UNREACHABLE.format(error=exc.message)) from exc

    async def close(self) -> None:
        await self.bot.shutdown()

    async def __aenter__(self) -> TelegramSender:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def send(self, chat_id: int, text: str, photo: str | None) -> SendResult:
        try:
            if photo is None:
                await self.bot.send_message(chat_id, text)
            else:
                await self._send_photo(chat_id, text, photo)
        except RetryAfter as exc:
            return SendResult.retry_after(retry_seconds(exc))
        except Forbidden as exc:
            return SendResult.blocked(exc.message)
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            return SendResult.failed(exc.message, permanent=True)
        except ChatMigrated as exc:
            return SendResult.failed(f"el chat pasó a {exc.new_chat_id}", permanent=True)
        except InvalidToken as exc:
            raise SenderUnavailable(TOKEN_REFUSED) from exc
        except NetworkError as exc:  # TimedOut, connection errors and every 5xx
            return SendResult.failed(exc.message, permanent=False)
        except TelegramError as exc:
            return SendResult.failed(exc.message, permanent=True)
        return SendResult.ok()

    async def _send_photo(self, chat_id: int, caption: str, photo: str) -> None:
        file_id = self._uploaded.get(photo)
        if file_id is None and photo not in self._remote:
            content = await asyncio.to_thread(read_local_photo, photo)
            if content is not None:
                upload = InputFile(content, filename=PurePath(photo).name)
                message = await self.bot.send_photo(chat_id, upload, caption=caption)
                self._uploaded[photo] = message.photo[-1].file_id
                return
            self._remote.add(photo)
        await self.bot.send_photo(chat_id, file_id or photo, caption=caption)


def read_local_photo(photo: str) -> bytes | None:
    """The image's bytes when `photo` is a path to a file, else None (it is a file_id)."""
    path = Path(photo).expanduser()
    return path.read_bytes() if path.is_file() else None
