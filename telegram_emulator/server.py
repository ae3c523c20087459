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
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import http.client
import itertools
import json
import math
import mimetypes
import re
import socket
import ssl
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["ApiCall", "BotApiEmulator", "UploadedFile"]

T = TypeVar("T")

DEFAULT_TOKEN = "123456789:" + "A" * 35
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

#: Methods that create a message in a chat (subject to flood limits).
MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "copyMessage"})
#: Methods refused with 403 when the target chat is in ``blocked_chats``.
BLOCKABLE_METHODS = MESSAGE_METHODS | {
    "sendChatAction",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
}
#: Parameters that are strings in the Bot API and must never be JSON-decoded.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "file_id",
        "document",
        "photo",
        "thumbnail",
        "name",
        "description",
        "short_description",
        "emoji",
        "title",
        "phone_number",
        "first_name",
        "last_name",
    }
)
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
#: Update kinds Telegram leaves out unless ``allowed_updates`` names them.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
STANDARD_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
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
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Forum topics (Bot API 6.3+): the descriptions Telegram's Bot API server answers with.
NOT_A_FORUM = "Bad Request: the chat is not a forum"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
TOPIC_ID_INVALID = "Bad Request: TOPIC_ID_INVALID"
TOPIC_NAME_INVALID = "Bad Request: TOPIC_NAME_INVALID"
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    content_type: str | None


@dataclass
class ApiCall:
    """One HTTP call to the Bot API, as received and answered.

    Attributes are also reachable as items (``call["method"]``).
    """

    seq: int
    method: str
    params: dict[str, Any]
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 0
    response: dict[str, Any] | None = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        return (self.response or {}).get("description")

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


class _ApiError(Exception):
    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, "Bad Request: " + description)


class _EntityError(Exception):
    pass


# ---------------------------------------------------------------------------
# Text helpers: UTF-16 offsets, formatting parsers
# ---------------------------------------------------------------------------


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_HTML_ATTR = r"[A-Za-z][A-Za-z0-9_-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+))?"
_HTML_START_RE = re.compile(rf"<([A-Za-z][A-Za-z0-9-]*)((?:\s+{_HTML_ATTR})*)\s*/?>")
_HTML_ATTR_RE = re.compile(
    r"([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+))?"
)
_HTML_END_RE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)?\s*>")


