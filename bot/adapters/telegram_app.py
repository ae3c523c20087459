"""`mypebot run`: the python-telegram-bot adapter over the dialogue core.

Handlers translate a Telegram update into a dialogue `Event`, and the
dialogue's replies into Telegram messages and keyboards; they decide nothing.
Everything the bot says is sent as plain text (no parse mode, as the
announcements are): the bot uses no formatting, so no text from the knowledge
base or from a user can break a message, and a long reply can be cut anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Sequence

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit
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

from bot import metrics, phrases
from bot.adapters.lenient_bot import LenientBot
from bot.adapters.ordering import PerChatUpdateProcessor
from bot.adapters.telegram_http import BotRequest
from bot.app import (
    Services,
    follow_knowledge_reloads,
    handoff_reminders,
    housekeeping,
    install_reload_signal,
)
from bot.dialogue.model import Button, Event, Outcome, Post, Reply, StaffEdit, TopicChange, UserRef
from bot.memory import freeze_long_lived

log = logging.getLogger(__name__)

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


def utf16_length(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units: an emoji counts two."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut text into messages Telegram accepts, at paragraph, line or word breaks."""
    chunks: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        fits = _fitting(rest, limit)
        cut = max(rest.rfind("\n\n", 0, fits), rest.rfind("\n", 0, fits), rest.rfind(" ", 0, fits))
        if cut <= fits // 2:
            cut = fits
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def _inline(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def _markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.request_contact:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(phrases.BUTTON_SHARE_PHONE, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if reply.buttons:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                for row in reply.buttons
            ]
        )
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class TelegramAdapter:
    def __init__(self, services: Services) -> None:
        self.services = services

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
            notice = next((r.notice for r in outcome.replies if r.notice), "") if outcome else ""
            try:
                await query.answer(notice[:200] or None)
            except TelegramError as exc:
                log.info("callback answer failed: %s", type(exc).__name__)
        chat = update.effective_chat
        if chat is not None:
            await self.deliver(context, chat.id, outcome)

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
        where = {"chat_id": chat.id, "private": chat.type == ChatType.PRIVATE}
        message = update.message
        if message is not None:
            replied = message.reply_to_message
            where |= {
                "message_id": message.message_id,
                "thread_id": message.message_thread_id if message.is_topic_message else None,
                "reply_to": replied.message_id if replied is not None else None,
            }
        return dataclasses.replace(event, **where)  # type: ignore[arg-type]

    async def _run(self, update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
        event = self._where(update, event)
        outcome = await self.services.dialogue.handle(event)
        chat = update.effective_chat
        if chat is not None:
            await self.deliver(context, chat.id, outcome, event.thread_id)

    async def deliver(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        outcome: Outcome,
        thread_id: int | None = None,
    ) -> None:
        bot = context.bot
        for reply in outcome.replies:
            if reply.photo:
                await bot.send_photo(
                    chat_id,
                    photo=reply.photo,
                    caption=reply.text[:1024] or None,
                    reply_markup=_markup(reply),
                    message_thread_id=thread_id,
                )
            elif reply.text:
                await self._send(bot, chat_id, reply, thread_id)
            if reply.document is not None:
                await bot.send_document(
                    chat_id,
                    document=reply.document.content,
                    filename=reply.document.filename,
                    caption=reply.document.caption[:1024] or None,
                )
        if outcome.staff_notices:
            notifier = context.application.bot_data.get("staff_notifier")
            if notifier is not None:
                notifier.kick()
        for edit in outcome.staff_edits:
            await self._edit(bot, edit)
        await self.handoff(bot, outcome)

    # -- a handoff's topics and relayed messages (dialogue/handoff.py decides) -----------

    async def handoff(self, bot, outcome: Outcome) -> None:  # type: ignore[no-untyped-def]
        # A topic is opened before its first post, and closed after its last.
        for change in outcome.topics:
            if change.action == "open":
                await self._topic(bot, change)
        for post in outcome.posts:
            await self._post(bot, post)
        for change in outcome.topics:
            if change.action != "open":
                await self._topic(bot, change)
        for chat_id, message_id in outcome.staff_deletions:
            try:
                await bot.delete_message(chat_id, message_id)
            except TelegramError as exc:  # deleted by staff already, or too old (48 h)
                log.info("staff message delete failed: %s", exc)

    async def _topic(self, bot, change: TopicChange) -> None:  # type: ignore[no-untyped-def]
        dialogue = self.services.dialogue
        if change.action == "delete":  # erasure: the topic and everything in it
            try:
                await bot.delete_forum_topic(change.chat_id, change.thread_id)
                return
            except TelegramError as exc:  # no right to delete: at least rename and close it
                log.warning("forum topic delete failed: %s", exc)
                change = dataclasses.replace(change, action="rename")
        if change.action in {"close", "rename"}:
            try:
                if change.action == "rename":
                    await bot.edit_forum_topic(change.chat_id, change.thread_id, name=change.name)
                await bot.close_forum_topic(change.chat_id, change.thread_id)
            except TelegramError as exc:  # closed or deleted by staff: nothing to do
                log.info("forum topic %s: %s", change.action, exc)
            return
        thread_id, forum = change.thread_id, change.forum
        if forum and thread_id is not None:
            try:
                await bot.reopen_forum_topic(change.chat_id, thread_id)
            except BadRequest as exc:
                if "TOPIC_NOT_MODIFIED" not in exc.message:  # deleted: a new one below
                    log.info("forum topic reopen: %s", exc.message)
                    thread_id = None
            if thread_id is not None and change.rename:
                with contextlib.suppress(BadRequest):  # the same name: not modified
                    await bot.edit_forum_topic(change.chat_id, thread_id, name=change.name)
        if forum and thread_id is None:
            try:
                topic = await bot.create_forum_topic(change.chat_id, change.name)
                thread_id = topic.message_thread_id
            except BadRequest as exc:  # "the chat is not a forum", or no right to manage topics
                log.info("forum topic create: %s", exc.message)
                forum = "not a forum" not in exc.message.lower()
        if (thread_id, forum) != (change.thread_id, change.forum):
            await dialogue.topic_ready(change.handoff_id, thread_id, forum)
        header = Post(
            chat_id=change.chat_id,
            thread_id=thread_id,
            text=change.header if forum else change.header_group,
            handoff_id=change.handoff_id,
            direction="header",
        )
        await self._post(bot, header)

    async def _post(self, bot, post: Post) -> None:  # type: ignore[no-untyped-def]
        dialogue = self.services.dialogue
        markup = _inline(post.buttons)
        message_id: int | None = None
        try:
            if post.copy_of is not None:
                copied = await bot.copy_message(
                    post.chat_id,
                    post.copy_of[0],
                    post.copy_of[1],
                    message_thread_id=post.thread_id,
                    caption=post.text[: MessageLimit.CAPTION_LENGTH] or None,
                    reply_markup=markup,
                )
                message_id = copied.message_id
            else:
                chunks = split_message(post.text)
                for index, chunk in enumerate(chunks):
                    sent = await bot.send_message(
                        post.chat_id,
                        chunk,
                        message_thread_id=post.thread_id,
                        reply_markup=markup if index == len(chunks) - 1 else None,
                    )
                    message_id = message_id or sent.message_id
        except Forbidden:
            if post.to_owner:
                await self.handoff(bot, await dialogue.refused(post))
            return
        except TelegramError as exc:
            log.warning("handoff post failed: %s", exc)
            return
        if post.handoff_id is not None:
            await self.handoff(bot, await dialogue.relayed(post, message_id))

    async def _edit(self, bot, edit: StaffEdit) -> None:  # type: ignore[no-untyped-def]
        """Rewrite a staff-chat message (a lead card, erasure); one deleted by staff is no loss."""
        try:
            await bot.edit_message_text(
                edit.text[: MessageLimit.MAX_TEXT_LENGTH],
                chat_id=edit.chat_id,
                message_id=edit.message_id,
                reply_markup=_inline(edit.buttons),
            )
        except TelegramError as exc:
            log.warning("staff message edit failed: %s", type(exc).__name__)

    async def _send(self, bot, chat_id: int, reply: Reply, thread_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
        chunks = split_message(reply.text)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            try:
                await bot.send_message(
                    chat_id,
                    chunk,
                    reply_markup=_markup(reply) if last else None,
                    message_thread_id=thread_id,
                )
            except Forbidden:
                await self.services.dialogue.set_blocked(chat_id, True)
                return


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


async def start_broadcasts(application: Application) -> None:
    """Background work beside the chat in every replica: the campaign worker
    (see broadcast_runner), the staff-notice worker (staff_notifier), the watcher that
    follows other replicas' reloads, and housekeeping."""
    from bot.adapters.broadcast_runner import BroadcastRunner
    from bot.adapters.staff_notifier import StaffNotifier

    services = application.bot_data["services"]
    runner = BroadcastRunner(services, application.bot)
    notifier = StaffNotifier(services, application.bot)
    notifier.stop = runner.stop  # one stop for all background work
    application.bot_data["broadcast_runner"] = runner
    application.bot_data["staff_notifier"] = notifier
    application.bot_data["background_tasks"] = [
        asyncio.create_task(runner.run_forever()),
        asyncio.create_task(notifier.run_forever()),
        asyncio.create_task(follow_knowledge_reloads(services, runner.stop)),
        asyncio.create_task(housekeeping(services, runner.stop)),
        asyncio.create_task(handoff_reminders(services, runner.stop)),
    ]


async def stop_broadcasts(application: Application) -> None:
    application.bot_data.pop("staff_notifier", None)
    runner = application.bot_data.pop("broadcast_runner", None)
    tasks = application.bot_data.pop("background_tasks", [])
    if runner is not None:
        runner.stop.set()
        await asyncio.gather(*tasks)


async def start_polling(application: Application) -> None:
    """Start without taking over the event loop (tests and benchmarks); `run` uses run_polling."""
    await application.initialize()
    await register_commands(application)
    await application.start()
    await start_broadcasts(application)
    freeze_long_lived()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=5, allowed_updates=Update.ALL_TYPES
    )


async def stop_polling(application: Application) -> None:
    """The counterpart of `start_polling`, as `run_polling` ends: post_shutdown included
    (python-telegram-bot's shutdown() does not call it), so the database engine's
    connections are closed too."""
    await stop_broadcasts(application)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def build_application(services: Services) -> Application:
    settings = services.settings
    adapter = TelegramAdapter(services)

    async def post_init(application: Application) -> None:
        await register_commands(application)
        install_reload_signal(services)
        await start_broadcasts(application)
        freeze_long_lived()

    async def post_stop(application: Application) -> None:
        await stop_broadcasts(application)

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
    application.bot_data["services"] = services
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


async def run_webhook(services: Services) -> None:
    """Webhook mode until SIGTERM/SIGINT; SIGHUP reloads the knowledge base."""
    from bot.adapters.webhook import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    install_reload_signal(services)
    try:
        await serve(services, build_application(services), stop)
    finally:
        await services.db.dispose()


def run(services: Services) -> None:
    """`mypebot run`: webhook mode when WEBHOOK_URL is set, long polling otherwise."""
    if services.settings.webhook_url:
        asyncio.run(run_webhook(services))
        return
    application = build_application(services)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
