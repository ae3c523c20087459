"""What CITE matching returns: a centre that fits a business, and why.

A plain value: the answers engine puts it in its `AskResult`, the dialogue renders it as a
card, `mypebot match --json` prints it. It lives with matching, which produces it, so
matching never has to reach up into the answers package.
"""

from __future__ import annotations

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
