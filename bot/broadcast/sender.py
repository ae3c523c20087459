"""What the engine needs from a messaging platform: send one message, say how it went.

The engine decides what to do with each outcome (wait, retry, mark blocked,
give up); a Sender only translates its platform's answer into a `SendResult`,
so the rules live in one place and are tested without Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

ResultKind = Literal["ok", "retry_after", "blocked", "failed"]


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send.

    ok: delivered. retry_after: flood limit hit, nothing delivered; wait
    `seconds` (everyone, not only this chat) and retry. blocked: the person
    blocked the bot or cannot be written to. failed: not delivered; `permanent`
    failures (e.g. chat not found) are never retried, transient ones (network
    errors, 5xx) are retried a bounded number of times.
    """

    kind: ResultKind
    seconds: float = 0.0
    reason: str | None = None
    permanent: bool = False

    @classmethod
    def ok(cls) -> SendResult:
        return cls("ok")

    @classmethod
    def retry_after(cls, seconds: float) -> SendResult:
        return cls("retry_after", seconds=max(0.0, float(seconds)))

    @classmethod
    def blocked(cls, reason: str | None = None) -> SendResult:
        return cls("blocked", reason=reason, permanent=True)

    @classmethod
    def failed(cls, reason: str, permanent: bool) -> SendResult:
        return cls("failed", reason=reason, permanent=permanent)


class SenderUnavailable(Exception):
    """The sender cannot send to anyone (e.g. the token was revoked).

    Raised instead of returning a failure so the engine stops at once and
    leaves every delivery pending, rather than failing the whole list. The
    message is a Spanish line safe to show staff.
    """


class Sender(Protocol):
    async def send(self, chat_id: int, text: str, photo: str | None) -> SendResult:
        """Send `text` to `chat_id` (as the caption of `photo` when one is given)."""
        ...
