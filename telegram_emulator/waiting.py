"""Waiting for the bot: coroutines that await messages, calls or quiet (so the bot keeps
running in the same event loop), and blocking ``*_sync`` twins for other threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Callable
from typing import Any, TypeVar

from telegram_emulator.protocol import ApiCall
from telegram_emulator.state import EmulatorState

T = TypeVar("T")


class WaitingMixin(EmulatorState):
    """``wait_*`` helpers; on timeout they raise AssertionError with a ``dump``."""

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
