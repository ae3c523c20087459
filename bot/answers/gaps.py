"""Honest gaps: what a question asks for, and whether the chosen reply holds it.

"¿Cuál es el teléfono del CITEmadera?" asks for a phone number; "¿cuándo cierra la
próxima convocatoria?" for a date to come; "¿cuántos servicios van en 2026?" for a
figure of a year the sources do not reach yet. When the entry the engine chose does
not hold that datum, the reply must start by saying so and then give what is known,
never let a related answer pass for the one asked.

The kinds of datum and their cues live in knowledge/routing.yaml (`gaps`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import phrases
from bot.knowledge.schema import Routing
from bot.language.cues import any_of
from bot.language.normalize import strip_accents

# A year the sources cannot cover yet: figures stop in 2025, the UIT is fixed up to 2026.
_YEAR = re.compile(r"\b(20[2-3]\d)\b")
# A year inside a date ("05/01/2026", "enero de 2026") dates a source; it is no figure of it.
_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}/20\d\d\b|\b(\d{1,2} de )?(enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|setiembre|septiembre|octubre|noviembre|diciembre) (de |del )?20\d\d\b"
)
LATEST_FIGURES = 2025


@dataclass(frozen=True)
class _Cue:
    id: str
    label: str
    asks: re.Pattern[str]
    holds: re.Pattern[str]


class GapDetector:
    def __init__(self, routing: Routing) -> None:
        self._cues = [
            _Cue(
                gap_id,
                cue.label,
                any_of(cue.asks),
                any_of(cue.holds),
            )
            for gap_id, cue in routing.gaps.items()
        ]

    def asked(self, normal: str) -> list[str]:
        """Ids of the data a normalised question asks for."""
        return [cue.id for cue in self._cues if cue.asks.search(normal)]

    def missing(
        self, normal: str, answer: str, *, never_held: frozenset[str] = frozenset()
    ) -> list[str]:
        """How the reply should name each datum asked that `answer` does not hold.

        `never_held` are data the source of `answer` never holds whatever its text
        (a CITE card has no phones), so their `holds` patterns are not consulted."""
        text = strip_accents(answer)
        labels = []
        for cue in self._cues:
            if not cue.asks.search(normal):
                continue
            if cue.id not in never_held and cue.holds.search(text):
                continue
            labels.append(cue.label)
        undated = _DATE.sub(" ", text)
        for year in sorted({int(y) for y in _YEAR.findall(normal)}):
            if year > LATEST_FIGURES and str(year) not in undated:
                labels.append(phrases.GAP_YEAR.format(year=year))
        return labels
