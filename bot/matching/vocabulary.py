"""Spotting a sector or a need from the everyday words curators list for it.

Words are compared by Spanish stem, so "curtiembres" finds "curtiembre" and
"castañeros" finds "castaña"; multi-word phrases ("recibo de luz") must appear
in order. Longer words also tolerate a typo. A word listed under several
sectors counts for each only in proportion, so "conservas" alone does not
decide between fish and fruit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.knowledge.schema import Vocabulary
from bot.language.analyzer import STOPWORDS, stem
from bot.language.normalize import normalize

FUZZY_MIN_LENGTH = 6
SHORT_STEM = 5  # stems shorter than this must be written out (see _short_words)
PREFIX_MIN = 5


@dataclass(frozen=True)
class VocabularyHit:
    id: str
    score: float
    first: int  # token position of the first matching word


def _words(text: str) -> list[tuple[str, str]]:
    """(word, stem) pairs of the content words."""
    return [(w, stem(w)) for w in normalize(text).split() if w not in STOPWORDS]


def _typo_distance(token: str) -> int:
    """Edits a typed word may differ by: "curtienbre" is a curtiembre, "funcion" no fundición."""
    return 2 if len(token) >= 9 else 1


class VocabularyMatcher:
    def __init__(self, items: dict[str, Vocabulary]) -> None:
        self.items = items
        owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
        # Short stems collide across unrelated words ("cobra" and "cobre" are both
        # "cobr"): those count only when the word itself, or its plural, is written.
        self._short_words: dict[str, set[str]] = defaultdict(set)
        for item in items.values():
            for phrase in [*item.words, item.name]:
                pairs = _words(phrase)
                if pairs:
                    owners[tuple(s for _, s in pairs)].add(item.id)
                if len(pairs) == 1 and len(pairs[0][1]) < SHORT_STEM:
                    word = pairs[0][0]
                    self._short_words[pairs[0][1]].update({word, word + "s", word + "es"})
        self._phrases = owners
        self._single = {p[0]: ids for p, ids in owners.items() if len(p) == 1}
        self._single_keys = [k for k in self._single if len(k) >= FUZZY_MIN_LENGTH - 1]
        self._multi = {p: ids for p, ids in owners.items() if len(p) > 1}

    def _single_lookup(self, token: str) -> set[str] | None:
        ids = self._single.get(token)
        if ids is not None:
            return ids
        if len(token) >= PREFIX_MIN:
            for key in (token[:n] for n in range(len(token) - 1, PREFIX_MIN - 1, -1)):
                if key in self._single and len(key) >= PREFIX_MIN:
                    return self._single[key]
        if len(token) >= FUZZY_MIN_LENGTH:
            best = process.extractOne(
                token,
                self._single_keys,
                scorer=Levenshtein.distance,
                score_cutoff=_typo_distance(token),
            )
            if best is not None and best[0][0] == token[0]:
                return self._single[best[0]]
        return None

    def find(self, text: str) -> list[VocabularyHit]:
        pairs = _words(text)
        tokens = [s for _, s in pairs]
        scores: dict[str, float] = defaultdict(float)
        first: dict[str, int] = {}
        covered: set[int] = set()
        for phrase, ids in self._multi.items():
            size = len(phrase)
            for start in range(len(tokens) - size + 1):
                if tuple(tokens[start : start + size]) == phrase:
                    covered.update(range(start, start + size))
                    for item_id in ids:
                        scores[item_id] += size / len(ids)
                        first.setdefault(item_id, start)
        for position, token in enumerate(tokens):
            if position in covered or len(token) < 3:
                continue
            found = self._single_lookup(token)
            if not found:
                continue
            short = self._short_words.get(token)
            if short is not None and pairs[position][0] not in short:
                continue
            for item_id in found:
                scores[item_id] += 1 / len(found)
                first[item_id] = min(first.get(item_id, position), position)
        hits = [VocabularyHit(i, s, first[i]) for i, s in scores.items()]
        hits.sort(key=lambda h: (-h.score, h.first))
        return hits
