"""What the bot did, for assertions: calls, messages sent, edits, callback answers and
counters, as snapshots; ``clear``/``mark`` to start afresh and ``dump`` for failure messages.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

from telegram_emulator.protocol import ApiCall
from telegram_emulator.state import EmulatorState


class RecordingMixin(EmulatorState):
    """Snapshots of the records (each taken under the lock)."""

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
    def stats(self) -> Counter[str]:
        """Counters: "calls", each method name, each HTTP status ("200", "429", ...),
        "<method>:<status>", "ok", "error", "rate_limited", "dropped", "updates_pushed",
        "updates_delivered"."""
        with self._lock:
            return Counter(self._stats)

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
