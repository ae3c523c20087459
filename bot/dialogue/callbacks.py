"""Button payloads: built and parsed here only, always within Telegram's 64 bytes.

A payload is a short action code and its arguments joined by ':'. Buttons carry
everything they need (the CITE flow's buttons carry the sector and region
chosen so far), so a button still works after a restart or on another replica,
and one whose arguments no longer exist is recognised as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
SEPARATOR = ":"
MAX_NUMBER = 2**31 - 1  # lead and campaign ids are INTEGER columns on PostgreSQL


class CallbackTooLong(ValueError):
    """A payload would exceed Telegram's 64 bytes: a programming error, caught by tests."""


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default


def encode(action: str, *args: str | int) -> str:
    parts = [action, *(str(a) for a in args)]
    if any(SEPARATOR in p for p in parts):
        raise ValueError(f"':' is reserved in callback data: {parts!r}")
    data = SEPARATOR.join(parts)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


def number(arg: str) -> int | None:
    """A number this module encoded (an id, a page); None for anything else.

    Only ASCII 0-9 ('²'.isdigit() is true, int('²') fails) and at most MAX_NUMBER:
    a larger id made the query fail (PostgreSQL's INTEGER, SQLite's 64 bits), and
    int() of a string of over 4,300 digits raises.
    """
    if not (0 < len(arg) <= len(str(MAX_NUMBER)) and arg.isascii() and arg.isdigit()):
        return None
    value = int(arg)
    return value if value <= MAX_NUMBER else None


def decode(data: str | None) -> Callback:
    if not data:
        return Callback("")
    action, *args = data.split(SEPARATOR)
    return Callback(action, tuple(args))
