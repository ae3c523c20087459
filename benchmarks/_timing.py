"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_calls(func: Callable[[Any], Any], inputs: Iterable[Any], repeat: int = 1) -> list[float]:
    """Milliseconds per call."""
    samples: list[float] = []
    items = list(inputs)
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            func(item)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    return (
        f"p50 {percentile(samples, 50):.3f} ms · p99 {percentile(samples, 99):.3f} ms · "
        f"mean {statistics.fmean(samples):.3f} ms · n={len(samples)}"
    )
