"""Message formatting as Telegram parses it: HTML, MarkdownV2 and legacy Markdown into
plain text and entities (offsets and lengths in UTF-16 code units), and the entities
Telegram attaches to what users type (/commands, @mentions, URLs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from telegram_emulator.protocol import bad


class _EntityError(Exception):
    pass


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
    """Plain text and entities for ``parse_mode``; raises ``ApiError`` 400 when malformed."""
    mode = (parse_mode or "").lower()
    parser = {
        "html": parse_html,
        "markdownv2": parse_markdown_v2,
        "markdown": parse_markdown,
    }.get(mode)
    if not mode:
        return text, []
    if parser is None:
        raise bad(f"unsupported parse_mode {parse_mode!r}")
    try:
        return parser(text)
    except _EntityError as exc:
        raise bad(f"can't parse entities: {exc}") from None


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
