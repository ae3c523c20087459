"""From raw text to the terms retrieval and matching compare.

normalise → apply the curators' synonyms (phrases first) → split → drop the few
function words that carry no meaning → correct typos against the words the
knowledge base actually uses → Spanish stem.

The stop list is deliberately short: generic Spanish lists drop "no", "sin",
"donde" or "cuando", which change what a MYPE owner is asking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.language import frequent
from bot.language.normalize import normalize

STOPWORDS = frozenset(
    """
    a al con de del e el en es la las le les lo los me mi mis o por para que q se su sus te tu un una
    unos unas y u ya eh pues este esta esto estos estas ese esa eso esos esas ke k xq pq porfa porfavor xfa plis pls favor oiga disculpe
    """.split()  # noqa: SIM905 - easier to edit as one block
)

_stemmer = snowballstemmer.stemmer("spanish")

# Owners spell by ear, and in Peru c/z/s sound alike ("sircular", "sinco"), as do b/v,
# g/j before e and i, ll/y, and a silent h. Typos rarely hit the first key, but these
# spellings do change the first letter: compare the first sound instead.
_SOUND_ALIKE_START = (
    ("ce", "se"),
    ("ci", "si"),
    ("z", "s"),
    ("k", "c"),
    ("v", "b"),
    ("ge", "je"),
    ("gi", "ji"),
    ("ll", "y"),
    ("h", ""),
)


def first_sound(word: str) -> str:
    for spelling, sound in _SOUND_ALIKE_START:
        if word.startswith(spelling):
            return (sound + word[len(spelling) :])[:1]
    return word[:1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball Spanish stem; numbers and short words are kept as they are."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    return _stemmer.stemWord(word)


@dataclass(frozen=True)
class Term:
    """A stemmed term of a query; `confidence` < 1 when it was typo-corrected."""

    stem: str
    confidence: float = 1.0


class Analyzer:
    """Turns text into terms, using the knowledge base's synonyms and vocabulary."""

    def __init__(
        self, synonyms: Iterable[tuple[str, Iterable[str]]] = (), vocabulary: Iterable[str] = ()
    ) -> None:
        phrases: dict[str, str] = {}
        words: dict[str, str] = {}
        for term, variants in synonyms:
            canonical = normalize(term)
            for variant in variants:
                key = normalize(variant)
                if not key or key == canonical:
                    continue
                (phrases if " " in key else words)[key] = canonical
        self._word_synonyms = words
        # Longest phrases first, so "pro innovate peru" wins over "pro innovate".
        ordered = sorted(phrases, key=len, reverse=True)
        self._phrase_re = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")\b")
            if ordered
            else None
        )
        self._phrases = phrases
        self._vocabulary: list[str] = []
        self._known: set[str] = set()
        self.extend_vocabulary(vocabulary)
        self._corrections: dict[str, tuple[str, float] | None] = {}

    def extend_vocabulary(self, texts: Iterable[str]) -> None:
        """Words of the knowledge base: typo correction only ever maps onto these."""
        for text in texts:
            for word in self.words(text, correct=False):
                if word not in self._known:
                    self._known.add(word)
                    self._vocabulary.append(word)
        self._corrections = {}

    def words(self, text: str, correct: bool = True) -> list[str]:
        """Normalised words after synonyms and stop words, before stemming."""
        normal = normalize(text)
        if self._phrase_re is not None:
            normal = self._phrase_re.sub(lambda m: self._phrases[m.group(1)], normal)
        result: list[str] = []
        for word in normal.replace("%", " % ").split():
            word = self._word_synonyms.get(word, word)
            for part in word.split():
                if part not in STOPWORDS:
                    result.append(part)
        return result

    def correct(self, word: str) -> tuple[str, float] | None:
        """The known word this one is a typo of, with a confidence, or None."""
        if word in self._known or len(word) < 5 or word[0].isdigit():
            return None
        if word in self._corrections:
            return self._corrections[word]
        cutoff = 80 if len(word) <= 6 else 75
        best = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        result = None
        if best is not None:
            candidate, score = best[0], best[1]
            # Same first sound: typos rarely hit the first key, and it keeps
            # "llover" from becoming "lograr"-like neighbours.
            # Never "correct" into an everyday word: "tonto" is not a typo of "tanto".
            if (
                first_sound(candidate) == first_sound(word)
                and abs(len(candidate) - len(word)) <= 2
                and candidate not in frequent.FREQUENT
            ):
                result = (candidate, score / 100.0)
        self._corrections[word] = result
        return result

    def terms(self, text: str, correct: bool = True) -> list[Term]:
        """Distinct stemmed terms of `text`, in order of appearance."""
        seen: set[str] = set()
        result: list[Term] = []
        for word in self.words(text):
            confidence = 1.0
            if correct and word not in self._known:
                fixed = self.correct(word)
                if fixed is not None:
                    word, confidence = fixed
            term = stem(word)
            if term not in seen:
                seen.add(term)
                result.append(Term(term, confidence))
        return result