def _html_unescape(text: str, where: int = 0, source: str = "") -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if not match:
                offset = _byte_offset(source, where) if source else i
                raise _EntityError(
                    f"Character '&' at byte offset {offset} does not start a valid HTML entity "
                    "(use &amp;, &lt;, &gt;, &quot; or a numeric entity)"
                )
            out.append(_decode_html_entity(match))
            i = match.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _decode_html_entity(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _HTML_NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _EntityError(f"Invalid numeric HTML entity {match.group(0)!r}")
    return chr(code)


@dataclass
class _Open:
    tag: str
    kind: str | None
    start: int
    byte_offset: int
    extra: dict[str, Any] = field(default_factory=dict)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: plain text and entities (UTF-16 offsets).

    Raises ``_EntityError`` with a Telegram-like reason on malformed input.
    """
    out: list[str] = []
    pos = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if not match:
                raise _EntityError(
                    f"Character '&' at byte offset {_byte_offset(text, i)} does not start a "
                    "valid HTML entity (use &amp;, &lt;, &gt;, &quot; or a numeric entity)"
                )
            decoded = _decode_html_entity(match)
            out.append(decoded)
            pos += _u16(decoded)
            i = match.end()
            continue
        if char != "<":
            out.append(char)
            pos += _u16(char)
            i += 1
            continue
        if text.startswith("</", i):
            match = _HTML_END_RE.match(text, i)
            if not match:
                raise _EntityError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
            if not stack:
                raise _EntityError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            name = (match.group(1) or "").lower()
            top = stack.pop()
            if name and name != top.tag:
                raise _EntityError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            length = pos - top.start
            if top.kind and length > 0:
                entity: dict[str, Any] = {"type": top.kind, "offset": top.start, "length": length}
                entity.update(top.extra)
                entities.append(entity)
            i = match.end()
            continue
        match = _HTML_START_RE.match(text, i)
        if not match:
            name_match = re.match(r"<([^\s<>]*)", text[i:])
            name = name_match.group(1) if name_match else ""
            raise _EntityError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
            )
        tag = match.group(1).lower()
        if tag not in _HTML_TAGS:
            raise _EntityError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, i)}'
            )
        attrs: dict[str, str] = {}
        for attr in _HTML_ATTR_RE.finditer(match.group(2) or ""):
            value = attr.group(2) or ""
            if value[:1] in {'"', "'"}:
                value = value[1:-1]
            attrs[attr.group(1).lower()] = _html_unescape(value, i, text)
        kind: str | None = _HTML_TAGS[tag]
        extra: dict[str, Any] = {}
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise _EntityError('Tag "span" must have class "tg-spoiler"')
        if tag == "a":
            href = attrs.get("href", "")
            user = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if user:
                kind = "text_mention"
                extra["user"] = {"id": int(user.group(1)), "is_bot": False, "first_name": "User"}
            elif href:
                extra["url"] = href
            else:
                kind = None
        elif tag == "tg-emoji":
            if "emoji-id" not in attrs:
                raise _EntityError('Tag "tg-emoji" must have attribute "emoji-id"')
            extra["custom_emoji_id"] = attrs["emoji-id"]
        elif tag == "blockquote" and "expandable" in attrs:
            kind = "expandable_blockquote"
        elif tag == "code" and stack and stack[-1].tag == "pre":
            language = attrs.get("class", "")
            if language.startswith("language-"):
                stack[-1].extra["language"] = language[len("language-") :]
            kind = None
        stack.append(_Open(tag, kind, pos, _byte_offset(text, i), extra))
        i = match.end()
    if stack:
        raise _EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's MarkdownV2 parse mode (reserved characters must be escaped)."""
    out: list[str] = []
    pos = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    line_start = True

    def emit(chunk: str) -> None:
        nonlocal pos
        out.append(chunk)
        pos += _u16(chunk)

    def close(opened: _Open, extra: dict[str, Any] | None = None) -> None:
        stack.remove(opened)
        if pos > opened.start:
            entity = {"type": opened.kind, "offset": opened.start, "length": pos - opened.start}
            entity.update(extra or {})
            entities.append(entity)

    def toggle(kind: str, width: int) -> None:
        nonlocal i
        opened = next((o for o in reversed(stack) if o.kind == kind), None)
        if opened:
            close(opened)
        else:
            stack.append(_Open(kind, kind, pos, _byte_offset(text, i)))
        i += width

    def read_until(closing: str, start: int, what: str) -> tuple[str, int]:
        """Content up to an unescaped ``closing``; only '\\' escapes are honoured."""
        chunk: list[str] = []
        j = start
        while j < len(text):
            if text[j] == "\\" and j + 1 < len(text):
                chunk.append(text[j + 1])
                j += 2
                continue
            if text.startswith(closing, j):
                return "".join(chunk), j + len(closing)
            chunk.append(text[j])
            j += 1
        raise _EntityError(
            f"Can't find end of {what} entity at byte offset {_byte_offset(text, start)}"
        )

    while i < len(text):
        char = text[i]
        was_line_start = line_start
        line_start = False
        if char == "\\":
            if i + 1 < len(text) and 0 < ord(text[i + 1]) < 127:
                emit(text[i + 1])
                line_start = text[i + 1] == "\n"
                i += 2
                continue
            raise _EntityError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if char == "`":
            start = pos
            if text.startswith("```", i):
                content, i = read_until("```", i + 3, "Pre")
                language = None
                first, newline, rest = content.partition("\n")
                if newline and first and " " not in first:
                    language, content = first, rest
                emit(content)
                entity: dict[str, Any] = {"type": "pre", "offset": start, "length": pos - start}
                if language:
                    entity["language"] = language
            else:
                content, i = read_until("`", i + 1, "Code")
                emit(content)
                entity = {"type": "code", "offset": start, "length": pos - start}
            if entity["length"]:
                entities.append(entity)
            continue
        if char == "*":
            toggle("bold", 1)
        elif char == "~":
            toggle("strikethrough", 1)
        elif char == "|" and text.startswith("||", i):
            toggle("spoiler", 2)
        elif char == "_":
            if stack and stack[-1].kind == "italic":
                toggle("italic", 1)
            elif text.startswith("__", i):
                toggle("underline", 2)
            else:
                toggle("italic", 1)
        elif char == "[":
            stack.append(_Open("[", "text_link", pos, _byte_offset(text, i)))
            i += 1
        elif char == "]" and any(o.kind == "text_link" for o in stack):
            opened = next(o for o in reversed(stack) if o.kind == "text_link")
            if not text.startswith("(", i + 1):
                raise _EntityError(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}"
                )
            url, i = read_until(")", i + 2, "a URL")
            close(opened, {"url": url})
        elif char == ">" and was_line_start:
            i += 1  # blockquote marker
        elif char in _MDV2_RESERVED:
            raise _EntityError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            emit(char)
            line_start = char == "\n"
            i += 1
    if stack:
        opened = stack[-1]
        raise _EntityError(
            f"Can't find end of {_MDV2_NAMES.get(opened.kind or '', 'the')} entity "
            f"at byte offset {opened.byte_offset}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's legacy Markdown parse mode."""
    out: list[str] = []
    pos = 0
    entities: list[dict[str, Any]] = []
    i = 0
    kinds = {"*": "bold", "_": "italic"}

    def fail(at: int) -> _EntityError:
        return _EntityError(
            f"Can't find end of the entity starting at byte offset {_byte_offset(text, at)}"
        )

    while i < len(text):
        char = text[i]
        start = pos
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            pos += 1
            i += 2
            continue
        if char in kinds or char == "`":
            marker = "```" if text.startswith("```", i) else char
            end = text.find(marker, i + len(marker))
            if end < 0:
                raise fail(i)
            content = text[i + len(marker) : end]
            kind = "pre" if marker == "```" else kinds.get(char, "code")
            out.append(content)
            pos += _u16(content)
            if content:
                entities.append({"type": kind, "offset": start, "length": pos - start})
            i = end + len(marker)
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if not match:
                raise fail(i)
            out.append(match.group(1))
            pos += _u16(match.group(1))
            if match.group(1):
                entities.append(
                    {"type": "text_link", "offset": start, "length": pos - start, "url": match[2]}
                )
            i = match.end()
            continue
        out.append(char)
        pos += _u16(char)
        i += 1
    return "".join(out), entities


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for ``parse_mode``; raises ``_ApiError`` 400 when malformed."""
    mode = (parse_mode or "").lower()
    parser = {
        "html": parse_html,
        "markdownv2": parse_markdown_v2,
        "markdown": parse_markdown,
    }.get(mode)
    if not mode:
        return text, []
    if parser is None:
        raise _bad(f"unsupported parse_mode {parse_mode!r}")
    try:
        return parser(text)
    except _EntityError as exc:
        raise _bad(f"can't parse entities: {exc}") from None


_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"]+")


def incoming_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram attaches to a user's text: bot_command, mention, url."""
    found: list[dict[str, Any]] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE), ("url", _URL_RE)):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": _u16(text[: match.start()]),
                    "length": _u16(match.group(0)),
                }
            )
    found.sort(key=lambda e: (e["offset"], -e["length"]))
    return found


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------


