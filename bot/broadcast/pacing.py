"""Time for the engine: an injectable clock, the global rate limit and retry backoff.

The rate limit is fixed spacing, not a token bucket: a bucket lets a burst
through after an idle moment, and Telegram's ~30 messages/second limit is
measured over any one-second window, so a burst on top of a steady 25/s would
earn 429s. With one send every 1/rate seconds no window ever holds more than
`rate` sends. A late send does not create a debt to catch up, for the same
reason: throughput may dip below the rate, never above it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Protocol

#: Telegram's documented ceiling for bulk notifications, whatever the settings say.
MAX_RATE = 30.0


class Clock(Protocol):
    """Monotonic seconds for pacing, wall time (aware UTC) for leases and quiet hours."""

    def monotonic(self) -> float: ...

    def now(self) -> dt.datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class Pacer:
    """Spaces sends `1/rate` seconds apart and holds everyone after a 429 or an error."""

    def __init__(self, rate: float, clock: Clock) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = min(float(rate), MAX_RATE)
        self.interval = 1.0 / self.rate
        self._clock = clock
        self._next = float("-inf")

    def delay(self) -> float:
        """Seconds until the next send may leave (0 when it may leave now)."""
        return max(0.0, self._next - self._clock.monotonic())

    def hold(self, seconds: float) -> None:
        """Nobody sends for `seconds` from now (a 429's retry_after, a backoff)."""
        self._next = max(self._next, self._clock.monotonic() + seconds)

    def take(self) -> None:
        """A send leaves now: the next one waits one interval."""
        self._next = max(self._next, self._clock.monotonic()) + self.interval


def backoff(failures: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Seconds to wait after the n-th consecutive transient failure: 1, 2, 4, … capped."""
    return min(cap, base * 2 ** max(0, failures - 1))
