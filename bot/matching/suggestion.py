"""What CITE matching returns: a centre that fits a business, and why.

A plain value: the answers engine puts it in its `AskResult`, the dialogue renders it as a
card, `mypebot match --json` prints it. It lives with matching, which produces it, so
matching never has to reach up into the answers package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CiteService:
    name: str
    circular: bool


@dataclass(frozen=True)
class CiteSuggestion:
    id: str
    name: str
    region: str
    city: str | None
    why: str
    services: list[CiteService] = field(default_factory=list)


@dataclass(frozen=True)
class CiteMatch:
    """What matching found in a message that describes a business."""

    text: str
    cites: list[CiteSuggestion]
    sector: str | None = None
    region: str | None = None
    asked_for_help: bool = False  # asked for a CITE, help or a place, not only described


# How the answers engine sees matching: a message in, a match (or None) out. The core builds
# one over `bot.matching.matcher.Matcher`; tests can pass any function.
BusinessMatcher = Callable[[str], CiteMatch | None]
