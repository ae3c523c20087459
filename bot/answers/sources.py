"""Which source a reply shows: one line, the most authoritative source first.

An official gob.pe page or the legal norm in El Peruano goes before press and blogs;
otherwise the curator's order is kept.
"""

from __future__ import annotations

import re

from bot.knowledge.schema import Source

_OFFICIAL = re.compile(r"^https?://([a-z0-9-]+\.)*(gob\.pe|elperuano\.pe)(:\d+)?/")


def is_official(url: str) -> bool:
    return _OFFICIAL.match(url.lower()) is not None


def by_authority(sources: list[Source]) -> list[Source]:
    """The sources, official ones first, otherwise in curator order."""
    return sorted(sources, key=lambda s: not is_official(str(s.url)))
