"""Where the reply to a free-text message is chosen.

The engine retrieves the closest entries and turns the score of the best one,
and its margin over the runner-up, into one of three bands:

- answer: clearly one entry (high score, clear margin);
- suggestions: plausible but ambiguous, so the user picks ("¿Quiso decir…?");
- fallback: nothing close enough; say so and offer a person.

A wrong confident answer about funding does harm, an honest "no sé" does not,
so the bands are set to keep confident wrong answers rare even at the cost
of asking more often.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import phrases
from bot.answers import decision as learned
from bot.answers.cites import CiteCards
from bot.answers.gaps import GapDetector
from bot.answers.index import Hit, RetrievalIndex
from bot.answers.result import AskResult, SourceRef, Suggestion
from bot.answers.sources import by_authority
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Entry
from bot.language import frequent
from bot.language.analyzer import STOPWORDS, Analyzer
from bot.language.cues import any_of
from bot.language.normalize import clean, normalize
from bot.matching.matcher import Cues, without_business_context
from bot.matching.suggestion import BusinessMatcher

MAX_INPUT = 1000  # characters considered; a 5,000-character paste is cut, not refused
RUMOUR_WORDS = 25  # longer messages describe a business first; see without_business_context
REPLY_CACHE_SIZE = 4096  # distinct messages whose replies are kept (a few MB at most)


@dataclass(frozen=True)
class Bands:
    # Calibrated on the dev set and seven independent question sets (842 questions):
    # 0.53-0.55 all keep confident wrong answers under 1%; 0.54 also declines every
    # out-of-scope question the lower one let through on the newest set.
    answer: float = 0.54
    margin: float = 0.03
    sure: float = 0.80
    suggest: float = 0.33
    max_suggestions: int = 3
    # A second way to be sure, for long questions no single paraphrase says in full:
    # a lower score is enough when the best entry contains (in its paraphrases, title,
    # tags or answer) nearly all of the question's weight and its runner-up does not.
    # That coverage lead is the evidence, whatever the score margin: on 883 questions
    # of nine independent sets, 0.40-0.44 with no score margin answered 10 more
    # correctly and none wrongly; a margin requirement only threw answers away.
    explained: float = 0.44
    coverage: float = 0.75
    coverage_lead: float = 0.25
    # Near-ties: within this score of the best, the entry that holds the whole question
    # (coverage, above) is the answer, not the one a shared word happened to lift.
    tie: float = 0.05
    # A clear lead: long or slangy questions score lower against any paraphrase, but
    # when no other entry comes within `lead_margin`, the best one is what was asked.
    # (Calibrated on four more independent sets: below 0.48, or with a smaller lead,
    # out-of-scope questions start to get answers.)
    lead: float = 0.48
    lead_margin: float = 0.12


_CENSORED = re.compile(r"\b\w\*{2,}")
_SEGMENT_SPLIT = re.compile(r"[?¿\n;]+|(?<=[a-z])\.\s+")


def _weak(hit: Hit) -> bool:
    """One shared word that is not what the entry is about ("euro" in an entry that
    mentions euros once) is too little to answer on; when no close entry has that
    word as its subject, it is too little even to suggest."""
    return len(hit.matched) <= 1 and not hit.on_subject


def build_analyzer(kb: KnowledgeBase) -> Analyzer:
    synonyms = [(group.term, group.variants) for group in kb.synonyms]
    analyzer = Analyzer(synonyms)
    vocabulary: list[str] = []
    for entry in kb.entries.values():
        vocabulary.extend(entry.questions)
        vocabulary.append(entry.title)
        vocabulary.extend(entry.tags)
        vocabulary.append(entry.answer)
    for group in kb.synonyms:
        vocabulary.append(group.term)
        vocabulary.extend(group.variants)
    analyzer.extend_vocabulary(vocabulary)
    return analyzer


class AnswerEngine:
    def __init__(
        self,
        kb: KnowledgeBase,
        bands: Bands | None = None,
        analyzer: Analyzer | None = None,
        matcher: BusinessMatcher | None = None,
    ) -> None:
        self.kb = kb
        self.cues = Cues.of(kb.routing)  # the matcher's cues: a business described, a question
        self.bands = bands or Bands()
        self.analyzer = analyzer or build_analyzer(kb)
        self.index = RetrievalIndex(kb.entries, self.analyzer)
        self.matcher = matcher
        talk = kb.smalltalk
        self._thanks = {normalize(p) for p in talk.thanks}
        self._goodbyes = {normalize(p) for p in talk.goodbyes}
        self._greetings = {normalize(p) for p in talk.greetings}
        self._phrases = {p for p in self._thanks | self._goodbyes | self._greetings if p}
        self._insults = {normalize(p) for p in talk.insults if normalize(p)}
        everyday = STOPWORDS | frequent.FREQUENT
        routing = kb.routing
        # Routing vocabulary lives in knowledge/routing.yaml, where curators read it.
        self._filler = frozenset(routing.filler)
        self._shopping = any_of(routing.shopping).search
        self._priced_service = any_of(routing.priced_service).search
        self._paperwork = any_of(routing.paperwork).search
        self._procedure = any_of(routing.procedure).search
        self._tax_procedure = any_of(routing.tax_procedure).search
        self._cite_cue = any_of(routing.cite_cue).search
        self._rumour = any_of(routing.rumour)
        self.cards = CiteCards(kb)
        self.gaps = GapDetector(routing)
        # The learned decision (knowledge/decision.yaml) when there is one; `use_model`
        # False falls back to the hand-set bands (kb eval --decision bands compares them).
        self.model = _model(kb)
        # Bands given explicitly are what the caller wants to decide with.
        enabled = kb.decision is not None and kb.decision.enabled
        self.use_model = self.model is not None and enabled and bands is None
        # When a list, each decision appends (features, best entry id, asked text): how
        # `mypebot kb train` collects its examples.
        self.trace: list[tuple[list[float], str | None, str]] | None = None
        self._distinct_talk = [
            w for p in self._phrases for w in p.split() if len(w) > 2 and w not in everyday
        ]
        # The same questions come in waves (after an announcement, at a fair): a reply
        # depends only on the text and this knowledge base, which a reload replaces
        # together with this engine and its cache. Results are frozen values.
        self._replies = functools.lru_cache(maxsize=REPLY_CACHE_SIZE)(self._reply)

    def cache_info(self) -> functools._CacheInfo:
        return self._replies.cache_info()

    # -- small talk --------------------------------------------------------

    def _talk_word(self, word: str) -> bool:
        if word in self._distinct_talk:
            return True
        # "holaa", "grasias": greetings are typed fast; only longer words are compared.
        return len(word) >= 5 and (
            process.extractOne(word, self._distinct_talk, scorer=fuzz.ratio, score_cutoff=85)
            is not None
        )

    def _smalltalk(self, normal: str) -> str | None:
        """A greeting, thanks or goodbye, unless the rest of the message asks something.

        "buenas noches, disculpe la hora" and "GRACIAS CAUSA" are small talk; "hola,
        ¿qué es un CITE?" is a question, because its remainder finds an entry. Only
        whole phrases ("que tal", "buenos dias") and distinctive words ("hola",
        "gracias") count as small talk: "como" or "esta" alone do not.
        """
        words = normal.split()
        padded = f" {normal} "
        found = [p for p in self._phrases if f" {p} " in padded]
        covered = {w for p in found for w in p.split()}
        singles = [w for w in words if w not in covered and self._talk_word(w)]
        if not found and not singles:
            return None
        rest = [
            w
            for w in words
            if w not in covered
            and w not in singles
            and w not in self._filler
            and w not in STOPWORDS
        ]
        if rest:
            if len(words) > 7:
                return None
            hits = self.search(" ".join(rest), limit=3)
            if (
                hits
                and hits[0].score >= self.bands.suggest
                and (len(hits[0].matched) > 1 or hits[0].on_subject)
            ):
                return None
        said = set(found) | set(singles)
        if said & self._thanks or any(w.startswith("graci") for w in said):
            return phrases.THANKS
        if said & self._goodbyes:
            return phrases.GOODBYE
        return phrases.GREETING

    def _strip_greeting(self, normal: str) -> str:
        """ "hola buenas, que es un cite" → "que es un cite": whole greeting phrases only."""
        longest_first = sorted(self._greetings | self._thanks, key=len, reverse=True)
        stripped = True
        while stripped:
            stripped = False
            for phrase in longest_first:
                if phrase and normal.startswith(phrase + " "):
                    normal = normal[len(phrase) + 1 :]
                    stripped = True
                    break
        return normal

    # -- retrieval -----------------------------------------------------------

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        words = " ".join(self.analyzer.words(text))
        return self.index.search(self.analyzer.terms(text), limit=limit, words=words)

    def reply(self, question: str) -> AskResult:
        """What to tell someone who wrote `question`."""
        return self._replies(question)

    def _reply(self, question: str) -> AskResult:
        text = clean(question)[:MAX_INPUT]
        normal = normalize(text)
        if not normal or not any(ch.isalnum() for ch in normal):
            return AskResult(question=question, kind="fallback", text=phrases.EMPTY_INPUT)
        talk = self._smalltalk(normal)
        if talk is not None:
            return AskResult(question=question, kind="greeting", text=talk)
        padded = f" {normal} "
        censored = _CENSORED.search(text) is not None  # "bot de m*****"
        shopping = self._shopping(normal) and not self._priced_service(normal)
        elsewhere = self._tax_procedure(normal) or (
            self._paperwork(normal) and self._procedure(normal)
        )
        insult = any(f" {insult} " in padded for insult in self._insults)
        if shopping or elsewhere or censored or insult:
            return AskResult(question=question, kind="fallback", text=phrases.FALLBACK)

        body = self._strip_greeting(normal) or normal
        if self._cite_cue(normal):
            named = self.cards.named(text)
            if named is not None:
                return self.cite_card(question, named.cite.id, body)
        hits = self.search(body)
        claim = self._claim(body) if len(body.split()) <= RUMOUR_WORDS else None
        if claim is not None:
            # "mi primo dice que regalan 15 millones a cada mype": the figures of a rumour
            # are what is wrong with it; searching what it is about finds the entry that
            # corrects it, which the wrong figures only pull down.
            claimed = self.search(claim)
            if claimed and (not hits or claimed[0].score > hits[0].score):
                # "tengo una bodega en Comas, me dijeron que ProInnóvate puso plata...,
                # ¿cuánto es?": a rumour checked beside the business is still a question.
                asks = self.cues.question.search(claim) is not None or "?" in text
                result = self._decide(
                    question, claim, claimed, match_text=body, asks_something_else=asks
                )
                if result.kind == "answer":
                    return dataclasses.replace(result, text=phrases.RUMOUR_INTRO + result.text)
                return result
        segments = [s for s in (normalize(p) for p in _SEGMENT_SPLIT.split(text)) if s]
        if len(segments) > 1:
            # "¿me dan plata? ¿hay que devolverla?" is one question in two sentences:
            # split only when the parts find more than the whole does.
            parts = [self.search(segment) for segment in segments]
            # A fragment such as "¿donde queda?" finds something on one word alone:
            # it is no reason to stop reading the message as a whole.
            best_part = max((h[0].score for h in parts if h and not _weak(h[0])), default=0.0)
            if not hits or best_part > hits[0].score + 0.05:
                return self._multi(question, segments, parts)
        focus = without_business_context(text, self.cues)
        if focus != normal:
            # Retrieval reads the question alone; matching still reads the whole message.
            focused = self.search(focus)
            # Only when the question left is more than a stray word: in "el ruc de mi
            # bodega empieza con 10, ¿qué significa?" the clause with "mi bodega" is the
            # question, and "¿qué significa?" alone finds anything.
            if focused and not _weak(focused[0]) and (not hits or focused[0].score > hits[0].score):
                # "tengo una carpintería en Piura, ¿qué quiere lograr PRODUCE al 2030?"
                # says where the owner stands, then asks something else.
                # Normalising drops "?": "..., soy micro o pequeña empresa??" asks too.
                asks_else = self.cues.question.search(focus) is not None or "?" in text
                return self._decide(
                    question, focus, focused, match_text=body, asks_something_else=asks_else
                )
        return self._decide(question, body, hits)

    def _decide(
        self,
        question: str,
        body: str,
        hits: list[Hit],
        match_text: str | None = None,
        asks_something_else: bool = False,
    ) -> AskResult:
        bands = self.bands
        explains = self._explains_the_tie(hits)
        if explains is not None:
            # "¿cuántos años de funcionamiento piden?": "funciona" lifts the general entry
            # a little above the one about seniority, which holds every word asked.
            hits = [explains, *(h for h in hits if h is not explains)]
        best = hits[0].score if hits else 0.0
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        confident = best >= bands.answer and (
            best - runner_up >= bands.margin
            or best >= bands.sure
            or explains is not None
            # The best entry holds (nearly) the whole question: a sibling close behind
            # shares its words but cannot say more ("¿qué es el PDP de la cumbre?").
            or hits[0].coverage >= bands.coverage
        )
        if not confident and hits:
            confident = best >= bands.lead and best - runner_up >= bands.lead_margin
        if not confident and hits:
            # Siblings ("requisitos" vs "antigüedad" of the same programme) share most
            # words; the one that also holds the question's rarer words is the answer.
            other = hits[1].coverage if len(hits) > 1 else 0.0
            confident = (
                best >= bands.explained
                and hits[0].coverage >= bands.coverage
                and hits[0].coverage - other >= bands.coverage_lead
            )

        learning = self.trace is not None or (self.use_model and self.model is not None)
        if hits and learning:
            x = learned.features(hits, len(self.analyzer.terms(body)), confident)
            if self.trace is not None:
                self.trace.append((x, hits[0].entry_id, body))
            if self.use_model and self.model is not None:
                p_right = self.model.probability(x)
                confident = p_right >= self.model.answer
        confident = confident and not _weak(hits[0])
        suggestible = any(not _weak(h) for h in hits[: bands.max_suggestions])

        match = self.matcher(match_text or body) if self.matcher is not None else None
        # An entry that fits very well wins over matching, and so does a clear answer to
        # a question asked beside the description of the business; unless the owner
        # asked for a CITE or for help ("trabajo fibra de alpaca en arequipa, hay cite
        # para mi?"): then the CITEs for their chain and place are the answer.
        answer_wins = confident and (best >= bands.sure or asks_something_else)
        # Neither when the owner asked something else and entries come close: "tengo una
        # chocolatería en Tacna, ¿cuánto cofinanció Tacna Innova?" wants that figure, and
        # "¿Quiso decir…?" gets nearer to it than a list of CITEs.
        other_question = asks_something_else and suggestible and best >= bands.suggest
        # "¿dónde presentaron la hoja de ruta?" says "dónde" but asks for no CITE: a clear
        # answer to the question asked beats a help cue unless that question names a CITE.
        for_help = match is not None and match.asked_for_help
        if for_help and answer_wins and asks_something_else and not self._cite_cue(body):
            for_help = False
        if match is not None and (for_help or not (answer_wins or other_question)):
            return AskResult(
                question=question,
                kind="cites",
                text=match.text,
                cites=match.cites,
                sector=match.sector,
                region=match.region,
            )
        if confident:
            return self._with_gaps(body, self.answer_entry(question, hits[0].entry_id, best))
        if best >= bands.suggest and suggestible:
            return self._suggest(question, hits, best)
        return AskResult(question=question, kind="fallback", text=phrases.FALLBACK, score=best)

    def _claim(self, normal: str) -> str | None:
        """What a rumour check claims, without its frame and figures; None if no rumour."""
        if not self._rumour.search(normal):
            return None
        claim = " ".join(self._rumour.sub(" ", normal).split())
        return claim if len(claim.split()) >= 2 and claim != normal else None

    def _with_gaps(self, asked: str, result: AskResult) -> AskResult:
        """The answer, opened by what it does not hold of what `asked` asks for."""
        entry = self.kb.entries[result.entry_id] if result.entry_id else None
        if entry is None:
            return result
        missing = self.gaps.missing(asked, entry.answer + "\n" + (entry.more or ""))
        if not missing:
            return result
        intro = phrases.GAP_INTRO.format(what=_join(missing))
        return dataclasses.replace(result, text=intro + result.text)

    def cite_card(self, question: str, cite_id: str, asked: str = "") -> AskResult:
        """The reply about one CITE: its card, opened by the data asked that it lacks."""
        cite = self.kb.cites[cite_id]
        facts = "\n".join([cite.location or "", *cite.facts])
        # A card never holds contacts, opening hours or prices, whatever its text says.
        missing = self.gaps.missing(
            asked, facts, never_held=frozenset({"phone", "email", "hours", "price"})
        )
        text, more = self.cards.card(cite, asked, missing)
        return AskResult(
            question=question,
            kind="cites",
            text=text,
            sources=CiteCards.sources(cite)[:1],
            cites=[self.cards.suggestion(cite)],
            reviewed=cite.reviewed,
            more=more,
        )

    def _explains_the_tie(self, hits: list[Hit]) -> Hit | None:
        """Among the entries tied with the best, the one that alone covers the question."""
        bands = self.bands
        if len(hits) < 2:
            return None
        tied = [h for h in hits if h.score >= hits[0].score - bands.tie]
        full = [h for h in tied if h.coverage >= bands.coverage]
        if len(full) != 1 or full[0] is hits[0] or full[0].score < bands.answer:
            return None
        rest = max(h.coverage for h in tied if h is not full[0])
        return full[0] if full[0].coverage - rest >= bands.coverage_lead else None

    def _multi(self, question: str, segments: list[str], parts: list[list[Hit]]) -> AskResult:
        """Two questions in one message: answer the clearest, offer the other.

        `parts` are the segments' hits, already searched by the caller."""
        results = list(zip(segments, parts, strict=True))
        results = [(s, h) for s, h in results if h and not _weak(h[0])]
        if not results:
            return AskResult(question=question, kind="fallback", text=phrases.FALLBACK, score=0.0)
        results.sort(key=lambda r: r[1][0].score, reverse=True)
        segment, hits = results[0]
        primary = self._decide(question, segment, hits)
        if primary.kind != "answer":
            return primary
        extra: list[Suggestion] = []
        for _, other in results[1:]:
            top = other[0]
            if top.entry_id != primary.entry_id and top.score >= self.bands.suggest:
                entry = self.kb.entries[top.entry_id]
                extra.append(Suggestion(entry.id, entry.title))
        if not extra:
            return primary
        text = primary.text + "\n\n" + phrases.ALSO_ASKED.format(title=extra[0].title)
        return AskResult(
            question=primary.question,
            kind="answer",
            text=text,
            entry_id=primary.entry_id,
            score=primary.score,
            sources=primary.sources,
            suggestions=extra[:1],
            reviewed=primary.reviewed,
            more=primary.more,
        )

    def _suggest(self, question: str, hits: list[Hit], best: float) -> AskResult:
        floor = max(self.bands.suggest, best * 0.6)
        chosen = [h for h in hits if h.score >= floor][: self.bands.max_suggestions]
        suggestions = [Suggestion(h.entry_id, self.kb.entries[h.entry_id].title) for h in chosen]
        return AskResult(
            question=question,
            kind="suggestions",
            text=phrases.SUGGESTIONS_INTRO,
            score=best,
            suggestions=suggestions,
        )

    def answer_entry(self, question: str, entry_id: str, score: float | None = None) -> AskResult:
        """The reply showing one entry, with its sources and review date."""
        entry = self.kb.entries[entry_id]
        return AskResult(
            question=question,
            kind="answer",
            text=render_entry(entry),
            entry_id=entry.id,
            score=score,
            sources=[SourceRef(s.title, str(s.url)) for s in by_authority(entry.sources)],
            reviewed=entry.reviewed,
            more=entry.more,
        )


