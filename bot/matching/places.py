"""Finding where a business is: regions, provinces and cities named in free text.

The gazetteer comes from knowledge/regions.yaml. Exact phrases are trusted;
fuzzy matches are only tried on longer words, so short or everyday words are
never taken for places ("uno" is not Puno). A place name that is also an
ordinary Spanish word ("mala", "libertad", "unión") only counts when the
sentence marks it as a place ("en Mala", "distrito de Mala").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.schema import Region
from bot.language.normalize import normalize

# Everyday words that are also the name of a district or town somewhere in Peru.
COMMON_WORDS = frozenset(
    [
        "uno",
        "una",
        "mala",
        "libertad",
        "union",
        "paz",
        "victoria",
        "independencia",
        "progreso",
        "pueblo",
        "nuevo",
        "nueva",
        "santa",
        "santo",
        "rosa",
        "sol",
        "oro",
        "cruz",
        "carmen",
        "esperanza",
        "florida",
        "alto",
        "alta",
        "baja",
        "bajo",
        "grande",
        "chico",
        "chica",
        "central",
        "centro",
        "norte",
        "sur",
        "este",
        "oeste",
        "playa",
        "puerto",
        "rio",
        "lago",
        "monte",
        "valle",
        "pampa",
        "campo",
        "mar",
        "huerta",
        "molino",
        "colonia",
        "pozo",
        "pozos",
        "marcas",
        "mercado",
        "ciudad",
        "bella",
        "buenos",
        "aires",
        "llave",
        "rica",
        "rico",
        "san",
        "salvador",
        "perla",
        "punta",
        "morro",
        "tambo",
        "frias",
        "limon",
        "cerro",
        "cerros",
    ]
)
# Words before a name that say "this is a place" (where the business is, or a place at all).
LOCATIVE_CUES = frozenset(
    {"en", "de", "desde", "distrito", "provincia", "ciudad", "region", "departamento", "zona"}
)
AT_CUES = frozenset(
    {"en", "desde", "distrito", "provincia", "ciudad", "region", "departamento", "zona"}
)
AWAY_CUES = frozenset({"a", "para", "hacia", "hasta"})
FUZZY_MIN_LENGTH = 6
FUZZY_CUTOFF = 85


@dataclass(frozen=True)
class PlaceMention:
    region_id: str
    phrase: str
    start: int  # token index
    kind: str  # region | alias | province | city
    exact: bool
    at_cue: bool  # preceded by "en", "desde"…: where the business is
    away_cue: bool  # preceded by "a", "para"…: where they sell or ship


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


class Gazetteer:
    def __init__(self, regions: dict[str, Region]) -> None:
        self.regions = regions
        self._phrases: dict[str, tuple[str, str]] = {}
        priority = {"region": 0, "alias": 1, "province": 2, "city": 3}
        for region in regions.values():
            named = [(region.name, "region"), (region.id.replace("-", " "), "region")]
            named += [(a, "alias") for a in region.aliases]
            named += [(p, "province") for p in region.provinces]
            named += [(c, "city") for c in region.cities]
            for text, kind in named:
                key = normalize(text)
                if not key:
                    continue
                current = self._phrases.get(key)
                # A region's own name beats a homonymous province or city elsewhere.
                if current is None or priority[kind] < priority[current[1]]:
                    self._phrases[key] = (region.id, kind)
        self._max_words = max((len(k.split()) for k in self._phrases), default=1)
        # A typo'd place keeps its first letter and its number of words (see `find`), so
        # fuzzy lookups only compare against the keys that share both: ~30x fewer.
        self._fuzzy_keys: dict[tuple[str, int], list[str]] = {}
        for key in self._phrases:
            if len(key) >= FUZZY_MIN_LENGTH and key not in COMMON_WORDS:
                self._fuzzy_keys.setdefault((key[0], len(key.split())), []).append(key)

    def distance(self, a: str, b: str) -> float:
        ra, rb = self.regions[a], self.regions[b]
        return haversine_km(ra.lat, ra.lon, rb.lat, rb.lon)

    def lookup(self, text: str) -> str | None:
        """The region a typed answer names ("Juliaca" → puno), or None."""
        mentions = self.find(text, typed_answer=True)
        return mentions[0].region_id if mentions else None

    def find(self, text: str, typed_answer: bool = False) -> list[PlaceMention]:
        words = normalize(text).split()
        mentions: list[PlaceMention] = []
        used: set[int] = set()
        for size in range(min(self._max_words, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if used.intersection(span):
                    continue
                phrase = " ".join(words[start : start + size])
                found = self._phrases.get(phrase)
                exact = True
                if found is None and size <= 3 and len(phrase) >= FUZZY_MIN_LENGTH:
                    best = process.extractOne(
                        phrase,
                        self._fuzzy_keys.get((phrase[0], size), ()),
                        scorer=fuzz.ratio,
                        score_cutoff=FUZZY_CUTOFF,
                    )
                    if best is not None:
                        found, exact = self._phrases[best[0]], False
                if found is None:
                    continue
                before = words[start - 1] if start > 0 else ""
                before2 = words[start - 2] if start > 1 else ""
                cue_words = {before, before2} if before in {"el", "la", "los", "las"} else {before}
                if (
                    size == 1
                    and phrase in COMMON_WORDS
                    and not typed_answer
                    and not cue_words & LOCATIVE_CUES
                ):
                    continue
                if not exact and phrase in COMMON_WORDS:
                    continue
                used.update(span)
                mentions.append(
                    PlaceMention(
                        region_id=found[0],
                        phrase=phrase,
                        start=start,
                        kind=found[1],
                        exact=exact,
                        at_cue=bool(cue_words & AT_CUES),
                        away_cue=bool(cue_words & AWAY_CUES),
                    )
                )
        mentions.sort(key=lambda m: m.start)
        return mentions


def choose_region(mentions: list[PlaceMention]) -> tuple[str | None, list[str]]:
    """The region where the business is, or None with the candidates to ask about."""
    regions = list(dict.fromkeys(m.region_id for m in mentions))
    if len(regions) <= 1:
        return (regions[0] if regions else None), regions
    home = [m for m in mentions if m.at_cue and not m.away_cue]
    home_regions = list(dict.fromkeys(m.region_id for m in home))
    if len(home_regions) == 1:
        return home_regions[0], regions
    not_away = list(dict.fromkeys(m.region_id for m in mentions if not m.away_cue))
    if len(not_away) == 1:
        return not_away[0], regions
    return None, regions
