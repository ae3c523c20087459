"""The staff-notice worker of every replica: sends what the outbox holds.

Notices are stored with what they announce (storage/outbox.py). This loop
claims the due ones, sends them to the staff chat and records where each
landed. A failure is not the end of a notice: after a 429 it waits Telegram's
retry_after, after a 5xx or a network error a backoff that doubles up to five
minutes, after a refusal (the bot removed from the group, a wrong
STAFF_CHAT_ID) ten minutes, and it tries again until Telegram accepts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import phrases
from bot.adapters.telegram_sender import retry_seconds
from bot.app import Services
from bot.dialogue.staff import lead_card
from bot.storage.leads import lead_history
from bot.storage.outbox import DueNotice, changed_while_sent, claim_due, mark_sent, retry_later

log = logging.getLogger(__name__)

FIRST_RETRY = 2.0  # seconds; doubles per attempt
MAX_RETRY = 300.0
REFUSED_RETRY = 600.0
POLL_INTERVAL = 2.0  # how often a replica looks for notices due (a new one wakes it at once)


def backoff(attempts: int) -> float:
    """2, 4, 8 … seconds, at most five minutes: a Telegram outage is waited out, not hammered."""
    return min(FIRST_RETRY * 2**attempts, MAX_RETRY)


class StaffNotifier:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        interval: float | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.services = services
        self.bot = bot
        self.interval = POLL_INTERVAL if interval is None else interval
        self.owner = f"notices-{uuid.uuid4().hex[:12]}"
        # Shared with the rest of the background work (bot.app.BackgroundWork) when given.
        self.stop = stop if stop is not None else asyncio.Event()
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """A turn stored a notice: send it now rather than at the next poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while not self.stop.is_set():
            self._wake.clear()  # before looking: a notice stored meanwhile wakes the next look
            try:
                await self.send_due()
            except Exception:
                log.exception("staff notice cycle failed")
            waits = [asyncio.ensure_future(e.wait()) for e in (self.stop, self._wake)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waits, timeout=self.interval, return_when="FIRST_COMPLETED")
            for waiter in waits:
                waiter.cancel()

    async def send_due(self) -> int:
        """Send every notice due now that this replica could claim; returns how many were sent."""
        sent = 0
        while not self.stop.is_set():
            async with self.services.db.session() as session:
                due = await claim_due(session, self.owner)
            if not due:
                return sent
            for notice in due:
                sent += await self._send(notice)
        return sent  # stopped between two claims

    async def _send(self, notice: DueNotice) -> int:
        markup = _markup(notice.buttons)
        try:
            message = await self.bot.send_message(
                notice.chat_id,
                notice.text[: MessageLimit.MAX_TEXT_LENGTH],
                reply_markup=markup,
                message_thread_id=notice.thread_id,
            )
        except RetryAfter as exc:
            await self._later(notice, retry_seconds(exc) + 0.5, exc)
            return 0
        except (Forbidden, BadRequest) as exc:
            await self._later(notice, REFUSED_RETRY, exc)
            return 0
        except TelegramError as exc:
            await self._later(notice, backoff(notice.attempts), exc)
            return 0
        async with self.services.db.session() as session:
            rewrite = await mark_sent(session, notice.id, message.message_id)
            changed = None if rewrite else await changed_while_sent(session, notice.id)
            history = await lead_history(session, changed.id or 0) if changed else []
        if changed is not None:  # staff pressed a button before the card was recorded
            card = lead_card(changed, self.services.core.kb, history)
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_text(
                    card.text,
                    chat_id=notice.chat_id,
                    message_id=message.message_id,
                    reply_markup=_markup(
                        [[(b.label, b.data) for b in row] for row in card.buttons]
                    ),
                )
        if rewrite is not None:  # erased while on its way
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_text(
                    phrases.STAFF_LEAD_ERASED.format(reference=rewrite[1]),
                    chat_id=notice.chat_id,
                    message_id=message.message_id,
                    reply_markup=None,
                )
        return 1

    async def _later(self, notice: DueNotice, delay: float, error: TelegramError) -> None:
        log.warning(
            "staff notice %d not sent (%s, attempt %d): retrying in %.0f s",
            notice.id,
            type(error).__name__,
            notice.attempts + 1,
            delay,
        )
        async with self.services.db.session() as session:
            await retry_later(session, notice.id, delay)


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    buttons = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows
    ]
    return InlineKeyboardMarkup(buttons) if rows else None
