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

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot import texts
from bot.answers.index import Hit, RetrievalIndex
from bot.answers.result import AskResult, CiteSuggestion, SourceRef, Suggestion
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Entry
from bot.matching.matcher import QUESTION, without_business_context
from bot.text import frequent
from bot.text.analyzer import STOPWORDS, Analyzer
from bot.text.normalize import clean, normalize

MAX_INPUT = 1000  # characters considered; a 5,000-character paste is cut, not refused
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


# A message is small talk when every word is one of these (plus smalltalk.yaml's).
_FILLER = frozenset(
    [
        "a",
        "y",
        "muy",
        "mucho",
        "muchas",
        "muchos",
        "todo",
        "todos",
        "senor",
        "senora",
        "señor",
        "señora",
        "amigo",
        "amiga",
        "joven",
        "bot",
        "asistente",
        "ud",
        "usted",
        "pues",
        "nomas",
        "no",
        "mas",
        "ok",
        "oka",
        "okey",
        "bueno",
        "listo",
    ]
)
# Shopping: the price of a product, or where to buy it, is outside the bot's scope even
# when the product is one a CITE works with ("una botella de pisco en ica"). A price
# question about what this bot covers (a CITE's services, a programme) stays in scope.
_SHOPPING = re.compile(
    r"\b(cuanto cuestan?|precios?|a (cuanto|como) (esta|estan|venden|sale|salen|compran|pagan)|"
    r"cuanto (pagan|dan) (por|el|la)|donde (venden|compro|comprar|puedo comprar|vendo|puedo vender)|"
    r"baratos?|baratas?)\b"
)
# Personal paperwork and tax procedures belong to other offices (RENIEC, Migraciones,
# the MTC, SUNAT, the municipality): "¿cómo saco mi certificado de antecedentes penales?"
# shares words with ProInnóvate's requirements but is not a question about them.
_PAPERWORK = re.compile(
    r"\b(dni|pasaporte|brevete|licencia de conducir|soat|antecedentes (penales|policiales|judiciales)|"
    r"partida de (nacimiento|matrimonio|defuncion)|carne de extranjeria)\b"
)
_PROCEDURE = re.compile(
    r"\b((como|donde) (lo |la |los |las |me )?(saco|sacar|tramito|tramitar|obtengo|obtener|renuevo|"
    r"renovar|pido)|"
    r"duplicado|tramitar|renovar)\b"
)
_TAX_PROCEDURE = re.compile(
    r"\b(pago|pagar|declaro|declarar|fracciono|fraccionar)\b.*"
    r"\b(impuestos?|igv|renta|deudas?|arbitrios|tributos?|multas?|coactiva)\b"
)
_PRICED_SERVICE = re.compile(
    r"\b(cite|cites|servicios?|tarifas?|tarifario|proinnovate|concursos?|postular|programas?|"
    r"capacitacion|ensayos?|laboratorio|analisis|asesoria|certificacion|uit|tramite)\b"
)
_CENSORED = re.compile(r"\b\w\*{2,}")
_SEGMENT_SPLIT = re.compile(r"[?¿\n;]+|(?<=[a-z])\.\s+")

Matcher = Callable[[str], "CiteMatch | None"]