def _unescape_form_param(value: str) -> str:
    value = re.sub(
        r"%(22|[01][0-9A-Fa-f])",
        lambda m: chr(int(m.group(1), 16)) if m.group(1).upper() != "1B" else m.group(0),
        value,
    )
    return value.replace("\\\\", "\\")


def _disposition_param(header: str, name: str) -> str | None:
    match = re.search(rf'(?:^|;)\s*{name}="((?:[^"\\]|\\.)*)"', header, re.IGNORECASE)
    if match:
        return _unescape_form_param(match.group(1))
    match = re.search(rf"(?:^|;)\s*{name}\*=(?:[\w-]+)?'[^']*'([^;\s]+)", header, re.IGNORECASE)
    if match:
        return unquote(match.group(1))
    match = re.search(rf"(?:^|;)\s*{name}=([^;\s]+)", header, re.IGNORECASE)
    return match.group(1) if match else None


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Fields and files of a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    if not match:
        raise _bad("can't parse multipart request: no boundary")
    delimiter = b"\r\n--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        head, _, content = part.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename")
        if filename is not None or "content-type" in headers:
            files[name] = UploadedFile(filename, content, headers.get("content-type"))
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def decode_params(raw: dict[str, Any]) -> dict[str, Any]:
    """JSON-decode values the way the Bot API types them (strings stay strings)."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in STRING_PARAMS:
            stripped = value.strip()
            if stripped[:1] in {"{", "["} or re.fullmatch(
                r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null", stripped
            ):
                with contextlib.suppress(ValueError):
                    value = json.loads(stripped)
        params[key] = value
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: BotApiEmulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 300

    def setup(self) -> None:
        super().setup()
        # Headers and body are written separately: without TCP_NODELAY, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.emulator._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._track_connection(self.connection, add=False)

    def do_GET(self) -> None:
        self.server.emulator._handle_http(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


# ---------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------


class BotApiEmulator:
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
        self._server: _Server | None = None
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

        self._methods: dict[str, Callable[[dict[str, Any], dict[str, UploadedFile]], Any]] = {
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
        self._canonical = {name.lower(): name for name in self._methods}

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> BotApiEmulator:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("BotApiEmulator already started")
        self._stopping = False
        server = _Server(("127.0.0.1", 0), _Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"BotApiEmulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: long polls return, open connections are closed."""
        server = self._server
        if server is None:
            return
        with self._lock:
            self._stopping = True
            self._notify()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> BotApiEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> BotApiEmulator:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("BotApiEmulator not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        return str(self.bot_user["username"])

    # -- records (snapshots) ---------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every API call since the last clear(), oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of one method since the last clear()."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent since the last clear(), with their current (edited) state.

        Each dict: seq, message_id, chat_id, kind (text/document/photo/copy), method,
        text (as sent, with markup), plain_text (after entity parsing), caption,
        parse_mode, entities, reply_markup (parsed), document_name, document_bytes,
        document_mime, photo_bytes, photo_file_id, file_id, reply_to_message_id,
        date, time, deleted, edits (history), params, message (the Bot API Message).
        """
        with self._lock:
            return [
                copy.deepcopy(r) for r in self._sent if chat_id is None or r["chat_id"] == chat_id
            ]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        """The latest message the bot sent to ``chat_id`` since clear(), or None."""
        messages = self.sent(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A bot message by id (even if sent before clear()), current state."""
        with self._lock:
            record = self._messages.get((chat_id, message_id))
            return copy.deepcopy(record) if record else None

    @property
    def edits(self) -> list[dict[str, Any]]:
        """Edit history: dicts with time, method, chat_id, message_id, before, after."""
        with self._lock:
            return copy.deepcopy(self._edits)

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery calls: callback_query_id, text, show_alert, url,
        cache_time, data (of the pressed button), user_id, message_id, chat_id, time."""
        with self._lock:
            return copy.deepcopy(self._callback_answers)

    @property
    def unknown_methods(self) -> list[str]:
        """Names of methods the emulator does not implement that were called."""
        with self._lock:
            return list(self._unknown_methods)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of emulator bugs (answered 500); should stay empty."""
        with self._lock:
            return list(self._internal_errors)

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._webhook_deliveries)

    @property
    def stats(self) -> Counter[str]:
        """Counters: "calls", each method name, each HTTP status ("200", "429", ...),
        "<method>:<status>", "ok", "error", "rate_limited", "dropped", "updates_pushed",
        "updates_delivered"."""
        with self._lock:
            return Counter(self._stats)

    @property
    def webhook(self) -> dict[str, Any]:
        """The current webhook settings (url is "" when none)."""
        with self._lock:
            return dict(self._webhook)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set with setMyCommands for a scope/language."""
        with self._lock:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

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

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by getUpdates."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def clear(self) -> None:
        """Empty the records (calls, sent, edits, answers, stats...) and set the mark.

        Telegram-side state (messages, chats, queued updates, faults) is kept, so
        messages sent before clear() can still be edited or pressed."""
        with self._lock:
            self._calls.clear()
            self._sent.clear()
            self._edits.clear()
            self._callback_answers.clear()
            self._unknown_methods.clear()
            self._internal_errors.clear()
            self._webhook_deliveries.clear()
            self._stats.clear()
            self._mark_locked()

    def mark(self) -> None:
        """From now on, wait_for_messages / wait_for_call only consider new activity."""
        with self._lock:
            self._mark_locked()

    def _mark_locked(self) -> None:
        self._mark_message_seq = self._last_message_seq
        self._mark_call_seq = self._last_call_seq

    # -- fault injection -------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``"*"`` = any but getUpdates),
        optionally only those to ``chat_id``, fail with this error. For 429 the
        answer carries ``parameters.retry_after`` (default 1)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if error_code == 429
                else STANDARD_DESCRIPTIONS.get(error_code, f"Error {error_code}")
            )
        with self._lock:
            self._faults.append(
                {
                    "method": method.lower(),
                    "chat_id": chat_id,
                    "times": times,
                    "error": _ApiError(
                        error_code,
                        description,
                        {"retry_after": retry_after} if retry_after is not None else None,
                    ),
                }
            )

    def drop_connection_next(self, method: str, times: int = 1, chat_id: int | None = None) -> None:
        """Close the socket without answering the next ``times`` calls of ``method``
        (python-telegram-bot then raises telegram.error.NetworkError)."""
        with self._lock:
            self._faults.append(
                {"method": method.lower(), "chat_id": chat_id, "times": times, "error": None}
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- injecting updates -----------------------------------------------------

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

    # -- webhook delivery ------------------------------------------------------

    def deliver_to_webhook(
        self,
        url: str | None,
        update: dict[str, Any],
        secret_token: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """POST ``update`` as JSON to a loopback webhook URL; returns the HTTP status.

        ``url=None`` uses the webhook registered with setWebhook (and its secret
        token). Blocking: from a coroutine use ``adeliver_to_webhook`` instead,
        or the webhook server sharing the event loop cannot answer."""
        if url is None:
            with self._lock:
                url = self._webhook.get("url") or ""
                secret_token = secret_token or self._webhook.get("secret_token")
            if not url:
                raise RuntimeError("no webhook set; pass a url")
        parts = urlsplit(url)
        if parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"refusing to contact non-loopback webhook {url!r}")
        if "update_id" not in update:
            with self._lock:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname,
                parts.port or 443,
                timeout=timeout,
                context=ssl._create_unverified_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port or 80, timeout=timeout
            )
        headers = {"Content-Type": "application/json"}
        if secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, json.dumps(update).encode("utf-8"), headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        finally:
            connection.close()
        with self._lock:
            self._webhook_deliveries.append(
                {"url": url, "update": copy.deepcopy(update), "status": status, "time": time.time()}
            )
            self._stats["webhook_deliveries"] += 1
            self._notify()
        return status

    async def adeliver_to_webhook(
        self,
        url: str | None,
        update: dict[str, Any],
        secret_token: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """``deliver_to_webhook`` from a coroutine (runs in a worker thread)."""
        return await asyncio.to_thread(self.deliver_to_webhook, url, update, secret_token, timeout)

    # -- waiting helpers -------------------------------------------------------

    def _messages_since_mark(self, chat_id: int) -> list[dict[str, Any]]:
        return [
            r for r in self._sent if r["chat_id"] == chat_id and r["seq"] > self._mark_message_seq
        ]

    def _check_messages(self, chat_id: int, count: int) -> list[dict[str, Any]] | None:
        found = self._messages_since_mark(chat_id)
        if len(found) >= count:
            return [copy.deepcopy(r) for r in found[:count]]
        return None

    def _check_calls(
        self, method: str, predicate: Callable[[ApiCall], bool] | None, count: int
    ) -> list[ApiCall] | None:
        found = [
            c
            for c in self._calls
            if c.seq > self._mark_call_seq
            and c.method == method
            and (predicate is None or predicate(c))
        ]
        return found[:count] if len(found) >= count else None

    def _check_idle(self, quiet: float) -> bool | None:
        pending = any(u["update_id"] > self._max_delivered_update_id for u in self._updates)
        if pending or self._inflight or time.monotonic() - self._last_activity < quiet:
            return None
        return True

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Await the first ``count`` messages sent to ``chat_id`` since clear()/mark()."""
        return await self._await(
            lambda: self._check_messages(chat_id, count),
            timeout,
            lambda: f"expected {count} message(s) to chat {chat_id} within {timeout}s",
            chat_id,
        )

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> ApiCall:
        """Await the first call of ``method`` (matching ``predicate``) since clear()/mark()."""
        (call,) = await self.wait_for_calls(method, 1, predicate, timeout)
        return call

    async def wait_for_calls(
        self,
        method: str,
        count: int,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[ApiCall]:
        """Await the first ``count`` calls of ``method`` since clear()/mark()."""
        return await self._await(
            lambda: self._check_calls(method, predicate, count),
            timeout,
            lambda: f"expected {count} {method} call(s) within {timeout}s",
        )

    async def wait_idle(self, timeout: float = 5.0, quiet: float = 0.1) -> None:
        """Await: every queued update fetched, no request in progress and no
        activity for ``quiet`` seconds (a heuristic for "the bot is done")."""
        await self._await(
            lambda: self._check_idle(quiet),
            timeout,
            lambda: f"emulator not idle within {timeout}s",
            poll=quiet / 2,
        )

    def wait_for_messages_sync(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Blocking twin of wait_for_messages, for threads not running the bot."""
        return self._wait_sync(
            lambda: self._check_messages(chat_id, count),
            timeout,
            lambda: f"expected {count} message(s) to chat {chat_id} within {timeout}s",
            chat_id,
        )

    def wait_for_call_sync(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> ApiCall:
        (call,) = self._wait_sync(
            lambda: self._check_calls(method, predicate, 1),
            timeout,
            lambda: f"expected a {method} call within {timeout}s",
        )
        return call

    def wait_idle_sync(self, timeout: float = 5.0, quiet: float = 0.1) -> None:
        self._wait_sync(
            lambda: self._check_idle(quiet),
            timeout,
            lambda: f"emulator not idle within {timeout}s",
            poll=quiet / 2,
        )

    async def _await(
        self,
        check: Callable[[], T | None],
        timeout: float,
        headline: Callable[[], str],
        chat_id: int | None = None,
        poll: float | None = None,
    ) -> T:
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        deadline = loop.time() + timeout
        with self._lock:
            self._async_waiters.add(waiter)
        try:
            while True:
                event.clear()
                with self._lock:
                    result = check()
                    if result is not None:
                        return result
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        raise AssertionError(headline() + "\n" + self._dump_locked(chat_id))
                wait = remaining if poll is None else min(remaining, poll)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait)
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    def _wait_sync(
        self,
        check: Callable[[], T | None],
        timeout: float,
        headline: Callable[[], str],
        chat_id: int | None = None,
        poll: float | None = None,
    ) -> T:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                result = check()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(headline() + "\n" + self._dump_locked(chat_id))
                self._cond.wait(remaining if poll is None else min(remaining, poll))

    def dump(self, chat_id: int | None = None) -> str:
        """A readable summary of recent activity (for failure messages)."""
        with self._lock:
            return self._dump_locked(chat_id)

    def _dump_locked(self, chat_id: int | None) -> str:
        lines = ["--- BotApiEmulator state ---"]
        messages = [r for r in self._sent if chat_id is None or r["chat_id"] == chat_id]
        lines.append(
            f"messages sent{'' if chat_id is None else f' to chat {chat_id}'} since clear(): "
            f"{len(messages)} ({len(self._messages_since_mark(chat_id)) if chat_id is not None else '-'} after mark)"
        )
        for record in messages[-15:]:
            body = record.get("text") or record.get("caption") or record.get("document_name")
            lines.append(
                f"  #{record['message_id']} chat={record['chat_id']} {record['kind']}: {str(body)[:160]!r}"
            )
        calls = [c for c in self._calls if c.method != "getUpdates"]
        lines.append(f"calls (excluding getUpdates): {len(calls)}; last ones:")
        for call in calls[-20:]:
            summary = {k: v for k, v in call.params.items() if k in {"chat_id", "message_id"}}
            outcome = "ok" if call.ok else f"{call.status} {call.description}"
            lines.append(f"  {call.method} {summary} -> {outcome}")
        polls = sum(1 for c in self._calls if c.method == "getUpdates")
        lines.append(f"getUpdates calls: {polls}; queued updates: {len(self._updates)}")
        for update in self._updates[:10]:
            lines.append(f"  {json.dumps(update, ensure_ascii=False)[:200]}")
        if self._unknown_methods:
            lines.append(f"unknown methods called: {self._unknown_methods}")
        if self._internal_errors:
            lines.append("emulator internal errors:")
            lines.extend(f"  {e}" for e in self._internal_errors[-3:])
        if self._faults:
            lines.append(f"pending faults: {[(f['method'], f['times']) for f in self._faults]}")
        return "\n".join(lines)

    def _notify(self) -> None:
        """Wake sync and async waiters. Caller holds the lock."""
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop closed
                self._async_waiters.discard((loop, event))

    # -- HTTP handling -----------------------------------------------------------

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    @staticmethod
    def _read_body(handler: _Handler) -> bytes:
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    @staticmethod
    def _respond(
        handler: _Handler,
        status: int,
        body: bytes,
        content_type: str = "application/json",
    ) -> None:
        try:
            handler.log_request(status)
            phrase = handler.responses.get(status, ("",))[0]
            head = (
                f"HTTP/1.1 {status} {phrase}\r\n"
                f"Server: BotApiEmulator\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n"
                + ("Connection: close\r\n" if handler.close_connection else "")
                + "\r\n"
            )
            handler.wfile.write(head.encode("latin-1") + body)  # one write, one packet
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    def _respond_json(self, handler: _Handler, status: int, payload: dict[str, Any]) -> None:
        self._respond(handler, status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def _handle_http(self, handler: _Handler) -> None:
        started = time.time()
        try:
            body = self._read_body(handler)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        url = urlsplit(handler.path)
        path = unquote(url.path)
        if path.startswith("/file/bot"):
            self._serve_file(handler, path[len("/file/bot") :])
            return
        if not path.startswith("/bot"):
            self._respond_json(
                handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        token, _, method = path[len("/bot") :].partition("/")
        method = method.strip("/")
        try:
            raw: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
            files: dict[str, UploadedFile] = {}
            content_type = handler.headers.get("Content-Type", "")
            lowered = content_type.lower()
            if body and lowered.startswith("multipart/form-data"):
                fields, files = parse_multipart(body, content_type)
                raw.update(fields)
            elif body and lowered.startswith("application/json"):
                loaded = json.loads(body.decode("utf-8"))
                if not isinstance(loaded, dict):
                    raise _bad("can't parse JSON object")
                raw.update(loaded)
            elif body:
                raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            params = decode_params(raw)
            parse_error = None
        except (ValueError, _ApiError) as exc:
            params, files = {}, {}
            parse_error = exc if isinstance(exc, _ApiError) else _bad(f"can't parse request: {exc}")
        status, payload = self._process(token, method, params, files, started, parse_error)
        if payload is None:  # injected connection drop
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self._respond_json(handler, status, payload)

    def _serve_file(self, handler: _Handler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        with self._lock:
            found = None
            if token == self.token:
                found = next((f for f in self._files.values() if f["file_path"] == file_path), None)
            self._stats["file_downloads"] += 1
        if found is None:
            self._respond_json(
                handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        self._respond(
            handler, 200, found["content"], found["mime_type"] or "application/octet-stream"
        )

    def _process(
        self,
        token: str,
        method_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        started: float,
        parse_error: _ApiError | None,
    ) -> tuple[int, dict[str, Any] | None]:
        method = self._canonical.get(method_name.lower(), method_name)
        polling = method == "getUpdates"
        with self._lock:
            self._last_activity = time.monotonic()
            if not polling:
                self._inflight += 1
            status = 200
            payload: dict[str, Any] | None
            try:
                result = self._dispatch(token, method, params, files, parse_error)
                payload = {"ok": True, "result": result}
            except _DropConnection:
                status, payload = 0, None
            except _ApiError as exc:
                status, payload = exc.code, exc.payload()
            except Exception as exc:  # an emulator bug: answer 500 and keep it visible
                import traceback

                self._internal_errors.append(
                    f"{method} {params!r}: {exc!r}\n{traceback.format_exc()}"
                )
                status = 500
                payload = {
                    "ok": False,
                    "error_code": 500,
                    "description": f"Internal Server Error: emulator bug: {exc!r}",
                }
            finally:
                if not polling:
                    self._inflight -= 1
            self._last_call_seq += 1
            call = ApiCall(
                seq=self._last_call_seq,
                method=method,
                params=params,
                time=started,
                files=files,
                status=status,
                response=payload,
                duration=time.time() - started,
            )
            self._calls.append(call)
            stats = self._stats
            stats["calls"] += 1
            stats[method] += 1
            outcome = "dropped" if payload is None else str(status)
            stats[outcome] += 1
            stats[f"{method}:{outcome}"] += 1
            stats["ok" if status == 200 else "error"] += 1
            self._last_activity = time.monotonic()
            self._notify()
            return status, payload

    def _dispatch(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        parse_error: _ApiError | None,
    ) -> Any:
        """Run one API method with the lock held; raises _ApiError on failures."""
        if token != self.token:
            raise _ApiError(401, "Unauthorized")
        if not method:
            raise _ApiError(404, "Not Found")
        if parse_error is not None:
            raise parse_error
        self._apply_faults(method, params)
        handler = self._methods.get(method)
        if handler is None:
            self._unknown_methods.append(method)
            raise _ApiError(404, "Not Found: method not found")
        if method in BLOCKABLE_METHODS and self._chat_id_of(params) in self.blocked_chats:
            raise _ApiError(403, BLOCKED)
        if method in MESSAGE_METHODS:
            self._check_flood(params)
        result = handler(params, files)
        if method in MESSAGE_METHODS:
            self._count_send(params)
        return result

    def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        chat_id = self._chat_id_of(params)
        for fault in self._faults:
            wanted = fault["method"]
            if wanted == "*" and method == "getUpdates":
                continue
            if wanted not in {"*", method.lower()}:
                continue
            if fault["chat_id"] is not None and fault["chat_id"] != chat_id:
                continue
            fault["times"] -= 1
            if fault["times"] <= 0:
                self._faults.remove(fault)
            if fault["error"] is None:
                raise _DropConnection
            error: _ApiError = fault["error"]
            raise _ApiError(
                error.code, error.description, copy.deepcopy(error.parameters)
            ) from None

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

    def _check_flood(self, params: dict[str, Any]) -> None:
        now = time.monotonic()
        if self.rate_limit:
            if self.rate_limit >= 1:
                capacity, window = int(self.rate_limit), 1.0
            else:
                capacity, window = 1, 1.0 / self.rate_limit
            while self._send_times and self._send_times[0] <= now - window:
                self._send_times.popleft()
            if len(self._send_times) >= capacity:
                self._flood(self._send_times[0] + window - now)
        chat_id = self._chat_id_of(params)
        if self.per_chat_interval and chat_id is not None:
            last = self._chat_send_times.get(chat_id)
            if last is not None and now - last < self.per_chat_interval:
                self._flood(last + self.per_chat_interval - now)

    def _flood(self, wait: float) -> None:
        retry_after = max(1, math.ceil(wait))
        self._stats["rate_limited"] += 1
        raise _ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _count_send(self, params: dict[str, Any]) -> None:
        now = time.monotonic()
        if self.rate_limit:
            self._send_times.append(now)
        chat_id = self._chat_id_of(params)
        if chat_id is not None:
            self._chat_send_times[chat_id] = now

    # -- Telegram-side helpers (lock held) -------------------------------------------

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
            raise _bad(f"{key} is empty")
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
            raise _bad("chat not found")
        if chat_id not in self._chats:
            if self.strict_chats:
                raise _bad("chat not found")
            self._chats[chat_id] = self._new_chat(chat_id, None)
        return chat_id

    def _alloc_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _register_file(
        self, content: bytes, file_name: str | None, mime_type: str | None, folder: str
    ) -> dict[str, Any]:
        """Store bytes; returns {file_id, file_unique_id, file_size}. Lock held."""
        number = next(self._file_seq)
        file_id = f"BQACAgEAAxkBAAIE{number:08d}{'x' * 20}"
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        entry = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:08d}",
            "file_size": len(content),
            "file_path": f"{folder}/file_{number}{extension}",
            "content": content,
            "file_name": file_name,
            "mime_type": mime_type,
        }
        self._files[file_id] = entry
        return {
            "file_id": file_id,
            "file_unique_id": entry["file_unique_id"],
            "file_size": len(content),
        }

    @staticmethod
    def _photo_sizes(file: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {**file, "width": 90, "height": 90},
            {**file, "width": 800, "height": 800},
        ]

    @staticmethod
    def _parse_markup(value: Any) -> dict[str, Any] | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
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
                        raise _bad("can't parse inline keyboard button: Text must be non-empty")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        size = len(str(data).encode("utf-8"))
                        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                            raise _bad("BUTTON_DATA_INVALID")
                    elif "url" in button:
                        if not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                            raise _bad("BUTTON_URL_INVALID")
                    elif not actions & button.keys():
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                        )
        elif "keyboard" in value:
            rows = value["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'can\'t parse keyboard button: field "keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not text:
                        raise _bad("keyboard button text must be non-empty")
        elif not ({"remove_keyboard", "force_reply"} & value.keys()):
            raise _bad("can't parse reply keyboard markup JSON object")
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
            raise _bad("message text is empty")
        if len(plain) > limit:
            raise _bad("message is too long" if what == "text" else "message caption is too long")
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
            raise _bad("message to be replied not found")
        return int(message_id) if exists else None

    def _topic_of(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """The forum topic a new message goes to; Telegram's errors for a wrong one."""
        value = params.get("message_thread_id")
        if value in (None, "", 0):
            return None
        if not isinstance(value, int):
            raise _ApiError(400, THREAD_NOT_FOUND)
        topic = self._topics.get((chat_id, value))
        if topic is None:
            raise _ApiError(400, THREAD_NOT_FOUND)
        if topic["closed"]:
            raise _ApiError(400, TOPIC_CLOSED)
        return value

    def _forum_topic(self, params: dict[str, Any]) -> tuple[int, int, dict[str, Any]]:
        chat_id = self._resolve_chat(params)
        if not self._chats[chat_id].get("is_forum"):
            raise _ApiError(400, NOT_A_FORUM)
        thread_id = params.get("message_thread_id")
        topic = self._topics.get((chat_id, thread_id)) if isinstance(thread_id, int) else None
        if topic is None:
            raise _ApiError(400, TOPIC_ID_INVALID)
        return chat_id, int(thread_id), topic  # type: ignore[arg-type]

    def _message_json(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        record = self._messages.get((chat_id, message_id))
        if record is not None:
            return record["message"]
        return self._user_messages.get((chat_id, message_id))

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

    def _file_param(
        self, params: dict[str, Any], files: dict[str, UploadedFile], name: str
    ) -> tuple[UploadedFile | None, str | None]:
        """An uploaded file (multipart or attach://) or a file_id/URL string."""
        value = params.get(name)
        if name in files:
            return files[name], None
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.get(value[len("attach://") :])
            if attached is None:
                raise _bad(f"wrong file identifier/HTTP URL specified: {value}")
            return attached, None
        if isinstance(value, str) and value:
            return None, value
        raise _bad(f"there is no {name} in the request")

    def _check_upload(self, upload: UploadedFile) -> None:
        if not upload.content:
            raise _bad("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise _ApiError(413, "Request Entity Too Large")

    # -- API methods (lock held) --------------------------------------------------

    def _m_true(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        return True

    def _m_get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_get_updates(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[dict[str, Any]]:
        if self._webhook.get("url"):
            raise _ApiError(
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
                raise _ApiError(409, STANDARD_DESCRIPTIONS[409])
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

    def _m_set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("secret token contains unallowed characters")
        if url and not re.match(r"https?://", url):
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(a) for a in params["allowed_updates"]]
        self._webhook = {"url": url}
        if url:
            self._webhook.update(
                {
                    "secret_token": secret,
                    "max_connections": int(params.get("max_connections") or 40),
                    "ip_address": params.get("ip_address"),
                    "allowed_updates": params.get("allowed_updates"),
                }
            )
        self._poll_generation += 1  # a pending getUpdates now conflicts
        return True

    def _m_delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": ""}
        return True

    def _m_get_webhook_info(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if info["url"]:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            for key in ("ip_address", "allowed_updates"):
                if self._webhook.get(key):
                    info[key] = self._webhook[key]
        return info

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if isinstance(scope, str):
            with contextlib.suppress(ValueError):
                scope = json.loads(scope)
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _m_set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_get_my_commands(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[dict[str, Any]]:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _m_delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._scope_key(params.get("scope"), params.get("language_code")), None)
        return True

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

    def _m_send_document(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        upload, reference = self._file_param(params, files, "document")
        caption_content, caption_fields = self._caption(params)
        if upload is not None:
            self._check_upload(upload)
            name = upload.filename or "document"
            mime = (
                upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            )
            file = self._register_file(upload.content, name, mime, "documents")
            content_bytes: bytes | None = upload.content
        else:
            existing = self._files.get(reference or "")
            if existing is not None:
                name, mime, content_bytes = (
                    existing["file_name"] or "document",
                    existing["mime_type"],
                    existing["content"],
                )
                file = {
                    "file_id": existing["file_id"],
                    "file_unique_id": existing["file_unique_id"],
                    "file_size": existing["file_size"],
                }
            elif reference and re.match(r"https?://", reference):
                name = reference.rsplit("/", 1)[-1] or "document"
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                content_bytes = None  # never fetched: no network access
                file = self._register_file(b"", name, mime, "documents")
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
        document = {**file, "file_name": name, "mime_type": mime}
        record = self._new_bot_message(
            "sendDocument",
            "document",
            chat_id,
            params,
            {"document": document, **caption_content},
            {
                "document_name": name,
                "document_bytes": content_bytes,
                "document_mime": mime,
                "file_id": file["file_id"],
                **caption_fields,
            },
        )
        return copy.deepcopy(record["message"])

    def _m_send_photo(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        upload, reference = self._file_param(params, files, "photo")
        caption_content, caption_fields = self._caption(params)
        photo_bytes: bytes | None = None
        if upload is not None:
            self._check_upload(upload)
            photo_bytes = upload.content
            file = self._register_file(
                upload.content, upload.filename, upload.content_type or "image/jpeg", "photos"
            )
        else:
            existing = self._files.get(reference or "")
            if existing is not None:
                photo_bytes = existing["content"]
                file = {
                    "file_id": existing["file_id"],
                    "file_unique_id": existing["file_unique_id"],
                    "file_size": existing["file_size"],
                }
            elif reference and re.match(r"https?://", reference):
                file = self._register_file(b"", None, "image/jpeg", "photos")
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
        record = self._new_bot_message(
            "sendPhoto",
            "photo",
            chat_id,
            params,
            {"photo": self._photo_sizes(file), **caption_content},
            {
                "photo_bytes": photo_bytes,
                "photo_file_id": reference if upload is None else None,
                "file_id": file["file_id"],
                **caption_fields,
            },
        )
        return copy.deepcopy(record["message"])

    def _m_copy_message(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, int]:
        chat_id = self._resolve_chat(params)
        from_chat_id = self._resolve_chat(params, "from_chat_id")
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad("message_id is empty")
        source = self._message_json(from_chat_id, message_id)
        source_record = self._messages.get((from_chat_id, message_id))
        if source is None or (source_record is not None and source_record["deleted"]):
            raise _bad("message to copy not found")
        content = {k: copy.deepcopy(v) for k, v in source.items() if k in COPYABLE_FIELDS}
        if not content:
            raise _bad("message can't be copied")
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

    def _m_create_forum_topic(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        chat = self._chats[chat_id]
        if not chat.get("is_forum"):
            raise _ApiError(400, NOT_A_FORUM)
        name = params.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise _ApiError(400, TOPIC_NAME_INVALID)
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
            raise _ApiError(400, TOPIC_NAME_INVALID)
        if name is None or name == topic["name"]:
            raise _ApiError(400, TOPIC_NOT_MODIFIED)
        topic["name"] = name
        return True

    def _m_close_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        _chat_id, _thread_id, topic = self._forum_topic(params)
        if topic["closed"]:
            raise _ApiError(400, TOPIC_NOT_MODIFIED)
        topic["closed"] = True
        return True

    def _m_reopen_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        _chat_id, _thread_id, topic = self._forum_topic(params)
        if not topic["closed"]:
            raise _ApiError(400, TOPIC_NOT_MODIFIED)
        topic["closed"] = False
        return True

    def _m_delete_forum_topic(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        chat_id, thread_id, _topic = self._forum_topic(params)
        del self._topics[(chat_id, thread_id)]
        return True

    def _m_get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        entry = self._files.get(str(params.get("file_id") or ""))
        if entry is None:
            raise _bad("invalid file_id")
        if entry["file_size"] > 20 * 1024 * 1024:
            raise _bad("file is too big")
        return {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
            "file_path": entry["file_path"],
        }

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat_id = self._resolve_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad("message identifier is not specified")
        record = self._messages.get((chat_id, message_id))
        if record is None or record["deleted"]:
            if (chat_id, message_id) in self._user_messages:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
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
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
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
            raise _bad("there is no text in the message to edit")
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
            raise _bad("there is no caption in the message to edit")
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
        raise _bad("message to delete not found")

    def _m_answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._open_callbacks.pop(query_id, None)
        if query is None:
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            self._open_callbacks[query_id] = query
            raise _bad("MESSAGE_TOO_LONG")
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
            raise _bad("wrong parameter action in request")
        return True


class _DropConnection(Exception):
    """Raised inside dispatch to close the socket without an answer."""
