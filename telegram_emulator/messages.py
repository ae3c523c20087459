"""Messages the bot sends and changes: sendMessage, copyMessage, editMessage*,
deleteMessage, answerCallbackQuery and sendChatAction, with Telegram's limits and errors
(text length, keyboards, replies, "message is not modified").
"""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

from telegram_emulator.formatting import parse_formatted
from telegram_emulator.protocol import UploadedFile, bad
from telegram_emulator.state import EmulatorState

MAX_TEXT_LENGTH = 4096


MAX_CAPTION_LENGTH = 1024


MAX_CALLBACK_DATA_BYTES = 64


MAX_CALLBACK_ANSWER_LENGTH = 200


CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


#: Message fields copyMessage carries over.
COPYABLE_FIELDS = frozenset(
    {
        "text",
        "entities",
        "photo",
        "document",
        "voice",
        "sticker",
        "contact",
        "location",
        "caption",
        "caption_entities",
    }
)


NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class MessagesMixin(EmulatorState):
    """Bot messages: creating, copying, editing, deleting; callback answers."""

    @staticmethod
    def _parse_markup(value: Any) -> dict[str, Any] | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(value, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad(
                    'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
                )
            actions = {
                "url",
                "callback_data",
                "web_app",
                "login_url",
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "copy_text",
                "callback_game",
                "pay",
            }
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not str(button.get("text", "")):
                        raise bad("can't parse inline keyboard button: Text must be non-empty")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        size = len(str(data).encode("utf-8"))
                        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                            raise bad("BUTTON_DATA_INVALID")
                    elif "url" in button:
                        if not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                            raise bad("BUTTON_URL_INVALID")
                    elif not actions & button.keys():
                        raise bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                        )
        elif "keyboard" in value:
            rows = value["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad(
                    'can\'t parse keyboard button: field "keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not text:
                        raise bad("keyboard button text must be non-empty")
        elif not ({"remove_keyboard", "force_reply"} & value.keys()):
            raise bad("can't parse reply keyboard markup JSON object")
        return value

    @staticmethod
    def _inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        if markup and "inline_keyboard" in markup and markup["inline_keyboard"]:
            return markup
        return None

    def _formatted(
        self, text: Any, parse_mode: Any, entities: Any, limit: int, what: str
    ) -> tuple[str, list[dict[str, Any]]]:
        if not isinstance(text, str):
            text = "" if text is None else json.dumps(text)
        if parse_mode:
            plain, parsed = parse_formatted(text, str(parse_mode))
        else:
            plain, parsed = text, entities if isinstance(entities, list) else []
        if what == "text" and not plain.strip():
            raise bad("message text is empty")
        if len(plain) > limit:
            raise bad("message is too long" if what == "text" else "message caption is too long")
        return plain, parsed

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        message_id = (
            reply.get("message_id")
            if isinstance(reply, dict)
            else params.get("reply_to_message_id")
        )
        if message_id is None:
            return None
        target_chat = reply.get("chat_id", chat_id) if isinstance(reply, dict) else chat_id
        exists = (target_chat, message_id) in self._messages or (
            target_chat,
            message_id,
        ) in self._user_messages
        allow = params.get("allow_sending_without_reply") or (
            isinstance(reply, dict) and reply.get("allow_sending_without_reply")
        )
        if not exists and not allow:
            raise bad("message to be replied not found")
        return int(message_id) if exists else None

    def _new_bot_message(
        self,
        method: str,
        kind: str,
        chat_id: int,
        params: dict[str, Any],
        content: dict[str, Any],
        record_fields: dict[str, Any],
    ) -> dict[str, Any]:
        markup = self._parse_markup(params.get("reply_markup"))
        thread_id = self._topic_of(chat_id, params)
        reply_to = self._reply_to(chat_id, params)
        message_id = self._alloc_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(self.bot_user),
            "chat": dict(self._chats[chat_id]),
            "date": int(time.time()),
            **content,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            if reply_to is None:  # Telegram: a topic message answers the topic's first one
                reply_to = thread_id
        inline = self._inline_markup(markup)
        if inline:
            message["reply_markup"] = inline
        if reply_to is not None:
            original = self._message_json(chat_id, reply_to)
            if original is not None:
                message["reply_to_message"] = copy.deepcopy(original)
        self._last_message_seq += 1
        record: dict[str, Any] = {
            "seq": self._last_message_seq,
            "message_id": message_id,
            "chat_id": chat_id,
            "kind": kind,
            "method": method,
            "text": None,
            "plain_text": None,
            "caption": None,
            "parse_mode": params.get("parse_mode"),
            "entities": [],
            "reply_markup": markup,
            "document_name": None,
            "document_bytes": None,
            "document_mime": None,
            "photo_bytes": None,
            "photo_file_id": None,
            "file_id": None,
            "reply_to_message_id": reply_to,
            "message_thread_id": thread_id,
            "date": message["date"],
            "time": time.time(),
            "deleted": False,
            "edits": [],
            "params": {k: v for k, v in params.items()},
            "message": message,
        }
        record.update(record_fields)
        self._messages[(chat_id, message_id)] = record
        self._sent.append(record)
        return record

    def _m_send_message(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        text = params.get("text")
        plain, entities = self._formatted(
            text, params.get("parse_mode"), params.get("entities"), MAX_TEXT_LENGTH, "text"
        )
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        record = self._new_bot_message(
            "sendMessage",
            "text",
            chat_id,
            params,
            content,
            {"text": text, "plain_text": plain, "entities": entities},
        )
        return copy.deepcopy(record["message"])

    def _caption(self, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return {}, {}
        plain, entities = self._formatted(
            caption,
            params.get("parse_mode"),
            params.get("caption_entities"),
            MAX_CAPTION_LENGTH,
            "caption",
        )
        content: dict[str, Any] = {"caption": plain}
        if entities:
            content["caption_entities"] = entities
        return content, {"caption": caption, "plain_text": plain, "entities": entities}

    def _m_copy_message(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, int]:
        chat_id = self._resolve_chat(params)
        from_chat_id = self._resolve_chat(params, "from_chat_id")
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad("message_id is empty")
        source = self._message_json(from_chat_id, message_id)
        source_record = self._messages.get((from_chat_id, message_id))
        if source is None or (source_record is not None and source_record["deleted"]):
            raise bad("message to copy not found")
        content = {k: copy.deepcopy(v) for k, v in source.items() if k in COPYABLE_FIELDS}
        if not content:
            raise bad("message can't be copied")
        fields: dict[str, Any] = {"source": {"chat_id": from_chat_id, "message_id": message_id}}
        if "text" in content:
            fields.update(text=content["text"], plain_text=content["text"])
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            caption_content, caption_fields = self._caption(params)
            content.update(caption_content)
            fields.update(caption_fields)
        elif "caption" in content:
            fields.update(caption=content["caption"], plain_text=content["caption"])
        if "document" in content:
            document = content["document"]
            stored = self._files.get(document.get("file_id", ""), {})
            fields.update(
                document_name=document.get("file_name"),
                document_bytes=stored.get("content"),
                document_mime=document.get("mime_type"),
            )
        record = self._new_bot_message("copyMessage", "copy", chat_id, params, content, fields)
        return {"message_id": record["message_id"]}

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat_id = self._resolve_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad("message identifier is not specified")
        record = self._messages.get((chat_id, message_id))
        if record is None or record["deleted"]:
            if (chat_id, message_id) in self._user_messages:
                raise bad("message can't be edited")
            raise bad("message to edit not found")
        return record

    @staticmethod
    def _state(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "text": record["text"],
            "caption": record["caption"],
            "plain_text": record["plain_text"],
            "entities": copy.deepcopy(record["entities"]),
            "parse_mode": record["parse_mode"],
            "reply_markup": copy.deepcopy(record["reply_markup"]),
        }

    def _apply_edit(
        self,
        method: str,
        record: dict[str, Any],
        changes: dict[str, Any],
        message_changes: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        message = record["message"]
        new_inline = self._inline_markup(markup)
        content_same = all(
            (message.get(key) or None) == (value or None) for key, value in message_changes.items()
        )
        if content_same and message.get("reply_markup") == new_inline:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        before = self._state(record)
        for key, value in message_changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if new_inline:
            message["reply_markup"] = new_inline
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        record.update(changes)
        record["reply_markup"] = markup
        entry = {
            "time": time.time(),
            "method": method,
            "chat_id": record["chat_id"],
            "message_id": record["message_id"],
            "before": before,
            "after": self._state(record),
        }
        record["edits"].append(entry)
        self._edits.append(entry)
        return copy.deepcopy(message)

    def _m_edit_message_text(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        record = self._editable(params)
        if "text" not in record["message"]:
            raise bad("there is no text in the message to edit")
        text = params.get("text")
        plain, entities = self._formatted(
            text, params.get("parse_mode"), params.get("entities"), MAX_TEXT_LENGTH, "text"
        )
        markup = self._parse_markup(params.get("reply_markup"))
        return self._apply_edit(
            "editMessageText",
            record,
            {
                "text": text,
                "plain_text": plain,
                "entities": entities,
                "parse_mode": params.get("parse_mode"),
            },
            {"text": plain, "entities": entities},
            markup,
        )

    def _m_edit_message_caption(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        record = self._editable(params)
        if "text" in record["message"]:
            raise bad("there is no caption in the message to edit")
        caption_content, caption_fields = self._caption(params)
        markup = self._parse_markup(params.get("reply_markup"))
        return self._apply_edit(
            "editMessageCaption",
            record,
            {
                "caption": caption_fields.get("caption"),
                "plain_text": caption_fields.get("plain_text"),
                "entities": caption_fields.get("entities", []),
                "parse_mode": params.get("parse_mode"),
            },
            {
                "caption": caption_content.get("caption"),
                "caption_entities": caption_content.get("caption_entities"),
            },
            markup,
        )

    def _m_edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        record = self._editable(params)
        markup = self._parse_markup(params.get("reply_markup"))
        return self._apply_edit("editMessageReplyMarkup", record, {}, {}, markup)

    def _m_delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat_id = self._resolve_chat(params)
        message_id = params.get("message_id")
        record = self._messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if record is not None and not record["deleted"]:
            record["deleted"] = True
            return True
        user_message = (
            self._user_messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        )
        if user_message is not None:
            self._user_messages.pop((chat_id, message_id))
            return True
        raise bad("message to delete not found")

    def _m_answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._open_callbacks.pop(query_id, None)
        if query is None:
            raise bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            self._open_callbacks[query_id] = query
            raise bad("MESSAGE_TOO_LONG")
        self._callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": bool(params.get("show_alert", False)),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
                "time": time.time(),
                **query,
            }
        )
        return True

    def _m_send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._resolve_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True
