"""Forum topics (Bot API 6.3+): forum supergroups, creating, renaming, closing, reopening and
deleting topics, and the errors Telegram answers for a wrong or closed one.
"""

from __future__ import annotations

import time
from typing import Any

from telegram_emulator.protocol import ApiError, UploadedFile
from telegram_emulator.state import EmulatorState

# Forum topics (Bot API 6.3+): the descriptions Telegram's Bot API server answers with.
NOT_A_FORUM = "Bad Request: the chat is not a forum"


THREAD_NOT_FOUND = "Bad Request: message thread not found"


TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"


TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"


TOPIC_ID_INVALID = "Bad Request: TOPIC_ID_INVALID"


TOPIC_NAME_INVALID = "Bad Request: TOPIC_NAME_INVALID"


TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)


class TopicsMixin(EmulatorState):
    """Forum topics and the topic a new message goes to."""

    def topics(self, chat_id: int) -> dict[int, dict[str, Any]]:
        """The forum topics of a chat: message_thread_id -> {name, icon_color, closed}."""
        with self._lock:
            return {t: dict(v) for (c, t), v in self._topics.items() if c == chat_id}

    def create_forum(self, chat_id: int, title: str = "Equipo") -> None:
        """Make ``chat_id`` a forum supergroup (topics enabled), as staff would in Telegram."""
        with self._lock:
            chat = self._remember_chat(chat_id, "supergroup", None, title)
            chat["is_forum"] = True

    def open_topic(self, chat_id: int, name: str) -> int:
        """A topic a member created by hand in a forum; returns its message_thread_id."""
        with self._lock:
            return int(
                self._m_create_forum_topic({"chat_id": chat_id, "name": name}, {})[
                    "message_thread_id"
                ]
            )

    def _topic_of(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """The forum topic a new message goes to; Telegram's errors for a wrong one."""
        value = params.get("message_thread_id")
        if value in (None, "", 0):
            return None
        if not isinstance(value, int):
            raise ApiError(400, THREAD_NOT_FOUND)
        topic = self._topics.get((chat_id, value))
        if topic is None:
            raise ApiError(400, THREAD_NOT_FOUND)
        if topic["closed"]:
            raise ApiError(400, TOPIC_CLOSED)
        return value

    def _forum_topic(self, params: dict[str, Any]) -> tuple[int, int, dict[str, Any]]:
        chat_id = self._resolve_chat(params)
        if not self._chats[chat_id].get("is_forum"):
            raise ApiError(400, NOT_A_FORUM)
        thread_id = params.get("message_thread_id")
        topic = self._topics.get((chat_id, thread_id)) if isinstance(thread_id, int) else None
        if topic is None:
            raise ApiError(400, TOPIC_ID_INVALID)
        return chat_id, int(thread_id), topic  # type: ignore[arg-type]

    def _m_create_forum_topic(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        chat = self._chats[chat_id]
        if not chat.get("is_forum"):
            raise ApiError(400, NOT_A_FORUM)
        name = params.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise ApiError(400, TOPIC_NAME_INVALID)
        color = params.get("icon_color")
        color = color if color in TOPIC_COLORS else TOPIC_COLORS[len(self._topics) % 6]
        # The topic's id is the id of its first (service) message, as in Telegram.
        thread_id = self._alloc_message_id(chat_id)
        created = {"name": name, "icon_color": color}
        self._topics[(chat_id, thread_id)] = {**created, "closed": False}
        self._user_messages[(chat_id, thread_id)] = {
            "message_id": thread_id,
            "from": dict(self.bot_user),
            "chat": dict(chat),
            "date": int(time.time()),
            "message_thread_id": thread_id,
            "forum_topic_created": created,
            "is_topic_message": True,
        }
        return {"message_thread_id": thread_id, **created}

    def _m_edit_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        _chat_id, _thread_id, topic = self._forum_topic(params)
        name = params.get("name")
        if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 128):
            raise ApiError(400, TOPIC_NAME_INVALID)
        if name is None or name == topic["name"]:
            raise ApiError(400, TOPIC_NOT_MODIFIED)
        topic["name"] = name
        return True

    def _m_close_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        _chat_id, _thread_id, topic = self._forum_topic(params)
        if topic["closed"]:
            raise ApiError(400, TOPIC_NOT_MODIFIED)
        topic["closed"] = True
        return True

    def _m_reopen_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        _chat_id, _thread_id, topic = self._forum_topic(params)
        if not topic["closed"]:
            raise ApiError(400, TOPIC_NOT_MODIFIED)
        topic["closed"] = False
        return True

    def _m_delete_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat_id, thread_id, _topic = self._forum_topic(params)
        del self._topics[(chat_id, thread_id)]
        return True
