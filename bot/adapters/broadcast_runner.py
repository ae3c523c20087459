"""The bot process's broadcast worker: picks up running campaigns and sends them.

Every replica runs one; the campaign lease makes sure only one of them sends
a given campaign, and when that replica dies its lease expires and another
picks the campaign up (after marking the one in-flight message as unknown).
So campaigns created with /anunciar, or left running by a crash, go out
without anyone running a command. Progress is one staff message, edited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot import phrases
from bot.adapters.telegram_sender import TelegramSender
from bot.app import Services
from bot.broadcast.engine import EngineOptions, Progress, run_campaign
from bot.dialogue.announce import campaign_buttons
from bot.storage.broadcasts import get_campaign, resumable_campaigns, set_progress_message

log = logging.getLogger(__name__)
LIMA = ZoneInfo("America/Lima")


class BroadcastRunner:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        interval: float = 3.0,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.services = services
        self.bot = bot  # the chat bot: for staff progress messages only
        self.interval = interval
        # Shared with the rest of the background work (bot.app.BackgroundWork) when given.
        self.stop = stop if stop is not None else asyncio.Event()

    async def run_forever(self) -> None:
        async with TelegramSender.from_settings(self.services.settings) as sender:
            while not self.stop.is_set():
                try:
                    async with self.services.db.session() as session:
                        campaign_ids = await resumable_campaigns(session)
                    for campaign_id in campaign_ids:
                        report = await run_campaign(
                            self.services.db,
                            campaign_id,
                            sender,
                            EngineOptions.from_settings(self.services.settings),
                            on_progress=self.show_progress,
                            stop=self.stop,
                        )
                        log.info("campaign %s: %s", campaign_id, report.outcome)
                except Exception:
                    log.exception("broadcast runner cycle failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), timeout=self.interval)

    async def show_progress(self, progress: Progress) -> None:
        """Send, then keep editing, the staff member's progress message."""
        async with self.services.db.session() as session:
            campaign = await get_campaign(session, progress.campaign_id)
        if campaign is None or campaign.progress_chat_id is None:
            return
        counts = progress.counts
        if progress.final:
            text = phrases.ANNOUNCE_DONE.format(
                id=campaign.id,
                sent=counts.get("sent", 0),
                blocked=counts.get("blocked", 0),
                failed=counts.get("failed", 0),
                unknown=counts.get("unknown", 0),
                total=progress.total,
            )
            markup = None
        else:
            quiet = ""
            if progress.quiet_until is not None:
                quiet = phrases.ANNOUNCE_QUIET.format(
                    time=progress.quiet_until.astimezone(LIMA).strftime("%H:%M")
                )
            text = phrases.ANNOUNCE_PROGRESS.format(
                id=campaign.id,
                percent=progress.percent,
                sent=counts.get("sent", 0),
                blocked=counts.get("blocked", 0),
                failed=counts.get("failed", 0),
                pending=counts.get("pending", 0) + counts.get("sending", 0),
                total=progress.total,
                quiet=quiet,
            )
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                    for row in campaign_buttons(campaign.id or 0, campaign.status)
                ]
            )
        try:
            if campaign.progress_message_id is None:
                message = await self.bot.send_message(
                    campaign.progress_chat_id, text, reply_markup=markup
                )
                async with self.services.db.session() as session:
                    await set_progress_message(
                        session, campaign.id or 0, message.chat_id, message.message_id
                    )
            else:
                await self.bot.edit_message_text(
                    text,
                    chat_id=campaign.progress_chat_id,
                    message_id=campaign.progress_message_id,
                    reply_markup=markup,
                )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                log.warning("progress message failed: %s", type(exc).__name__)
        except TelegramError as exc:
            log.warning("progress message failed: %s", type(exc).__name__)
