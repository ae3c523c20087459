"""Faults and limits: injected errors (``fail_next``), dropped connections, chats that
blocked the bot, and Telegram-like flood limits answered with 429 and ``retry_after``.
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any

from telegram_emulator.protocol import STANDARD_DESCRIPTIONS, ApiError, DropConnection
from telegram_emulator.state import EmulatorState

#: Methods that create a message in a chat (subject to flood limits).
MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "copyMessage"})


#: Methods refused with 403 when the target chat is in ``blocked_chats``.
BLOCKABLE_METHODS = MESSAGE_METHODS | {
    "sendChatAction",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
}


BLOCKED = "Forbidden: bot was blocked by the user"


class FaultsMixin(EmulatorState):
    """Injecting faults and enforcing flood limits."""

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
                    "error": ApiError(
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
                raise DropConnection
            error: ApiError = fault["error"]
            raise ApiError(error.code, error.description, copy.deepcopy(error.parameters)) from None

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
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _count_send(self, params: dict[str, Any]) -> None:
        now = time.monotonic()
        if self.rate_limit:
            self._send_times.append(now)
        chat_id = self._chat_id_of(params)
        if chat_id is not None:
            self._chat_send_times[chat_id] = now
