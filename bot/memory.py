"""Keeps the objects that live as long as the process out of the collector's way.

Once the bot is up, nearly everything in memory (the knowledge base and its
retrieval index, the database engine, the Telegram application) stays until
exit. Python's full garbage collections still walk all of it, and under load
each of those walks paused every chat for up to ~100 ms (measured with
gc.callbacks while running benchmarks/bot_throughput.py). `gc.freeze()` moves
what exists into a generation the collector skips; objects created afterwards
are collected as usual.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Call once the bot has started."""
    gc.freeze()


def refreeze_after_reload() -> None:
    """A knowledge reload leaves the old base among the frozen objects, where it would
    never be freed: thaw, collect it, and freeze what is alive now. Costs one full
    collection per reload, a rare staff action."""
    if gc.get_freeze_count() == 0:
        return  # never frozen (the CLI, tests): nothing held back
    gc.unfreeze()
    gc.collect()
    gc.freeze()
