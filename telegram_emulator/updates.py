"""Updates: what users do (messages, button presses, contacts, media, blocking the bot)
built as Telegram would build them, queued, and served by ``getUpdates`` long polling.
"""

from __future__ import annotations

import copy
import mimetypes
import time
from typing import Any

from telegram_emulator.formatting import incoming_entities
from telegram_emulator.protocol import STANDARD_DESCRIPTIONS, ApiError, UploadedFile
from telegram_emulator.state import EmulatorState

#: Update kinds Telegram leaves out unless ``allowed_updates`` names them.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdatesMixin(EmulatorState):
    """The update queue, its builders and getUpdates."""

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by getUpdates."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (assigns update_id if absent); returns it."""
        with self._lock:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            query = update.get("callback_query")
            if isinstance(query, dict) and "id" in query:
                message = query.get("message") or {}
                self._open_callbacks[str(query["id"])] = {
                    "data": query.get("data"),
                    "user_id": (query.get("from") or {}).get("id"),
                    "message_id": message.get("message_id"),
                    "chat_id": (message.get("chat") or {}).get("id"),
                }
            self._updates.append(update)
            self._stats["updates_pushed"] += 1
            self._last_activity = time.monotonic()
            self._notify()
        return update

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        first_name: str | None = None,
        chat_type: str = "private",
        username: str | None = None,
        message_thread_id: int | None = None,
        reply_to: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A user's text message; /commands and @mentions get their entities.

        ``first_name`` defaults to the user's known name ("Ana" for a new user);
        ``chat_type`` "group"/"supergroup" needs (or derives) a negative ``chat_id``;
        ``extra`` adds raw Message fields.
        All builders accept the keywords chat_id, first_name, username, chat_type,
        chat_title, message_thread_id (a forum topic: the message gets
        is_topic_message and, as in Telegram, replies to the topic's first message
        unless ``reply_to`` names another) and reply_to (a message id in the same
        chat), and return the update they queued."""
        content: dict[str, Any] = {"text": text}
        entities = incoming_entities(text)
        if entities:
            content["entities"] = entities
        content.update(extra)
        return self._incoming(
            user_id,
            content,
            chat_id=chat_id,
            first_name=first_name,
            chat_type=chat_type,
            username=username,
            message_thread_id=message_thread_id,
            reply_to=reply_to,
        )

    def press_button(
        self, user_id: int, data: str, message_id: int, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A callback_query pressing ``data`` on the bot message ``message_id``."""
        chat = user_id if chat_id is None else chat_id
        with self._lock:
            record = self._messages.get((chat, message_id))
            if record is None:
                known = sorted(mid for (cid, mid) in self._messages if cid == chat)
                raise LookupError(
                    f"no bot message {message_id} in chat {chat}; bot messages there: {known}"
                )
            user = self._remember_user(user_id, None, None)
            query_id = str(4_000_000_000_000_000 + next(self._callback_seq))
            update = {
                "callback_query": {
                    "id": query_id,
                    "from": dict(user),
                    "chat_instance": str(7_000_000_000_000_000 + abs(chat)),
                    "data": data,
                    "message": copy.deepcopy(record["message"]),
                }
            }
        return self.push_update(update)

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        contact_user_id: int | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A user sharing a contact (their own when contact_user_id == user_id)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._incoming(user_id, {"contact": contact}, **kwargs)

    def send_voice(
        self, user_id: int, duration: int = 3, content: bytes = b"OggS-voice", **kwargs: Any
    ) -> dict[str, Any]:
        with self._lock:
            file = self._register_file(content, None, "audio/ogg", "voice")
        voice = {**file, "duration": duration, "mime_type": "audio/ogg"}
        return self._incoming(user_id, {"voice": voice}, **kwargs)

    def send_photo(
        self,
        user_id: int,
        caption: str | None = None,
        content: bytes = b"\xff\xd8\xff-photo",
        **kwargs: Any,
    ) -> dict[str, Any]:
        with self._lock:
            file = self._register_file(content, None, "image/jpeg", "photos")
        message: dict[str, Any] = {"photo": self._photo_sizes(file)}
        if caption is not None:
            message["caption"] = caption
            entities = incoming_entities(caption)
            if entities:
                message["caption_entities"] = entities
        return self._incoming(user_id, message, **kwargs)

    def send_sticker(self, user_id: int, emoji: str = "👍", **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            file = self._register_file(b"RIFF-webp-sticker", None, "image/webp", "stickers")
        sticker = {
            **file,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._incoming(user_id, {"sticker": sticker}, **kwargs)

    def send_location(self, user_id: int, lat: float, lon: float, **kwargs: Any) -> dict[str, Any]:
        return self._incoming(user_id, {"location": {"latitude": lat, "longitude": lon}}, **kwargs)

    def send_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes = b"document-content",
        caption: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        with self._lock:
            file = self._register_file(content, file_name, mime, "documents")
        message: dict[str, Any] = {"document": {**file, "file_name": file_name, "mime_type": mime}}
        if caption is not None:
            message["caption"] = caption
        return self._incoming(user_id, message, **kwargs)

    def my_chat_member(
        self,
        user_id: int,
        status: str,
        chat_id: int | None = None,
        old_status: str | None = None,
        update_blocked: bool = True,
    ) -> dict[str, Any]:
        """The bot's membership changed: "kicked" = the user blocked the bot,
        "member" = unblocked/restarted. In a private chat this also updates
        ``blocked_chats`` unless ``update_blocked`` is false."""
        chat_target = user_id if chat_id is None else chat_id
        if old_status is None:
            old_status = "member" if status in {"kicked", "left"} else "kicked"
        with self._lock:
            user = self._remember_user(user_id, None, None)
            chat = self._remember_chat(chat_target, None, user, None)
            update = {
                "my_chat_member": {
                    "chat": dict(chat),
                    "from": dict(user),
                    "date": int(time.time()),
                    "old_chat_member": self._chat_member(old_status),
                    "new_chat_member": self._chat_member(status),
                }
            }
            if update_blocked and chat["type"] == "private":
                if status in {"kicked", "left"}:
                    self.blocked_chats.add(chat_target)
                elif status == "member":
                    self.blocked_chats.discard(chat_target)
        return self.push_update(update)

    def _chat_member(self, status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": dict(self.bot_user)}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "is_anonymous",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    False,
                )
            )
        elif status == "restricted":
            member.update(
                dict.fromkeys(
                    (
                        "is_member",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_send_messages",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_manage_topics",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_edit_tag",
                    ),
                    True,
                )
            )
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    def _incoming(
        self,
        user_id: int,
        content: dict[str, Any],
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        chat_type: str = "private",
        username: str | None = None,
        chat_title: str | None = None,
        message_thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        if chat_id is None:
            chat_id = {"private": user_id, "group": -user_id}.get(
                chat_type, -1_000_000_000_000 - user_id
            )
        with self._lock:
            user = self._remember_user(user_id, first_name, username)
            chat = self._remember_chat(chat_id, chat_type, user, chat_title)
            message = {
                "message_id": self._alloc_message_id(chat_id),
                "from": dict(user),
                "chat": dict(chat),
                "date": int(time.time()),
                **content,
            }
            if message_thread_id is not None:
                if (chat_id, message_thread_id) not in self._topics:
                    raise LookupError(f"no forum topic {message_thread_id} in chat {chat_id}")
                message["message_thread_id"] = message_thread_id
                message["is_topic_message"] = True
                reply_to = message_thread_id if reply_to is None else reply_to
            if reply_to is not None:
                original = self._message_json(chat_id, reply_to)
                if original is None:
                    raise LookupError(f"no message {reply_to} in chat {chat_id} to reply to")
                message["reply_to_message"] = copy.deepcopy(original)
            self._user_messages[(chat_id, message["message_id"])] = message
        return self.push_update({"message": message})

    def _m_get_updates(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[dict[str, Any]]:
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, STANDARD_DESCRIPTIONS[409])
            self._drop_not_allowed()
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0:
                break
            self._cond.wait(remaining)
        batch = self._updates[:limit]
        if batch:
            self._max_delivered_update_id = max(
                self._max_delivered_update_id, max(u["update_id"] for u in batch)
            )
            self._stats["updates_delivered"] += len(batch)
        return copy.deepcopy(batch)

    def _drop_not_allowed(self) -> None:
        allowed = self._allowed_updates

        def wanted(update: dict[str, Any]) -> bool:
            kinds = [k for k in update if k != "update_id"]
            kind = kinds[0] if kinds else ""
            if allowed:
                return kind in allowed
            return kind not in NOT_DEFAULT_UPDATES

        self._updates = [u for u in self._updates if wanted(u)]
