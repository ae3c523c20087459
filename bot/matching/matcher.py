"""Matching a business to CITE services: extraction from free text, then ranking.

Ranking follows what helps an owner most: a CITE of their productive chain
first; among those, one in their region, else the nearest by distance
between region capitals; then the services that answer their need, with
circular-economy services flagged. When no CITE serves the chain, the result
says so and carries no pretend fit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from bot import phrases
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Cite, Routing, Service
from bot.language.cues import any_of
from bot.language.normalize import normalize
from bot.matching.places import Gazetteer, choose_region
from bot.matching.suggestion import CiteService, CiteSuggestion
from bot.matching.vocabulary import VocabularyMatcher

MAX_RESULTS = 3
EXTRACTION_CACHE = 4096  # distinct messages whose extraction is kept (frozen values)
STATUS_RANK = {"operando": 0, "incierto": 1, "en_construccion": 2, "proyecto": 3}
STATUS_NOTE = {
    "en_construccion": "en construcción",
    "proyecto": "en proyecto",
    "incierto": "por confirmar",
}


@dataclass(frozen=True)
class Cues:
    """The routing vocabulary matching reads (knowledge/routing.yaml, validated at load):
    a business described in the first person, more context about the sender, a request
    for help (a CITE is the answer), and a question rather than a description."""

    business: re.Pattern[str]
    context: re.Pattern[str]
    help: re.Pattern[str]
    question: re.Pattern[str]

    @classmethod
    def of(cls, routing: Routing) -> Cues:
        return cls(
            business=any_of(routing.business),
            context=any_of([*routing.business, *routing.context]),
            help=any_of(routing.help),
            question=any_of(routing.question),
        )


# Owners punctuate with emojis too: "hago chocolates 🍫 escuche q hubo un programa..."
_CLAUSE = re.compile(r"[,;:.!?¿¡\n\u2600-\u27bf\U0001f300-\U0001faff]+")


def without_business_context(text: str, cues: Cues) -> str:
    """The normalised question without the clauses that only say what the sender does.

    "Explíqueme qué es economía circular, tengo una bodeguita" asks what circular
    economy is; the bodega is context, and its words only blur the search.
    """
    clauses = [c for c in (normalize(part) for part in _CLAUSE.split(text)) if c]
    kept = [c for c in clauses if not (cues.context.search(c) and not cues.question.search(c))]
    if not kept or len(kept) == len(clauses):
        return normalize(text)
    return " ".join(kept)


@dataclass(frozen=True)
class Extraction:
    sector: str | None
    region: str | None
    needs: list[str]
    region_candidates: list[str] = field(default_factory=list)
    business_cue: bool = False
    question: bool = False  # asks something ("¿cuántos servicios dio el CITE de Trujillo?")
    help_cue: bool = False  # asks for help, a service or a place (routing.yaml `help`)

    @property
    def describes_business(self) -> bool:
        """Someone telling what they do (and where), not asking about a CITE or a program."""
        if self.sector is None:
            return False
        if self.business_cue:
            # A question goes to matching when it asks for help, or names both a need
            # and a place ("produzco pisco en ica, no se que hacer con el orujo").
            return not self.question or self.help_cue or bool(self.needs and self.region)
        return not self.question and (self.region is not None or len(self.region_candidates) > 1)


@dataclass(frozen=True)
class MatchResult:
    text: str
    extraction: Extraction
    cites: list[CiteSuggestion]
    message: str
    nearest: bool = False  # no CITE of the chain in the region: these are the nearest
    kb: KnowledgeBase | None = None

    def to_json(self) -> dict[str, Any]:
        kb = self.kb
        e = self.extraction

        def name(table: dict[str, Any], key: str | None) -> str | None:
            return table[key].name if kb is not None and key in table else None

        return {
            "text": self.text,
            "sector": name(kb.sectors, e.sector) if kb else None,
            "sector_id": e.sector,
            "region": name(kb.regions, e.region) if kb else None,
            "region_id": e.region,
            "region_candidates": e.region_candidates,
            "needs": [kb.needs[n].name for n in e.needs] if kb else [],
            "need_ids": e.needs,
            "nearest": self.nearest,
            "message": self.message,
            "cites": [
                {
                    "id": c.id,
                    "name": c.name,
                    "region": c.region,
                    "city": c.city,
                    "why": c.why,
                    "services": [{"name": s.name, "circular": s.circular} for s in c.services],
                }
                for c in self.cites
            ],
        }


class Matcher:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._extracted = functools.lru_cache(maxsize=EXTRACTION_CACHE)(self._extract)
        self.cues = Cues.of(kb.routing)
        self.places = Gazetteer(kb.regions)
        self.sectors = VocabularyMatcher(kb.sectors)
        self.needs = VocabularyMatcher(kb.needs)

    # -- extraction ------------------------------------------------------------

    def extract(self, text: str) -> Extraction:
        """What a message says about a business; the same text is read once per core.

        The answers engine and the dialogue both ask, and messages come in waves.
        """
        return self._extracted(text)

    def _extract(self, text: str) -> Extraction:
        normal = normalize(text)
        sector_hits = self.sectors.find(text)
        need_hits = self.needs.find(text)
        region, candidates = choose_region(self.places.find(text))
        return Extraction(
            sector=sector_hits[0].id if sector_hits else None,
            region=region,
            needs=[h.id for h in need_hits],
            region_candidates=candidates,
            business_cue=bool(self.cues.business.search(normal)),
            question=bool(self.cues.question.search(normal)) or "?" in text,
            help_cue=bool(self.cues.help.search(normal)),
        )

    # -- ranking ----------------------------------------------------------------

    def _services_for(self, cite: Cite, needs: list[str]) -> list[Service]:
        if not needs:
            return sorted(cite.services, key=lambda s: not s.circular)
        matching = [s for s in cite.services if set(s.tags) & set(needs)]
        return sorted(matching, key=lambda s: not s.circular)

    def rank(
        self, sector: str | None, region: str | None, needs: list[str]
    ) -> tuple[list[CiteSuggestion], bool]:
        """Best CITEs for the chain, region and needs; and whether they are only the nearest."""
        if sector is None:
            return [], False
        candidates = [c for c in self.kb.cites.values() if sector in c.sectors]
        if not candidates:
            return [], False

        def key(cite: Cite) -> tuple[float, ...]:
            distance = self.places.distance(region, cite.region) if region else 0.0
            need_fit = len(self._services_for(cite, needs)) if needs else 0
            return (
                # Unconfirmed, planned and unbuilt CITEs only after every working one of the
                # chain, even a farther one: a centre "por confirmar" may not exist.
                STATUS_RANK.get(cite.status, 3) >= 1,
                round(distance / 50),  # same region first, then by distance (50 km bands)
                -min(need_fit, 3),
                STATUS_RANK.get(cite.status, 3),
                len(cite.sectors),  # a specialist before a multi-chain CITE
            )

        ranked = sorted(candidates, key=key)[:MAX_RESULTS]
        nearest = region is not None and all(c.region != region for c in ranked)
        return [self._suggestion(c, sector, region, needs) for c in ranked], nearest

    def _suggestion(
        self, cite: Cite, sector: str, region: str | None, needs: list[str]
    ) -> CiteSuggestion:
        kb = self.kb
        services = self._services_for(cite, needs) or sorted(
            cite.services, key=lambda s: not s.circular
        )
        place = kb.regions[cite.region].name
        if region and region != cite.region:
            place += f" (a {self.places.distance(region, cite.region):,.0f} km)".replace(",", " ")
        parts = [kb.sectors[sector].name, place]
        matched_needs = [n for n in needs if any(n in s.tags for s in cite.services)]
        if matched_needs:
            label = kb.needs[matched_needs[0]].name
            if any(s.circular and matched_needs[0] in s.tags for s in cite.services):
                label += f" {phrases.CIRCULAR_MARK}"
            parts.append(label)
        elif services:
            parts.append(
                services[0].name + (f" {phrases.CIRCULAR_MARK}" if services[0].circular else "")
            )
        if cite.status in STATUS_NOTE:
            parts.append(STATUS_NOTE[cite.status])
        return CiteSuggestion(
            id=cite.id,
            name=cite.short_name,
            region=kb.regions[cite.region].name,
            city=cite.city,
            why=" · ".join(parts),
            services=[CiteService(s.name, s.circular) for s in services[:4]],
        )

    # -- the whole step ---------------------------------------------------------

    def match(self, text: str) -> MatchResult:
        extraction = self.extract(text)
        return self.result(text, extraction)

    def result(self, text: str, extraction: Extraction) -> MatchResult:
        cites, nearest = self.rank(extraction.sector, extraction.region, extraction.needs)
        return MatchResult(
            text=text,
            extraction=extraction,
            cites=cites,
            message=self.describe(extraction, cites, nearest),
            nearest=nearest,
            kb=self.kb,
        )

    def describe(self, extraction: Extraction, cites: list[CiteSuggestion], nearest: bool) -> str:
        """The text the user reads above the suggestions."""
        kb = self.kb
        if extraction.sector is None:
            return phrases.CITES_ASK_SECTOR
        sector_name = kb.sectors[extraction.sector].name.lower()
        if not cites:
            return phrases.CITES_NO_SECTOR.format(sector=sector_name)
        lines: list[str] = []
        if nearest and extraction.region:
            lines.append(
                phrases.CITES_NEAREST_INTRO.format(
                    region=kb.regions[extraction.region].name,
                    sector=sector_name,
                    cite_region=cites[0].region,
                )
            )
        elif extraction.region is None and len(extraction.region_candidates) > 1:
            names = " o ".join(kb.regions[r].name for r in extraction.region_candidates[:3])
            lines.append(phrases.CITES_WHICH_REGION.format(regions=names))
        else:
            lines.append(phrases.CITES_INTRO)
        for cite in cites:
            lines.append(
                phrases.CITE_LINE.format(
                    name=cite.name, city=cite.city or cite.region, why=cite.why
                )
            )
        lines.append(phrases.CITES_NEXT_STEP)
        return "\n".join(lines)
