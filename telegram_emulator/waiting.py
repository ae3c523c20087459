"""Waiting for the bot: coroutines that await messages, calls or quiet (so the bot keeps
running in the same event loop), and blocking ``*_sync`` twins for other threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram_emulator.protocol import ApiCall
from telegram_emulator.state import EmulatorState

T = TypeVar("T")


@dataclass(frozen=True)
class _Wait(Generic[T]):
    """What a ``wait_*`` helper waits for: ``check`` (run with the lock held) answers the
    result, or None while it is not there yet; ``headline`` says what was expected."""

    check: Callable[[], T | None]
    timeout: float
    headline: str
    chat_id: int | None = None
    poll: float | None = None

    def pause(self, remaining: float) -> float:
        """How long to sleep before checking again (woken earlier by any activity)."""
        return remaining if self.poll is None else min(remaining, self.poll)


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

    def _messages_wait(
        self, chat_id: int, count: int, timeout: float
    ) -> _Wait[list[dict[str, Any]]]:
        return _Wait(
            lambda: self._check_messages(chat_id, count),
            timeout,
            f"expected {count} message(s) to chat {chat_id} within {timeout}s",
            chat_id,
        )

    def _idle_wait(self, timeout: float, quiet: float) -> _Wait[bool]:
        return _Wait(
            lambda: self._check_idle(quiet),
            timeout,
            f"emulator not idle within {timeout}s",
            poll=quiet / 2,
        )

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Await the first ``count`` messages sent to ``chat_id`` since clear()/mark()."""
        return await self._await(self._messages_wait(chat_id, count, timeout))

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
            _Wait(
                lambda: self._check_calls(method, predicate, count),
                timeout,
                f"expected {count} {method} call(s) within {timeout}s",
            )
        )

    async def wait_idle(self, timeout: float = 5.0, quiet: float = 0.1) -> None:
        """Await: every queued update fetched, no request in progress and no
        activity for ``quiet`` seconds (a heuristic for "the bot is done")."""
        await self._await(self._idle_wait(timeout, quiet))

    def wait_for_messages_sync(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Blocking twin of wait_for_messages, for threads not running the bot."""
        return self._wait_sync(self._messages_wait(chat_id, count, timeout))

    def wait_for_call_sync(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> ApiCall:
        (call,) = self._wait_sync(
            _Wait(
                lambda: self._check_calls(method, predicate, 1),
                timeout,
                f"expected a {method} call within {timeout}s",
            )
        )
        return call

    def wait_idle_sync(self, timeout: float = 5.0, quiet: float = 0.1) -> None:
        self._wait_sync(self._idle_wait(timeout, quiet))

    def _ready_locked(self, wait: _Wait[T], remaining: float) -> T | None:
        """The awaited result, None to keep waiting; AssertionError once time is up."""
        result = wait.check()
        if result is None and remaining <= 0:
            raise AssertionError(wait.headline + "\n" + self._dump_locked(wait.chat_id))
        return result

    async def _await(self, wait: _Wait[T]) -> T:
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        deadline = loop.time() + wait.timeout
        with self._lock:
            self._async_waiters.add(waiter)
        try:
            while True:
                event.clear()
                with self._lock:
                    remaining = deadline - loop.time()
                    result = self._ready_locked(wait, remaining)
                if result is not None:
                    return result
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait.pause(remaining))
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    def _wait_sync(self, wait: _Wait[T]) -> T:
        deadline = time.monotonic() + wait.timeout
        with self._lock:
            while True:
                remaining = deadline - time.monotonic()
                result = self._ready_locked(wait, remaining)
                if result is not None:
                    return result
                self._cond.wait(wait.pause(remaining))
