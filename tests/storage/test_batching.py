"""Opportunistic batching: callers waiting at the same moment share one batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.storage.batching import Batcher


class Recorder:
    """A batch function that remembers the batches it was given."""

    def __init__(self, fail_on: object = None, fail_batch: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.fail_batch = fail_batch

    async def __call__(self, items: list[int]) -> Sequence[int | BaseException]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a round trip: later callers queue meanwhile
        if self.fail_batch and len(self.batches) == 1:
            raise ConnectionError("database went away")
        return [ValueError(f"bad {i}") if i == self.fail_on else i * 10 for i in items]


async def test_callers_waiting_together_share_one_batch() -> None:
    run = Recorder()
    batcher = Batcher(run)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(20)))
    assert results == [i * 10 for i in range(20)]
    assert run.batches == [list(range(20))]


async def test_a_lone_caller_is_served_in_a_batch_of_its_own() -> None:
    run = Recorder()
    batcher = Batcher(run)
    assert await batcher.submit(7) == 70
    assert run.batches == [[7]]


async def test_callers_arriving_during_a_batch_form_the_next_one() -> None:
    run = Recorder()
    batcher = Batcher(run)
    first = asyncio.create_task(batcher.submit(1))
    await asyncio.sleep(0.001)  # the first batch is now running
    later = await asyncio.gather(*(batcher.submit(i) for i in (2, 3, 4)))
    assert await first == 10 and later == [20, 30, 40]
    assert run.batches == [[1], [2, 3, 4]]


async def test_batches_never_exceed_the_maximum_size() -> None:
    run = Recorder()
    batcher = Batcher(run, max_size=8)
    await asyncio.gather(*(batcher.submit(i) for i in range(20)))
    assert [len(b) for b in run.batches] == [8, 8, 4]


async def test_an_items_failure_reaches_only_its_caller() -> None:
    batcher = Batcher(Recorder(fail_on=2))
    results = await asyncio.gather(*(batcher.submit(i) for i in range(4)), return_exceptions=True)
    assert results[:2] == [0, 10] and results[3] == 30
    assert isinstance(results[2], ValueError)


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_runs() -> None:
    run = Recorder(fail_batch=True)
    batcher = Batcher(run)
    first = asyncio.gather(*(batcher.submit(i) for i in (1, 2)), return_exceptions=True)
    await asyncio.sleep(0.001)
    second = asyncio.gather(*(batcher.submit(i) for i in (3, 4)))
    assert all(isinstance(r, ConnectionError) for r in await first)
    assert await second == [30, 40]


async def test_a_caller_that_gives_up_does_not_disturb_the_others() -> None:
    batcher = Batcher(Recorder())
    impatient = asyncio.create_task(batcher.submit(1))
    patient = asyncio.create_task(batcher.submit(2))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await patient == 20
