"""Names for the ids that figures are counted by (entries, regions)."""

from __future__ import annotations

from collections.abc import Callable

from bot.knowledge.loader import KnowledgeBase


def namer(kb: KnowledgeBase) -> Callable[[str], str]:
    def name(key: str) -> str:
        if key in kb.entries:
            return kb.entries[key].title
        if key in kb.regions:
            return kb.regions[key].name
        return key

    return name
