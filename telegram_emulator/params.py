"""Decoding a request's parameters the way python-telegram-bot sends them: query
strings, form-urlencoded and JSON bodies, and multipart/form-data with files.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any
from urllib.parse import unquote

from telegram_emulator.protocol import UploadedFile, bad

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
        raise bad("can't parse multipart request: no boundary")
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
