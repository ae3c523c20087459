"""What a dialogue outcome asks of Telegram: replies, staff-chat edits, a handoff's topics.

dialogue/handoff.py decides what a handoff shows where; this module only says
it to Telegram and tells the dialogue what Telegram did (the topic it opened,
the message it relayed, the owner who blocked the bot), so the next decision
knows. The webhook, polling and the tests all deliver through here.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.adapters.staff_notifier import StaffNotifier
from bot.adapters.telegram_render import inline_keyboard, reply_markup, split_message
from bot.app import Services
from bot.dialogue.model import Outcome, Post, Reply, StaffEdit, TopicChange

log = logging.getLogger(__name__)


class TelegramDelivery:
    def __init__(self, services: Services) -> None:
        self.services = services
        # Set while the background work runs: a stored notice then wakes it at once.
        self.notifier: StaffNotifier | None = None

    async def deliver(
        self, bot: Bot, chat_id: int, outcome: Outcome, thread_id: int | None = None
    ) -> None:
        for reply in outcome.replies:
            if reply.photo:
                await bot.send_photo(
                    chat_id,
                    photo=reply.photo,
                    caption=reply.text[:1024] or None,
                    reply_markup=reply_markup(reply),
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
        if outcome.staff_notices and self.notifier is not None:
            self.notifier.kick()
        for edit in outcome.staff_edits:
            await self._edit(bot, edit)
        await self.handoff(bot, outcome)

    # -- a handoff's topics and relayed messages (dialogue/handoff.py decides) -----------

    async def handoff(self, bot: Bot, outcome: Outcome) -> None:
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

    async def _topic(self, bot: Bot, change: TopicChange) -> None:
        if change.action != "open":
            # A topic never opened (the staff chat is no forum) has nothing to close.
            if change.thread_id is not None:
                await self._end_topic(bot, change, change.thread_id)
            return
        dialogue = self.services.dialogue
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

    async def _end_topic(self, bot: Bot, change: TopicChange, thread_id: int) -> None:
        action = change.action
        if action == "delete":  # erasure: the topic and everything in it
            try:
                await bot.delete_forum_topic(change.chat_id, thread_id)
                return
            except TelegramError as exc:  # no right to delete: at least rename and close it
                log.warning("forum topic delete failed: %s", exc)
                action = "rename"
        try:
            if action == "rename":
                await bot.edit_forum_topic(change.chat_id, thread_id, name=change.name)
            await bot.close_forum_topic(change.chat_id, thread_id)
        except TelegramError as exc:  # closed or deleted by staff: nothing to do
            log.info("forum topic %s: %s", action, exc)

    async def _post(self, bot: Bot, post: Post) -> None:
        dialogue = self.services.dialogue
        markup = inline_keyboard(post.buttons)
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

    async def _edit(self, bot: Bot, edit: StaffEdit) -> None:
        """Rewrite a staff-chat message (a lead card, erasure); one deleted by staff is no loss."""
        try:
            await bot.edit_message_text(
                edit.text[: MessageLimit.MAX_TEXT_LENGTH],
                chat_id=edit.chat_id,
                message_id=edit.message_id,
                reply_markup=inline_keyboard(edit.buttons),
            )
        except TelegramError as exc:
            log.warning("staff message edit failed: %s", type(exc).__name__)

    async def _send(
        self, bot: Bot, chat_id: int, reply: Reply, thread_id: int | None = None
    ) -> None:
        chunks = split_message(reply.text)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            try:
                await bot.send_message(
                    chat_id,
                    chunk,
                    reply_markup=reply_markup(reply) if last else None,
                    message_thread_id=thread_id,
                )
            except Forbidden:
                await self.services.dialogue.set_blocked(chat_id, True)
                return
