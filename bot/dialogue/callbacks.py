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


def decode(data: str | None) -> Callback:
    if not data:
        return Callback("")
    action, *args = data.split(SEPARATOR)
    return Callback(action, tuple(args))
