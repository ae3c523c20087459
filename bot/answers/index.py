"""The lexical retrieval model: which entry a question is closest to, and how close.

Each entry is represented by its example questions (paraphrases) and title,
and, more weakly, by its tags and answer text. A query's similarity to one
paraphrase is the IDF-weighted overlap measured from both sides: how much of
the query the paraphrase explains (query coverage) and how much of the
paraphrase the query covers. Words the knowledge base has never seen keep
full weight in the query, so "¿va a llover en Arequipa?" is not an answer
about a CITE in Arequipa just because one word matched. Scores are in 0..1,
which is what makes the confidence bands meaningful.

Term lookup goes through an inverted index, so only paraphrases that share a
term with the query are scored: that keeps latency flat as the base grows.
The few best candidates are then re-scored with rapidfuzz's token-sort ratio
against their paraphrases: it sees what stems miss (word forms the stemmer
cuts differently) and, unlike partial ratios, does not over-score a short
query against a long text.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.schema import Entry
from bot.language import frequent
from bot.language.analyzer import Analyzer, Term, stem

QUERY_SIDE = 0.65  # weight of query coverage vs. paraphrase coverage
PARAPHRASE_WEIGHT = 0.82  # the rest goes to the whole-entry (tags + body) evidence
TITLE_AS_PARAPHRASE = True
FUZZY_WEIGHT = 0.3  # share of the final score from word-order-free fuzzy similarity
RERANK = 8  # lexical candidates re-scored with rapidfuzz


FREQUENT_STEMS = frozenset(stem(word) for word in frequent.FREQUENT)


MAX_CANDIDATES = 2000  # paraphrases (and entries) fully scored per query; see _lexical
MAX_GENERATORS = 8  # query terms whose postings are walked for candidates (see _lexical)
MAX_GENERATING = 5000  # postings a term may have and still generate candidates (see _lexical)


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float
    # Informative query terms the best paraphrase shares: one lone word is weak evidence.
    matched: frozenset[str] = frozenset()
    on_subject: bool = False  # a matched term is in the entry's title or tags
    # Share of the query's weight found anywhere in the entry (any paraphrase, title,
    # tags or answer): one paraphrase rarely says everything a long question asks.
    coverage: float = 0.0


class RetrievalIndex:
    def __init__(self, entries: dict[str, Entry], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.entry_ids: list[str] = list(entries)
        self._entry_index = {entry_id: i for i, entry_id in enumerate(self.entry_ids)}
        n = len(self.entry_ids)
        # Paraphrases: (entry index, term set)
        self._para_entry: list[int] = []
        self._para_terms: list[frozenset[str]] = []
        entry_terms: list[set[str]] = []
        body_terms: list[set[str]] = []
        self._subject: list[frozenset[str]] = []
        self._para_words: list[list[str]] = []  # per entry, for the fuzzy re-scoring
        self._body_terms: list[frozenset[str]] = []
        for e_index, entry in enumerate(entries.values()):
            subject = " ".join([entry.title, *entry.tags])
            self._subject.append(frozenset(t.stem for t in analyzer.terms(subject, correct=False)))
            texts = list(entry.questions) + ([entry.title] if TITLE_AS_PARAPHRASE else [])
            self._para_words.append([" ".join(analyzer.words(t, correct=False)) for t in texts])
            all_terms: set[str] = set()
            for text in texts:
                terms = frozenset(t.stem for t in analyzer.terms(text, correct=False))
                if terms:
                    self._para_entry.append(e_index)
                    self._para_terms.append(terms)
                    all_terms |= terms
            body = " ".join([entry.title, " ".join(entry.tags), entry.answer])
            b_terms = {t.stem for t in analyzer.terms(body, correct=False)}
            body_terms.append(b_terms)
            self._body_terms.append(frozenset(b_terms))
            entry_terms.append(all_terms | b_terms)
        self._entry_terms: list[frozenset[str]] = [frozenset(t) for t in entry_terms]

        df: dict[str, int] = defaultdict(int)
        for entry_set in entry_terms:
            for term in entry_set:
                df[term] += 1
        self.idf: dict[str, float] = {
            t: math.log((n + 1) / (d + 0.5)) * (frequent.WEIGHT if t in FREQUENT_STEMS else 1.0)
            for t, d in df.items()
        }
        # An unseen word is at least as informative as the rarest known one.
        self.unknown_idf = math.log((n + 1) / 0.5)
        # Terms in more than a fifth of the entries do not generate candidates.
        self.common_idf = math.log((n + 1) / (0.2 * n + 0.5))

        self._para_mass: list[float] = [
            sum(self.idf[t] for t in terms) for terms in self._para_terms
        ]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for p_index, terms in enumerate(self._para_terms):
            for term in terms:
                self._postings[term].append(p_index)
        self._body_postings: dict[str, list[int]] = defaultdict(list)
        for e_index, body_set in enumerate(body_terms):
            for term in body_set:
                self._body_postings[term].append(e_index)

    def weight(self, term: Term) -> float:
        known = self.idf.get(term.stem)
        if known is not None:
            return known
        if term.stem in FREQUENT_STEMS:
            return self.unknown_idf * frequent.WEIGHT
        # Unknown short tokens are usually chat shorthand, not content.
        return self.unknown_idf if len(term.stem) > 2 else 1.0

    def search(self, terms: list[Term], limit: int = 5, words: str = "") -> list[Hit]:
        """Best entries for the query terms; `words` (the query's words) enables re-scoring."""
        hits = self._lexical(terms, RERANK if words else limit)
        if words:
            rescored = []
            for hit in hits:
                paraphrases = self._para_words[self._entry_index[hit.entry_id]]
                best = process.extractOne(words, paraphrases, scorer=fuzz.token_sort_ratio)
                fuzzy = (best[1] if best else 0.0) / 100
                score = (1 - FUZZY_WEIGHT) * hit.score + FUZZY_WEIGHT * fuzzy
                rescored.append(Hit(hit.entry_id, score, hit.matched, hit.on_subject))
            rescored.sort(key=lambda h: h.score, reverse=True)
            hits = rescored
        return [self._with_coverage(hit, terms) for hit in hits[:limit]]

    def _with_coverage(self, hit: Hit, terms: list[Term]) -> Hit:
        weights = [(t.stem, self.weight(t) * t.confidence) for t in terms]
        total = sum(w for _, w in weights)
        if total <= 0:
            return hit
        known = self._entry_terms[self._entry_index[hit.entry_id]]
        covered = sum(w for term, w in weights if term in known)
        return Hit(hit.entry_id, hit.score, hit.matched, hit.on_subject, covered / total)

    def _lexical(self, terms: list[Term], limit: int) -> list[Hit]:
        if not terms:
            return []
        query_mass = sum(self.weight(t) for t in terms)
        if query_mass <= 0:
            return []
        known = [(t, self.idf[t.stem]) for t in terms if t.stem in self.idf]
        # Candidates come from the rarer terms only: everyday words, and words the
        # whole base uses ("economía circular"), are in too many paraphrases to walk
        # their postings, and alone they cannot single an entry out. They still
        # count, exactly, for the candidates found.
        # The two most specific informative terms always generate candidates.
        informative_known = sorted(
            ((t, w) for t, w in known if t.stem not in FREQUENT_STEMS), key=lambda tw: -tw[1]
        )
        rare = [tw for i, tw in enumerate(informative_known) if i < 2 or tw[1] >= self.common_idf]
        # A long message has dozens of rare words; past the most specific few, walking
        # their postings finds no candidate the others missed but costs the most (each
        # walk grows with the base). They still score the candidates found.
        rare = rare[:MAX_GENERATORS]
        if not rare:
            rare = known
        # In a very large base a generic term's postings run to tens of thousands;
        # walking them costs more than the rest of the search. Such a term then only
        # scores the candidates the other terms found (the shortest list still
        # generates when all are long). The shipped base is far below this size.
        bounded = [tw for tw in rare if len(self._postings.get(tw[0].stem, ())) <= MAX_GENERATING]
        if len(bounded) < len(rare):
            rare = bounded or [min(rare, key=lambda tw: len(self._postings.get(tw[0].stem, ())))]
        common = [tw for tw in known if tw not in rare]
        para_match: dict[int, float] = defaultdict(float)
        para_full: dict[int, float] = defaultdict(float)
        body_match: dict[int, float] = defaultdict(float)
        for term, idf in rare:
            gained = idf * term.confidence
            for p_index in self._postings.get(term.stem, ()):
                para_match[p_index] += gained
                para_full[p_index] += idf
            for e_index in self._body_postings.get(term.stem, ()):
                body_match[e_index] += gained
        if len(para_match) > MAX_CANDIDATES:
            # Only in a base far larger than the shipped one (1,730 paraphrases): score the
            # common terms and the similarity for the candidates the rare terms rank best.
            masses = self._para_mass
            kept = heapq.nlargest(
                MAX_CANDIDATES,
                para_match,
                key=lambda i: para_match[i] ** QUERY_SIDE * (para_full[i] / (masses[i] or 1.0)),
            )
            para_match = defaultdict(float, {i: para_match[i] for i in kept})
            para_full = defaultdict(float, {i: para_full[i] for i in kept})
        if len(body_match) > MAX_CANDIDATES:
            kept = heapq.nlargest(MAX_CANDIDATES, body_match, key=body_match.__getitem__)
            body_match = defaultdict(float, {i: body_match[i] for i in kept})
        for term, idf in common:
            gained = idf * term.confidence
            # Walk whichever is shorter: the term's postings or the candidates.
            postings = self._postings.get(term.stem, ())
            if len(postings) < len(para_match):
                hit_paras = [i for i in postings if i in para_match]
            else:
                hit_paras = [i for i in para_match if term.stem in self._para_terms[i]]
            for p_index in hit_paras:
                para_match[p_index] += gained
                para_full[p_index] += idf
            bodies = self._body_postings.get(term.stem, ())
            if len(bodies) < len(body_match):
                hit_bodies = [i for i in bodies if i in body_match]
            else:
                hit_bodies = [i for i in body_match if term.stem in self._body_terms[i]]
            for e_index in hit_bodies:
                body_match[e_index] += gained

        best: dict[int, float] = {}
        best_para: dict[int, int] = {}
        para_mass, para_entry = self._para_mass, self._para_entry
        for p_index, matched in para_match.items():
            mass = para_mass[p_index]
            p_cov = min(1.0, para_full[p_index] / mass) if mass else 0.0
            sim = ((matched / query_mass) ** QUERY_SIDE) * (p_cov ** (1 - QUERY_SIDE))
            e_index = para_entry[p_index]
            if sim > best.get(e_index, 0.0):
                best[e_index] = sim
                best_para[e_index] = p_index
        scores = {
            e_index: PARAPHRASE_WEIGHT * best.get(e_index, 0.0)
            + (1 - PARAPHRASE_WEIGHT) * body_match.get(e_index, 0.0) / query_mass
            for e_index in best.keys() | body_match.keys()
        }
        informative = {t.stem for t in terms if t.stem not in FREQUENT_STEMS}
        hits: list[Hit] = []
        for e_index in heapq.nlargest(limit, scores, key=scores.__getitem__):
            shared = (
                self._para_terms[best_para[e_index]] & informative
                if e_index in best_para
                else frozenset()
            )
            hits.append(
                Hit(
                    self.entry_ids[e_index],
                    min(1.0, scores[e_index]),
                    frozenset(shared),
                    bool(shared & self._subject[e_index]),
                )
            )
        return hits
