"""What the answers engine returns: a plain value every adapter can render.

The field names are an interface (`mypebot ask --json`); keep them stable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.matching.suggestion import CiteSuggestion

Kind = Literal["answer", "suggestions", "fallback", "greeting", "cites"]


@dataclass(frozen=True)
class SourceRef:
    title: str
    url: str


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    title: str


@dataclass(frozen=True)
class AskResult:
    question: str
    kind: Kind
    text: str
    entry_id: str | None = None
    score: float | None = None
    sources: list[SourceRef] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    cites: list[CiteSuggestion] = field(default_factory=list)
    reviewed: dt.date | None = None
    more: str | None = None
    sector: str | None = None  # what a business description revealed (kind "cites")
    region: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for internal in ("reviewed", "more", "sector", "region"):
            data.pop(internal)
        if self.score is not None:
            data["score"] = round(self.score, 4)
        return data