def render_entry(entry: Entry) -> str:
    """An entry as the user reads it: the answer, then ONE source line (the most
    authoritative) and the review date."""
    lines = [entry.answer.strip(), ""]
    if entry.expires and entry.expires < dt.date.today():  # still served, flagged as old
        lines.append(
            phrases.OUTDATED_LINE.format(
                date=f"{entry.expires:%d/%m/%Y}", reviewed=f"{entry.reviewed:%d/%m/%Y}"
            )
        )
    first = by_authority(entry.sources)[0]
    lines.append(phrases.SOURCE_LINE.format(title=first.title, url=first.url))
    lines.append(phrases.REVIEWED_LINE.format(date=entry.reviewed.strftime("%d/%m/%Y")))
    if entry.more:
        lines.append(phrases.SEE_MORE_HINT)
    return "\n".join(lines)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " ni " + items[-1]


def _model(kb: KnowledgeBase) -> learned.DecisionModel | None:
    found = kb.decision
    if found is None or tuple(found.features) != learned.FEATURES:
        return None  # trained on other features: retrain (`mypebot kb train`)
    return learned.DecisionModel(
        weights=tuple(found.weights),
        bias=found.bias,
        mean=tuple(found.mean),
        scale=tuple(found.scale),
        answer=found.answer,
    )
