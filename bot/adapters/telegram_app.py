"""`mypebot run`: the python-telegram-bot adapter over the dialogue core.

Handlers translate a Telegram update into a dialogue `Event` and hand the
outcome to telegram_delivery; they decide nothing. Everything the bot says is
sent as plain text (no parse mode, as the announcements are): the bot uses no
formatting, so no text from the knowledge base or from a user can break a
message, and a long reply can be cut anywhere.

The Application's post_init/post_stop hooks start and stop the background work
(bot.app.BackgroundWork plus the two workers that need this bot), so polling,
the webhook server and tests all start the bot the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence

from telegram import BotCommand, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import metrics
from bot.adapters import webhook
from bot.adapters.broadcast_runner import BroadcastRunner
from bot.adapters.lenient_bot import LenientBot
from bot.adapters.ordering import PerChatUpdateProcessor
from bot.adapters.staff_notifier import StaffNotifier
from bot.adapters.telegram_delivery import TelegramDelivery
from bot.adapters.telegram_http import BotRequest
from bot.app import BackgroundWork, Services, serve_until_signalled
from bot.config import Settings
from bot.dialogue.model import Event, Outcome, UserRef

log = logging.getLogger(__name__)
BACKGROUND_WORK = "background_work"  # its key in application.bot_data

COMMANDS: Sequence[tuple[str, str]] = (
    ("start", "Empezar y ver el menú"),
    ("menu", "Ver el menú"),
    ("ayuda", "Qué puede hacer el bot"),
    ("cancelar", "Cancelar lo que estamos haciendo"),
    ("novedades", "Recibir novedades"),
    ("baja", "Dejar de recibir novedades"),
    ("mis_datos", "Ver los datos que guardo sobre usted"),
    ("borrar_mis_datos", "Borrar sus datos"),
)
MEDIA_KINDS = (
    "voice",
    "audio",
    "photo",
    "sticker",
    "location",
    "document",
    "video",
    "video_note",
    "animation",
)


class TelegramAdapter:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.delivery = TelegramDelivery(services)

    # -- translation in -----------------------------------------------------------

    def _user(self, update: Update) -> UserRef | None:
        user = update.effective_user
        return UserRef(user.id, user.first_name) if user else None

    def _addressed_to_me(self, update: Update, bot_username: str) -> bool:
        """In groups the bot answers commands and mentions only; in the staff chat also
        what is written in a topic or in reply to the bot (a handoff's relay)."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return True
        message = update.effective_message
        if message is not None and chat.id == self.services.settings.staff_chat_id:
            replied = message.reply_to_message
            if message.is_topic_message or (
                replied is not None and replied.from_user is not None and replied.from_user.is_bot
            ):
                return True
        text = (message.text or message.caption or "") if message else ""
        return f"@{bot_username}".lower() in text.lower()

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, self._user(update)
        if message is None or user is None or not message.text:
            return
        head, _, payload = message.text[1:].partition(" ")
        name, _, target = head.partition("@")
        if target and target.lower() != (context.bot.username or "").lower():
            return  # a command for another bot in a group
        event = Event(
            user=user,
            kind="command",
            command=name.lower(),
            payload=payload.strip(),
            update_id=update.update_id,
        )
        await self._run(update, context, event)

    def _incoming(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> tuple[Message, UserRef] | None:
        """The message and its sender, when it is for this bot (see _addressed_to_me)."""
        message, user = update.effective_message, self._user(update)
        if (
            message is None
            or user is None
            or not self._addressed_to_me(update, context.bot.username or "")
        ):
            return None
        return message, user

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (incoming := self._incoming(update, context)) is None:
            return
        message, user = incoming
        text = (message.text or "").replace(f"@{context.bot.username}", " ").strip()
        await self._run(
            update, context, Event(user=user, kind="text", text=text, update_id=update.update_id)
        )

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, self._user(update)
        if message is None or user is None or message.contact is None:
            return
        contact = message.contact
        event = Event(
            user=user,
            kind="contact",
            phone=contact.phone_number,
            contact_is_own=contact.user_id in (None, user.id),
            text=contact.first_name or "",
            update_id=update.update_id,
        )
        await self._run(update, context, event)

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (incoming := self._incoming(update, context)) is None:
            return
        message, user = incoming
        location = message.location
        if location is None:
            return
        event = Event(
            user=user,
            kind="location",
            latitude=location.latitude,
            longitude=location.longitude,
            update_id=update.update_id,
        )
        await self._run(update, context, event)

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (incoming := self._incoming(update, context)) is None:
            return
        message, user = incoming
        media = next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), "other")
        event = Event(
            user=user,
            kind="media",
            media=media,
            photo=message.photo[-1].file_id if message.photo else "",  # the largest size
            text=message.caption or "",
            update_id=update.update_id,
        )
        await self._run(update, context, event)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, self._user(update)
        if query is None or user is None:
            return
        event = self._where(
            update,
            Event(user=user, kind="button", data=query.data or "", update_id=update.update_id),
        )
        outcome: Outcome | None = None
        try:
            outcome = await self.services.dialogue.handle(event)
        finally:
            # Telegram shows a spinner until the query is answered: always answer it, once.
            notice = (
                next((r.notice for r in outcome.replies if r.notice), "")
                if outcome is not None
                else ""
            )
            try:
                await query.answer(notice[:200] or None)
            except TelegramError as exc:
                log.info("callback answer failed: %s", type(exc).__name__)
        chat = update.effective_chat
        if chat is not None:
            await self.delivery.deliver(context.bot, chat.id, outcome)

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        blocked = change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        await self.services.dialogue.set_blocked(change.from_user.id, blocked)

    # -- translation out ------------------------------------------------------------

    @staticmethod
    def _where(update: Update, event: Event) -> Event:
        """The chat the event came from: the dialogue shows personal data only in private.

        For a message also its id, its forum topic and the message it replies to,
        which a handoff needs to copy it and to find whose conversation it is.
        """
        chat = update.effective_chat
        if chat is None:
            return event
        event = dataclasses.replace(event, chat_id=chat.id, private=chat.type == ChatType.PRIVATE)
        message = update.message
        if message is None:
            return event
        replied = message.reply_to_message
        return dataclasses.replace(
            event,
            message_id=message.message_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_to=replied.message_id if replied is not None else None,
        )

    async def _run(self, update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
        event = self._where(update, event)
        outcome = await self.services.dialogue.handle(event)
        chat = update.effective_chat
        if chat is not None:
            await self.delivery.deliver(context.bot, chat.id, outcome, event.thread_id)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place for every failure: logged without personal data, never fatal."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    metrics.ERRORS.inc(type(error).__name__ if error else "unknown")
    if isinstance(error, RetryAfter | NetworkError | Forbidden | BadRequest):
        log.warning("telegram %s on update %s", type(error).__name__, update_id)
        return
    log.error(
        "unhandled %s on update %s",
        type(error).__name__,
        update_id,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )


async def register_commands(application: Application) -> None:
    """Telegram shows these in the "/" menu of the chat."""
    await application.bot.set_my_commands([BotCommand(name, help_) for name, help_ in COMMANDS])


async def start_background_work(
    application: Application, services: Services, delivery: TelegramDelivery
) -> None:
    """The background work every replica runs (bot.app), plus the two workers that
    send through this bot: the campaign worker (broadcast_runner) and the staff-notice
    worker (staff_notifier), which a turn that stored a notice wakes through `delivery`."""
    work = BackgroundWork(services)
    runner = BroadcastRunner(services, application.bot, stop=work.stopping)
    notifier = StaffNotifier(services, application.bot, stop=work.stopping)
    work.start(runner.run_forever, notifier.run_forever)
    application.bot_data[BACKGROUND_WORK] = work
    delivery.notifier = notifier


async def stop_background_work(application: Application, delivery: TelegramDelivery) -> None:
    delivery.notifier = None
    work: BackgroundWork | None = application.bot_data.pop(BACKGROUND_WORK, None)
    if work is not None:
        await work.stop()


async def start_polling(
    application: Application,
    long_poll_seconds: int = 5,
    error_callback: Callable[[TelegramError], None] | None = None,
) -> None:
    """Start without taking over the event loop, calling post_init as run_polling
    would: `serve_polling` (so `mypebot run`), tests and benchmarks start the same way."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0,
        timeout=long_poll_seconds,
        allowed_updates=Update.ALL_TYPES,
        error_callback=error_callback,
    )


async def stop_polling(application: Application) -> None:
    """The counterpart of `start_polling`, as `run_polling` ends: post_stop and
    post_shutdown included (python-telegram-bot's stop() and shutdown() call neither), so
    the background work ends and the database engine's connections are closed too."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await webhook.after_stop(application)


def build_application(services: Services) -> Application:
    """The Telegram application over `services`; its post_init/post_stop hooks start and
    stop the background work, so polling, the webhook and tests start it the same way."""
    settings = services.settings
    adapter = TelegramAdapter(services)

    async def post_init(application: Application) -> None:
        await register_commands(application)
        await start_background_work(application, services, adapter.delivery)

    async def post_stop(application: Application) -> None:
        await stop_background_work(application, adapter.delivery)

    async def post_shutdown(_application: Application) -> None:
        await services.db.dispose()

    bot = LenientBot(  # skips an update it cannot parse: see adapters/lenient_bot.py
        settings.token(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        # Connection pool and request queue: see adapters/telegram_http.py.
        request=BotRequest(),
        get_updates_request=HTTPXRequest(connection_pool_size=1),  # the builder's default
        # No proactive overall cap: replies answer incoming messages, and the
        # broadcast engine paces itself. Telegram's 429s are still waited out and
        # retried, and the per-group limit still applies.
        rate_limiter=AIORateLimiter(overall_max_rate=0, max_retries=3),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        # Chats are handled concurrently (one chat's updates in order); their database
        # work is batched (storage/turns.py), so SQLite's single writer is no bottleneck.
        .concurrent_updates(PerChatUpdateProcessor(64))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(TypeHandler(Update, count_update), group=-1)
    # New messages only: an edit of an old message is not an answer to today's question
    # (it was taken as the RUC the lead capture was waiting for).
    new = filters.UpdateType.MESSAGE
    handlers = [
        ChatMemberHandler(adapter.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        CallbackQueryHandler(adapter.on_button),
        MessageHandler(new & filters.COMMAND, adapter.on_command),
        MessageHandler(new & filters.CONTACT, adapter.on_contact),
        # A live location is a stream of edits: only the first message is read.
        MessageHandler(new & filters.LOCATION, adapter.on_location),
        MessageHandler(new & filters.TEXT, adapter.on_text),
        MessageHandler(new & ~filters.StatusUpdate.ALL, adapter.on_media),
    ]
    for handler in handlers:
        application.add_handler(handler)
    application.add_error_handler(error_handler)
    return application


async def count_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    metrics.UPDATES.inc()


async def serve_polling(services: Services, stop: asyncio.Event) -> None:
    """Long polling until `stop` is set, as run_polling polled: a 10-second long poll,
    and a failed getUpdates reported to the error handler (counted, logged as a warning)."""
    application = build_application(services)

    def polling_failed(error: TelegramError) -> None:
        application.create_task(application.process_error(update=None, error=error))

    await start_polling(application, long_poll_seconds=10, error_callback=polling_failed)
    try:
        await stop.wait()
    finally:
        await stop_polling(application)


async def serve_webhook(services: Services, stop: asyncio.Event) -> None:
    """Webhook mode (bot/adapters/webhook.py) until `stop` is set."""
    await webhook.serve(services, build_application(services), stop)


def run(settings: Settings) -> None:
    """`mypebot run`: webhook mode when WEBHOOK_URL is set, long polling otherwise."""
    serve = serve_webhook if settings.webhook_url else serve_polling
    asyncio.run(serve_until_signalled(settings, serve))
