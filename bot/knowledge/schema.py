"""Typed shape of the knowledge base.

Curators write YAML and Markdown; everything downstream (retrieval, matching,
the dialogue) only ever sees these validated objects, so a typo in a file is
caught once, at load time, instead of surfacing as a confusing reply.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str = Field(min_length=3)
    url: HttpUrl
    date: dt.date | None = None


class Entry(_Strict):
    """One question-and-answer entry (knowledge/entries/<id>.md)."""

    # Short enough to travel inside a 64-byte Telegram button payload.
    id: str = Field(pattern=ID_PATTERN, max_length=40)
    title: str = Field(min_length=3)
    questions: list[str] = Field(min_length=5)
    tags: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    reviewed: dt.date
    expires: dt.date | None = None
    answer: str = Field(min_length=20)
    more: str | None = None


class Service(_Strict):
    name: str = Field(min_length=3)
    description: str = ""
    circular: bool = False
    tags: list[str] = Field(default_factory=list)


class Cite(_Strict):
    """One CITE of the network (knowledge/cites.yaml)."""

    id: str = Field(pattern=ID_PATTERN, max_length=48)  # "lead:c:<id>" within 64 bytes
    name: str
    short_name: str
    kind: str = Field(pattern=r"^(publico|privado|desconocido)$")
    sectors: list[str] = Field(min_length=1)
    region: str
    city: str | None = None
    status: str = Field(
        default="operando", pattern=r"^(operando|en_construccion|proyecto|incierto)$"
    )
    services: list[Service] = Field(default_factory=list)
    website: HttpUrl | None = None
    sources: list[Source] = Field(min_length=1)
    unverified: list[str] = Field(default_factory=list)
    reviewed: dt.date
    # Other names the sources use for the same centre ("CITEvid", "CITEcuero y calzado
    # Trujillo"): they find the CITE in a question; `short_name` is what the bot shows.
    aliases: list[str] = Field(default_factory=list)
    # What the sources say about where it is, beyond the city ("km 16,5 de la Carretera
    # Interoceánica"); never an address nobody has published.
    location: str | None = None
    # Sourced facts about this centre (figures, opening, projects), one sentence each.
    facts: list[str] = Field(default_factory=list)


# Sector, region and need ids travel together in one CITE-flow button
# ("cn:<sector>:<region>:<need>"), which Telegram caps at 64 bytes.
FLOW_ID_MAX = 18


class Region(_Strict):
    """A department (or Lima Metropolitana / Lima Provincias / Callao)."""

    id: str = Field(pattern=ID_PATTERN, max_length=FLOW_ID_MAX)
    name: str
    capital: str
    lat: float = Field(ge=-19.0, le=0.5)
    lon: float = Field(ge=-82.0, le=-68.0)
    provinces: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)


class Vocabulary(_Strict):
    """A sector (productive chain) or a need, with the words owners use for it."""

    id: str = Field(pattern=ID_PATTERN, max_length=FLOW_ID_MAX)
    name: str
    words: list[str] = Field(min_length=1)
    description: str = ""


class SynonymGroup(_Strict):
    """Everyday words that mean the same as a canonical term for retrieval."""

    term: str
    variants: list[str] = Field(min_length=1)


class SmallTalk(_Strict):
    greetings: list[str] = Field(default_factory=list)
    thanks: list[str] = Field(default_factory=list)
    goodbyes: list[str] = Field(default_factory=list)
    # Words that make a message an insult: it gets the fallback, never a guessed answer.
    insults: list[str] = Field(default_factory=list)


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"expresión regular inválida {pattern!r}: {exc}") from exc
    return patterns


class GapCue(_Strict):
    """A kind of datum a question can ask for, and how to tell whether a text holds it."""

    label: str = Field(min_length=3)  # how the reply names it: "el teléfono"
    asks: list[str] = Field(min_length=1)  # regexes on the normalised question
    # Regexes on the answer (lower case, accents removed, punctuation kept); none means
    # the knowledge base never holds this datum (opening hours, a CITE's prices).
    holds: list[str] = Field(default_factory=list)

    _asks = field_validator("asks", "holds")(_compiles)


class Routing(_Strict):
    """Routing vocabulary (knowledge/routing.yaml): what decides, before retrieval, that a
    message is small talk or belongs to another office, and which data a question asks.

    Every list of patterns holds regular expressions matched on the normalised message
    (lower case, no accents, no punctuation)."""

    filler: list[str] = Field(default_factory=list)  # words that leave a greeting a greeting
    shopping: list[str] = Field(default_factory=list)  # a product's price or where to buy it
    priced_service: list[str] = Field(default_factory=list)  # ...unless it is a service we cover
    paperwork: list[str] = Field(default_factory=list)  # personal documents (RENIEC, MTC...)
    procedure: list[str] = Field(default_factory=list)  # "how do I get/renew..."
    tax_procedure: list[str] = Field(default_factory=list)  # paying or filing taxes
    cite_cue: list[str] = Field(default_factory=list)  # the message names a CITE or UT
    rumour: list[str] = Field(default_factory=list)  # "dicen que...", "¿es cierto?"
    gaps: dict[str, GapCue] = Field(default_factory=dict)
    # CITE matching: first-person business cues, more context about the sender, help
    # cues (a CITE is the answer), question cues (asks rather than describes).
    business: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    help: list[str] = Field(default_factory=list)
    question: list[str] = Field(default_factory=list)

    _patterns = field_validator(
        "shopping",
        "priced_service",
        "paperwork",
        "procedure",
        "tax_procedure",
        "cite_cue",
        "rumour",
        "business",
        "context",
        "help",
        "question",
    )(_compiles)


class Decision(_Strict):
    """The learned answer/suggest/decline decision (knowledge/decision.yaml), written by
    `mypebot kb train`; see bot/answers/decision.py."""

    features: list[str] = Field(min_length=1)
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    answer: float = Field(ge=0.0, le=1.0)
    trained_on: list[str] = Field(default_factory=list)
    examples: int = 0
    # Off: the hand-set bands decide and the model is kept for comparison
    # (`kb eval --decision model`). Switch it on only when it measures better.
    enabled: bool = False
