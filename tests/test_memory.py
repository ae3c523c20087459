"""Long-lived objects are frozen out of the collector's scans, and a reload still frees the old base."""

from __future__ import annotations

import gc
import weakref

from bot.memory import freeze_long_lived, refreeze_after_reload


class _Node:
    """Part of a reference cycle, so only the garbage collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_a_reload_lets_the_collector_free_the_old_knowledge_base() -> None:
    old = _Node()
    gone = weakref.ref(old)
    freeze_long_lived()
    del old
    gc.collect()
    assert gone() is not None  # frozen: full collections skip it
    refreeze_after_reload()
    assert gone() is None
    assert gc.get_freeze_count() > 0  # what is alive now is frozen again


def test_a_reload_without_a_freeze_leaves_the_collector_alone() -> None:
    gc.unfreeze()
    refreeze_after_reload()
    assert gc.get_freeze_count() == 0
