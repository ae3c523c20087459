"""A local Telegram Bot API emulator for end-to-end tests and benchmarks.

It serves the Bot API over HTTP on 127.0.0.1 so that the *real*
python-telegram-bot ``Application`` can be driven without touching Telegram::

    with BotApiEmulator() as emu:
        app = (
            ApplicationBuilder()
            .token(emu.token)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .build()
        )
        ...  # start polling, then:
        emu.send_text(42, "/start")
        (reply,) = await emu.wait_for_messages(42, 1)

Requests are parsed the way python-telegram-bot sends them (form-urlencoded,
multipart with files, JSON bodies, query strings); answers are realistic Bot
API objects. Everything the bot does is recorded for assertions (``calls``,
``sent()``, ``edits``, ``callback_answers``, ``stats``); updates are injected
with ``push_update`` and the ``send_*``/``press_button``/``my_chat_member``
builders and served through true long polling (``getUpdates``). Faults
(``fail_next``, ``drop_connection_next``, ``blocked_chats``) and Telegram-like
flood limits (``rate_limit``, ``per_chat_interval``) can be switched on.

The HTTP server runs in its own threads; shared state is guarded by one lock.
The ``wait_*`` helpers are coroutines (so the bot keeps running in the same
event loop while a test waits); ``*_sync`` twins exist for code running in
other threads. Only loopback addresses are ever contacted.

Each area of the Bot API is a module with a mixin (``messages``, ``topics``, ``files``,
``updates``, ``webhook``, ``faults``, ``profile``; ``http`` serves them, ``recording``
and ``waiting`` are for tests); ``BotApiEmulator`` composes them and names the methods
it serves.
"""

from __future__ import annotations

from telegram_emulator.faults import FaultsMixin
from telegram_emulator.files import FilesMixin
from telegram_emulator.http import HttpMixin
from telegram_emulator.messages import MessagesMixin
from telegram_emulator.profile import ProfileMixin
from telegram_emulator.recording import RecordingMixin
from telegram_emulator.state import Method
from telegram_emulator.topics import TopicsMixin
from telegram_emulator.updates import UpdatesMixin
from telegram_emulator.waiting import WaitingMixin
from telegram_emulator.webhook import WebhookMixin


class BotApiEmulator(
    HttpMixin,
    RecordingMixin,
    WaitingMixin,
    FaultsMixin,
    UpdatesMixin,
    WebhookMixin,
    ProfileMixin,
    MessagesMixin,
    TopicsMixin,
    FilesMixin,
):
    """A Telegram Bot API server on 127.0.0.1 for the real python-telegram-bot.

    Args:
        token: the bot token the emulator accepts (others get 401).
        rate_limit: messages per second allowed over all send methods (sliding
            1-second window); above it the answer is 429 with ``retry_after``.
        per_chat_interval: minimum seconds between two messages to one chat.
        bot_username / bot_first_name: the bot's identity (``getMe``).
        strict_chats: when true, sending to a chat that no injected update
            introduced answers 400 "chat not found"; otherwise chats are
            created on first use.
    """

    def _method_table(self) -> dict[str, Method]:
        return {
            "getMe": self._m_get_me,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "sendMessage": self._m_send_message,
            "editMessageText": self._m_edit_message_text,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "editMessageCaption": self._m_edit_message_caption,
            "deleteMessage": self._m_delete_message,
            "answerCallbackQuery": self._m_answer_callback_query,
            "sendChatAction": self._m_send_chat_action,
            "sendDocument": self._m_send_document,
            "sendPhoto": self._m_send_photo,
            "copyMessage": self._m_copy_message,
            "createForumTopic": self._m_create_forum_topic,
            "editForumTopic": self._m_edit_forum_topic,
            "closeForumTopic": self._m_close_forum_topic,
            "reopenForumTopic": self._m_reopen_forum_topic,
            "deleteForumTopic": self._m_delete_forum_topic,
            "getFile": self._m_get_file,
            "close": self._m_true,
            "logOut": self._m_true,
        }
