"""Typed shape of the knowledge base.

Curators write YAML and Markdown; everything downstream (retrieval, matching,
the dialogue) only ever sees these validated objects, so a typo in a file is
caught once, at load time, instead of surfacing as a confusing reply.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

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
