"""Opportunistic batching: what concurrent callers submit runs as one batch.

Under load, many conversations need the database at the same moment; each
round trip (and, on SQLite, each hop to the driver's thread) costs far more
than the rows it carries. A `Batcher` lets every caller await its own result
while the work of all callers waiting at that moment is done together. It
never waits on purpose: a lone caller's batch starts on the next turn of the
event loop, and whoever arrives while a batch is running forms the next one.
So an idle bot answers as fast as before, and a busy one does fewer, larger
transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

BatchRun = Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]


class Batcher(Generic[T, R]):
    def __init__(self, run: BatchRun[T, R], max_size: int = 64) -> None:
        """`run` gets the items of one batch and returns, in the same order, each
        item's result, or the exception that item's caller should see."""
        self._run = run
        self.max_size = max_size
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # how many batches ran: for tests and metrics

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_size]
            del self._queue[: self.max_size]
            self.batches += 1
            try:
                results = await self._run([item for item, _ in batch])
            except BaseException as exc:  # every caller of this batch sees the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise  # cancellation or exit: stop draining
                continue
            if len(results) != len(batch):
                error = RuntimeError(f"batch of {len(batch)} returned {len(results)} results")
                results = [error] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # its caller gave up waiting
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
