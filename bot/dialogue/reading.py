"""What a message was taken to mean, as one value computed before any reply is chosen.

The meaning used to be spread over acts.read, context.leans_on_topic,
matcher.extract and the order of the dialogue's ifs, so nobody could see why a
reply was chosen. A `Reading` holds every part, each with the rule that found
it; the flows decide from it, --explain prints it. `read` is the one seam where
today's rules compute it: a learned classifier can replace its body without
any flow noticing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.answers.result import AskResult
from bot.core import Core
from bot.dialogue import acts, codes, context
from bot.dialogue import callbacks as cb
from bot.matching.matcher import Extraction

# Where each part came from, for --explain: the rule (a function of today's rules) that found it.
ACT_RULES: dict[acts.ActKind, str] = {
    "menu": "acts.read: navegación",
    "back": "acts.read: navegación",
    "help": "acts.read: navegación",
    "exit": "acts.read: navegación",
    "yes": "acts.read: sí/no",
    "no": "acts.read: sí/no",
    "person": "acts.asks_for_person",
    "frustration": "acts.read: frustración",
    "foreign": "acts.read: idioma",
    "none": "acts.read: ningún acto",
}


PRIVATE_RULE = "no: responde con datos personales"


@dataclass(frozen=True)
class Situation:
    """Where the conversation stands: what the same words mean depends on it."""

    options: tuple[acts.Option, ...] = ()  # the latest keyboard, to be picked by typing
    topic: context.Topic | None = None  # what the last answer was about
    region_for: str | None = None  # the CITE finder asked the region for this sector
    private: bool = False  # the text answers with personal data (a phone): not for the engine


@dataclass(frozen=True)
class Business:
    """The business the message describes, if any (matcher.extract)."""

    sector: str | None = None
    region: str | None = None
    needs: tuple[str, ...] = ()
    cue: bool = False  # said as one's own business ("tengo una panadería")

    def extraction(self) -> Extraction:
        return Extraction(sector=self.sector, region=self.region, needs=list(self.needs))


@dataclass(frozen=True)
class Reading:
    text: str
    act: acts.Act
    act_rule: str
    option: acts.Option | None = None  # the button the message presses, if it presses one
    option_rule: str = ""
    region: str | None = None  # a region typed when the CITE finder asked for one
    region_rule: str = ""
    topic: context.Topic | None = None  # the topic leaned on, when the message needs one
    topic_rule: str = ""
    business: Business = Business()
    business_rule: str = "matcher.extract"
    own_cite: bool = False  # asks for "a CITE for me" without saying the business
    question: str = ""  # what the answers engine was asked
    question_rule: str = ""
    # The engine's reply to `question`: a candidate the questions flow may still replace.
    answer: AskResult | None = field(default=None, compare=False, repr=False)


def read(text: str, situation: Situation, core: Core) -> Reading:
    """The reading of `text` in `situation`, by today's rules."""
    options = situation.options
    act = acts.read(text, options)
    option, option_rule = _option(text, act, options)
    region, region_rule = None, ""
    if situation.region_for is not None:
        region = core.matcher.places.lookup(text)
        region_rule = "places.lookup" if region else "places.lookup: ninguna"
    read_so_far = Reading(
        text=text,
        act=act,
        act_rule=_act_rule(text, act, options),
        option=option,
        option_rule=option_rule,
    )
    if situation.private:
        return replace(
            read_so_far,
            topic_rule=PRIVATE_RULE,
            business_rule=PRIVATE_RULE,
            question_rule=PRIVATE_RULE,
        )
    answer, question, topic, topic_rule = _in_context(text, situation.topic, core)
    extraction = core.matcher.extract(text)
    return replace(
        read_so_far,
        region=region,
        region_rule=region_rule,
        topic=topic,
        topic_rule=topic_rule,
        business=Business(
            extraction.sector, extraction.region, tuple(extraction.needs), extraction.business_cue
        ),
        own_cite=acts.asks_for_own_cite(text),
        question=question,
        question_rule="con el tema" if topic is not None else "tal como se escribió",
        answer=answer,
    )


def _act_rule(text: str, act: acts.Act, options: Sequence[acts.Option]) -> str:
    if act.kind != "pick":
        return ACT_RULES[act.kind]
    # Read again with the labels hidden: still a pick, so it was picked by its number.
    unlabelled = [acts.Option("", o.data) for o in options]
    if acts.read(text, unlabelled).kind == "pick":
        return "acts.read: número de opción"
    return "acts.read: nombre de opción"


def _option(
    text: str, act: acts.Act, options: Sequence[acts.Option]
) -> tuple[acts.Option | None, str]:
    if act.kind == "pick":
        if act.index is None:
            return None, f"fuera de rango: el teclado tiene {len(options)}"
        return options[act.index], "la opción elegida"
    if act.kind in {"yes", "no"}:
        wanted = codes.YES if act.kind == "yes" else codes.NO
        for option in options:
            data = cb.decode(option.data)
            if data.action in codes.YES_NO_QUESTIONS and data.arg(0) == wanted:
                return option, "responde la pregunta del teclado"
    return None, ""


def _in_context(
    text: str, topic: context.Topic | None, core: Core
) -> tuple[AskResult, str, context.Topic | None, str]:
    """The engine's reply, the text it was asked, and the topic, if the message leaned on it."""
    plain = core.answers.reply(text)
    if topic is None:
        return plain, text, None, "sin tema previo"
    if plain.kind == "greeting":
        return plain, text, None, f"no: saludo (tema previo: {topic.label})"
    if not context.leans_on_topic(text):
        return plain, text, None, f"no: dice de qué trata (tema previo: {topic.label})"
    cue, rest = context.follow_up(text)
    if not cue and plain.kind in {"answer", "cites"}:
        return plain, text, None, f"no: corto, pero con respuesta (tema previo: {topic.label})"
    asked = f"{topic.query} {rest}"
    contextual = core.answers.reply(asked)
    # An entry, or one CITE's card (its data or the honest word that it lacks it).
    if contextual.kind == "answer" or (contextual.kind == "cites" and len(contextual.cites) == 1):
        how = "context.follow_up: empieza con «y»" if cue else "context.leans_on_topic: corto"
        return contextual, asked, topic, how
    return plain, text, None, f"no: el tema no ayudó (tema previo: {topic.label})"
