"""Telegram's side of the conversation: users, chats, messages and the lock that guards them.

Every area of the emulator is a mixin on ``EmulatorState``: it holds all state (so each
mixin can read it) and the helpers that create and look up users, chats and messages.
Methods whose name ends in ``_locked``, and every Bot API method, run with the lock held.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from telegram_emulator.protocol import ApiCall, UploadedFile, bad

DEFAULT_TOKEN = "123456789:" + "A" * 35

#: A Bot API method: (params, uploaded files) -> its result; raises ApiError.
Method = Callable[[dict[str, Any], dict[str, UploadedFile]], Any]


class EmulatorState:
    """All the emulator's state; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        rate_limit: float | None = None,
        per_chat_interval: float | None = None,
        *,
        bot_username: str = "emulated_bot",
        bot_first_name: str = "Emulated Bot",
        strict_chats: bool = False,
    ) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.per_chat_interval = per_chat_interval
        self.strict_chats = strict_chats
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        #: Chats for which every send answers 403 "bot was blocked by the user".
        self.blocked_chats: set[int] = set()

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._stopping = False

        # Telegram-side state (survives clear()).
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}  # bot messages (records)
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}  # Message JSON
        self._files: dict[str, dict[str, Any]] = {}
        self._file_seq = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._max_delivered_update_id = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook: dict[str, Any] = {"url": ""}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._open_callbacks: dict[str, dict[str, Any]] = {}
        # Forum topics: (chat id, message_thread_id) -> {"name", "icon_color", "closed"}.
        self._topics: dict[tuple[int, int], dict[str, Any]] = {}
        self._callback_seq = itertools.count(1)
        self._faults: list[dict[str, Any]] = []
        self._send_times: deque[float] = deque()
        self._chat_send_times: dict[int, float] = {}
        self._inflight = 0
        self._last_activity = time.monotonic()

        # Records (emptied by clear()).
        self._calls: list[ApiCall] = []
        self._sent: list[dict[str, Any]] = []
        self._edits: list[dict[str, Any]] = []
        self._callback_answers: list[dict[str, Any]] = []
        self._unknown_methods: list[str] = []
        self._internal_errors: list[str] = []
        self._webhook_deliveries: list[dict[str, Any]] = []
        self._stats: Counter[str] = Counter()
        self._last_message_seq = 0
        self._last_call_seq = 0
        self._mark_message_seq = 0
        self._mark_call_seq = 0

        self._methods = self._method_table()
        self._canonical = {name.lower(): name for name in self._methods}

    def _method_table(self) -> dict[str, Method]:
        """The Bot API methods served, by name; the composed emulator lists them."""
        return {}

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        return str(self.bot_user["username"])

    def _notify(self) -> None:
        """Wake sync and async waiters. Caller holds the lock."""
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop closed
                self._async_waiters.discard((loop, event))

    @staticmethod
    def _chat_id_of(params: dict[str, Any]) -> int | None:
        value = params.get("chat_id")
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        return None

    def _remember_user(
        self, user_id: int, first_name: str | None, username: str | None
    ) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or "Ana"}
            user["language_code"] = "es"
            self._users[user_id] = user
        if first_name:
            user["first_name"] = first_name
        if username:
            user["username"] = username
        return user

    def _remember_chat(
        self,
        chat_id: int,
        chat_type: str | None,
        user: dict[str, Any] | None,
        title: str | None,
    ) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._new_chat(chat_id, chat_type)
            self._chats[chat_id] = chat
        if chat["type"] == "private" and user is not None and user["id"] == chat_id:
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        if title and chat["type"] != "private":
            chat["title"] = title
        return chat

    def _new_chat(self, chat_id: int, chat_type: str | None) -> dict[str, Any]:
        if chat_type is None:
            if chat_id > 0:
                chat_type = "private"
            else:
                chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        if chat_type == "private":
            user = self._users.get(chat_id) or {}
            return {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
        return {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"}

    def _resolve_chat(self, params: dict[str, Any], key: str = "chat_id") -> int:
        value = params.get(key)
        if value is None or value == "":
            raise bad(f"{key} is empty")
        chat_id = self._chat_id_of({"chat_id": value})
        if chat_id is None and isinstance(value, str) and value.startswith("@"):
            chat_id = next(
                (
                    cid
                    for cid, chat in self._chats.items()
                    if chat.get("username", "").lower() == value[1:].lower()
                ),
                None,
            )
        if chat_id is None or chat_id == 0:
            raise bad("chat not found")
        if chat_id not in self._chats:
            if self.strict_chats:
                raise bad("chat not found")
            self._chats[chat_id] = self._new_chat(chat_id, None)
        return chat_id

    def _alloc_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _message_json(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        record = self._messages.get((chat_id, message_id))
        if record is not None:
            return record["message"]
        return self._user_messages.get((chat_id, message_id))