@dataclass(frozen=True)
class CiteMatch:
    """What the matching component returns when a message describes a business."""

    text: str
    cites: list[CiteSuggestion]
    sector: str | None = None
    region: str | None = None
    asked_for_help: bool = False  # asked for a CITE, help or a place, not only described


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
        matcher: Matcher | None = None,
    ) -> None:
        self.kb = kb
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
        phrases = [p for p in self._phrases if f" {p} " in padded]
        covered = {w for p in phrases for w in p.split()}
        singles = [w for w in words if w not in covered and self._talk_word(w)]
        if not phrases and not singles:
            return None
        rest = [
            w
            for w in words
            if w not in covered and w not in singles and w not in _FILLER and w not in STOPWORDS
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
        said = set(phrases) | set(singles)
        if said & self._thanks or any(w.startswith("graci") for w in said):
            return texts.THANKS
        if said & self._goodbyes:
            return texts.GOODBYE
        return texts.GREETING

    def _strip_greeting(self, normal: str) -> str:
        """ "hola buenas, que es un cite" → "que es un cite": whole greeting phrases only."""
        phrases = sorted(self._greetings | self._thanks, key=len, reverse=True)
        stripped = True
        while stripped:
            stripped = False
            for phrase in phrases:
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
            return AskResult(question=question, kind="fallback", text=texts.EMPTY_INPUT)
        talk = self._smalltalk(normal)
        if talk is not None:
            return AskResult(question=question, kind="greeting", text=talk)
        padded = f" {normal} "
        censored = _CENSORED.search(text) is not None  # "bot de m*****"
        shopping = _SHOPPING.search(normal) is not None and not _PRICED_SERVICE.search(normal)
        elsewhere = _TAX_PROCEDURE.search(normal) is not None or (
            _PAPERWORK.search(normal) is not None and _PROCEDURE.search(normal) is not None
        )
        insult = any(f" {insult} " in padded for insult in self._insults)
        if shopping or elsewhere or censored or insult:
            return AskResult(question=question, kind="fallback", text=texts.FALLBACK)

        body = self._strip_greeting(normal) or normal
        hits = self.search(body)
        segments = [s for s in (normalize(p) for p in _SEGMENT_SPLIT.split(text)) if s]
        if len(segments) > 1:
            # "¿me dan plata? ¿hay que devolverla?" is one question in two sentences:
            # split only when the parts find more than the whole does.
            parts = [self.search(segment) for segment in segments]
            # A fragment such as "¿donde queda?" finds something on one word alone:
            # it is no reason to stop reading the message as a whole.
            best_part = max((h[0].score for h in parts if h and not _weak(h[0])), default=0.0)
            if not hits or best_part > hits[0].score + 0.05:
                return self._multi(question, segments)
        focus = without_business_context(text)
        if focus != normal:
            # Retrieval reads the question alone; matching still reads the whole message.
            focused = self.search(focus)
            # Only when the question left is more than a stray word: in "el ruc de mi
            # bodega empieza con 10, ¿qué significa?" the clause with "mi bodega" is the
            # question, and "¿qué significa?" alone finds anything.
            if focused and not _weak(focused[0]) and (not hits or focused[0].score > hits[0].score):
                # "tengo una carpintería en Piura, ¿qué quiere lograr PRODUCE al 2030?"
                # says where the owner stands, then asks something else.
                asks_else = QUESTION.search(focus) is not None
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

        confident = confident and not _weak(hits[0])
        suggestible = any(not _weak(h) for h in hits[: bands.max_suggestions])

        match = self.matcher(match_text or body) if self.matcher is not None else None
        # An entry that fits very well wins over matching, and so does a clear answer to
        # a question asked beside the description of the business; unless the owner
        # asked for a CITE or for help ("trabajo fibra de alpaca en arequipa, hay cite
        # para mi?"): then the CITEs for their chain and place are the answer.
        answer_wins = confident and (best >= bands.sure or asks_something_else)
        if match is not None and (match.asked_for_help or not answer_wins):
            return AskResult(
                question=question,
                kind="cites",
                text=match.text,
                cites=match.cites,
                sector=match.sector,
                region=match.region,
            )
        if confident:
            return self.answer_entry(question, hits[0].entry_id, best)
        if best >= bands.suggest and suggestible:
            return self._suggest(question, hits, best)
        return AskResult(question=question, kind="fallback", text=texts.FALLBACK, score=best)

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

    def _multi(self, question: str, segments: list[str]) -> AskResult:
        """Two questions in one message: answer the clearest, offer the other."""
        results = [(segment, self.search(segment)) for segment in segments]
        results = [(s, h) for s, h in results if h and not _weak(h[0])]
        if not results:
            return AskResult(question=question, kind="fallback", text=texts.FALLBACK, score=0.0)
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
        text = primary.text + "\n\n" + texts.ALSO_ASKED.format(title=extra[0].title)
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
            text=texts.SUGGESTIONS_INTRO,
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
            sources=[SourceRef(s.title, str(s.url)) for s in entry.sources],
            reviewed=entry.reviewed,
            more=entry.more,
        )


def render_entry(entry: Entry) -> str:
    """An entry as the user reads it: the answer, then where it comes from."""
    lines = [entry.answer.strip(), ""]
    if entry.expires and entry.expires < dt.date.today():  # still served, flagged as old
        lines.append(
            texts.OUTDATED_LINE.format(
                date=f"{entry.expires:%d/%m/%Y}", reviewed=f"{entry.reviewed:%d/%m/%Y}"
            )
        )
    first = entry.sources[0]
    lines.append(texts.SOURCE_LINE.format(title=first.title, url=first.url))
    if len(entry.sources) > 1:
        lines.append(texts.MORE_SOURCES.format(count=len(entry.sources) - 1))
    lines.append(texts.REVIEWED_LINE.format(date=entry.reviewed.strftime("%d/%m/%Y")))
    if entry.more:
        lines.append(texts.SEE_MORE_HINT)
    return "\n".join(lines)
