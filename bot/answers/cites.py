"""CITE cards: a question about one named CITE is answered from the catalogue.

"¿Dónde queda el CITE productivo de Madre de Dios?" or "¿el CITE de Ilo ayuda con
los choros?" name one centre; the reply is that centre's card (name, place, chains,
services with the circular ones marked, the figures the sources give, its status and
its caveats), not a generic list of CITEs.

A CITE is recognised by the words of its names (short name, aliases, city) that
set it apart from the rest of the catalogue: "ilo", "huallaga", "madera". A word
shared by several centres ("cuero", "agroindustrial") only helps to choose among
the ones a distinctive word already found. An unconfirmed centre never wins a tie
against a confirmed one.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from bot import phrases
from bot.answers.result import SourceRef
from bot.answers.sources import by_authority
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Cite, Service
from bot.language.analyzer import STOPWORDS, stem
from bot.language.normalize import normalize
from bot.matching.matcher import STATUS_NOTE, STATUS_RANK
from bot.matching.places import Gazetteer
from bot.matching.suggestion import CiteService, CiteSuggestion

# Words every CITE name has, which tell none apart.
_GENERIC = frozenset(
    {"cite", "cites", "site", "sites", "ut", "centro", "innovacion", "productiva"}
    | {"transferencia", "tecnologica", "tecnologico", "unidad", "tecnica", "industrias"}
    | {"conexas", "y", "del", "de", "la", "las", "los", "e"}
)
# Words of place names that say nothing on their own ("San" Jerónimo, "La Banda").
_PLACE_WORDS = frozenset({"san", "santa", "santo", "banda", "villa", "puerto", "nuevo", "nueva"})
_GLUED = re.compile(r"\b(cite|ut)(?=[a-z]{3,})")  # "citemadera" -> "cite madera"
CARD_BODY = 600  # characters of the first part of a reply (see phrases.SEE_MORE_HINT)


def _tokens(text: str) -> list[str]:
    normal = _GLUED.sub(r"\1 ", normalize(text))
    # "ccal" is how CITEccal is written glued; "cuero calzado" is how it is said.
    normal = normal.replace("ccal", "cuero calzado")
    return [w for w in normal.split() if w not in STOPWORDS and w not in _GENERIC]


@dataclass(frozen=True)
class NamedCite:
    cite: Cite
    matched: frozenset[str]


class CiteCards:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        # Per CITE, the stems of its names (full weight) and of its city (half: "tarapoto"
        # says where, "acuicola" says which of the two centres there).
        self._keys: dict[str, dict[str, float]] = {}
        df: dict[str, int] = defaultdict(int)
        for cite in kb.cites.values():
            keys: dict[str, float] = {}
            for name, weight in [
                (cite.city or "", 0.5),
                *((n, 1.0) for n in (cite.short_name, *cite.aliases)),
            ]:
                for word in _tokens(name):
                    if len(word) >= 3 and word not in _PLACE_WORDS:
                        keys[stem(word)] = max(weight, keys.get(stem(word), 0.0))
            self._keys[cite.id] = keys
            for key in keys:
                df[key] += 1
        n = max(len(kb.cites), 1)
        self._idf = {key: math.log((n + 1) / count) for key, count in df.items()}
        # A key held by at most two centres names them ("ahuashiyacu": two centres there).
        self._distinctive = frozenset(k for k, count in df.items() if count <= 2)
        self._places = Gazetteer(kb.regions)

    def named(self, text: str) -> NamedCite | None:
        """The one CITE a message names, if it names exactly one."""
        words = {stem(w) for w in _tokens(text)}
        scored: list[tuple[float, int, Cite, frozenset[str]]] = []
        for cite in self.kb.cites.values():
            keys = self._keys[cite.id]
            matched = keys.keys() & words
            if not matched & self._distinctive:
                continue
            score = sum(self._idf[k] * keys[k] for k in matched)
            scored.append((score, STATUS_RANK.get(cite.status, 3), cite, frozenset(matched)))
        if not scored:
            return None
        # "el CITE madera de Pucallpa": the place named picks among the centres named, so
        # the Lima centre of the chain is not the card for a question about Pucallpa.
        places = {m.region_id for m in self._places.find(text)}
        there = [s for s in scored if s[2].region in places]
        if there:
            scored = there
        # Highest evidence first; among equals, a working centre before an unconfirmed one.
        scored.sort(key=lambda s: (-s[0], s[1]))
        best = scored[0]
        if len(scored) > 1 and scored[1][0] >= best[0] - 1e-9 and scored[1][1] == best[1]:
            return None  # "el cite de ahuashiyacu": two centres, equally named
        return NamedCite(best[2], best[3])

    # -- the card --------------------------------------------------------------

    def card(self, cite: Cite, question: str, gaps: list[str]) -> tuple[str, str | None]:
        """(first part, rest) of the card: what the question is about first, within
        CARD_BODY characters; the rest is kept in `more`."""
        kb = self.kb
        region = kb.regions[cite.region].name if cite.region in kb.regions else cite.region
        place = f"{cite.city}, {region}" if cite.city and cite.city != region else region
        lines: list[str] = []
        if gaps:
            lines.append(
                phrases.CARD_GAP.format(what=_join(gaps), url=cite.website or phrases.ITP_URL)
            )
        lines.append(phrases.CARD_TITLE_SHORT.format(short=cite.short_name))
        lines.append(phrases.CARD_PLACE.format(place=place))
        if cite.location:
            lines.append(phrases.CARD_LOCATION.format(location=cite.location))
        chains = [kb.sectors[s].name for s in cite.sectors if s in kb.sectors]
        lines.append(phrases.CARD_CHAINS.format(chains=", ".join(chains)))
        if cite.status in STATUS_NOTE:
            lines.append(phrases.CARD_STATUS.format(status=STATUS_NOTE[cite.status]))

        # What the question asks about, not the words that named the CITE.
        own = _stems(" ".join([cite.short_name, *cite.aliases, cite.city or "", region]))
        words = _stems(question) - own
        pool: list[tuple[int, int, str, str]] = []  # (-overlap, order, heading, line)
        for order, fact in enumerate(cite.facts):
            pool.append((-_overlap(words, fact), order, phrases.CARD_FACTS, f"• {fact}"))
        if "services" in cite.unverified:
            # The sources only give the network's general offer for this centre.
            names = ", ".join(_service_name(sv) for sv in cite.services)
            pool.append(
                (0, 50, phrases.CARD_SERVICES, phrases.CARD_GENERAL_SERVICES.format(names=names))
            )
        else:
            for order, sv in enumerate(cite.services):
                line = phrases.CARD_SERVICE.format(
                    name=_service_name(sv), text=sv.description.strip()
                )
                rank = -_overlap(words, f"{sv.name} {sv.description}")
                pool.append((rank, 20 + order - 10 * sv.circular, phrases.CARD_SERVICES, line))
        pool.sort(key=lambda item: (item[0], item[1]))
        chosen: dict[str, list[str]] = {phrases.CARD_FACTS: [], phrases.CARD_SERVICES: []}
        hidden: dict[str, list[str]] = {phrases.CARD_FACTS: [], phrases.CARD_SERVICES: []}

        def size() -> int:
            blocks = [[h, *ls] for h, ls in chosen.items() if ls]
            return len("\n".join([*lines, *(line for b in blocks for line in b)]))

        for _, _, heading, line in pool:
            chosen[heading].append(line)
            if size() > CARD_BODY:
                chosen[heading].pop()
                hidden[heading].append(line)
        for heading in (phrases.CARD_FACTS, phrases.CARD_SERVICES):
            if chosen[heading]:
                lines.extend([heading, *chosen[heading]])
        if any(phrases.CIRCULAR_MARK in line for line in lines):
            lines.append(phrases.CARD_CIRCULAR_LEGEND)
        rest = [line for h in hidden if hidden[h] for line in (h, *hidden[h])]
        # One display name (short_name) everywhere; the official one and the other names
        # the sources use follow when they fit.
        for extra in (
            phrases.CARD_OFFICIAL.format(name=cite.name) if cite.name != cite.short_name else "",
            phrases.CARD_ALIASES.format(names=", ".join(cite.aliases)) if cite.aliases else "",
        ):
            if extra and len("\n".join([*lines, extra])) <= CARD_BODY:
                lines.append(extra)
            elif extra:
                rest.append(extra)
        notes = [f"• {note}" for note in cite.unverified if " " in note]
        if notes:
            rest.extend([phrases.CARD_UNVERIFIED, *notes])
        source = by_authority(cite.sources)[0]
        lines.extend(
            [
                "",
                phrases.SOURCE_LINE.format(title=source.title, url=source.url),
                phrases.REVIEWED_LINE.format(date=cite.reviewed.strftime("%d/%m/%Y")),
            ]
        )
        more = "\n".join(rest) if rest else None
        if more:
            lines.append(phrases.CARD_MORE_HINT)
        return "\n".join(lines), more

    def suggestion(self, cite: Cite) -> CiteSuggestion:
        kb = self.kb
        region = kb.regions[cite.region].name if cite.region in kb.regions else cite.region
        why = [kb.sectors[s].name for s in cite.sectors if s in kb.sectors][:2]
        if cite.status in STATUS_NOTE:
            why.append(STATUS_NOTE[cite.status])
        return CiteSuggestion(
            id=cite.id,
            name=cite.short_name,
            region=region,
            city=cite.city,
            why=" · ".join(why),
            services=[CiteService(s.name, s.circular) for s in cite.services[:4]],
        )

    @staticmethod
    def sources(cite: Cite) -> list[SourceRef]:
        return [SourceRef(s.title, str(s.url)) for s in by_authority(cite.sources)]


def _stems(text: str) -> set[str]:
    return {stem(w)[:5] for w in _tokens(text) if len(w) > 2}


def _overlap(words: set[str], text: str) -> int:
    """Words a service or fact shares with the question, by the first letters of their
    stems, so "conservera" meets "conservas"."""
    return len(_stems(text) & words)


def _service_name(service: Service) -> str:
    return f"{service.name} {phrases.CIRCULAR_MARK}" if service.circular else service.name


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " ni " + items[-1]
