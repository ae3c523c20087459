"""Groups the questions the bot did not understand by similarity, most asked first.

Pure functions over already-redacted wordings with their counts and dates, so
the same clustering serves /pendientes, `mypebot kb review` and the digest.

Two steps keep it fast on a ministry's volume: wordings that reduce to the same
signature (normalised, stopwords and greetings out, words stemmed and sorted)
are one group at once; then each group, most asked first, joins the closest
larger cluster sharing a word with it, or starts its own. Close means the
signatures are alike (token_sort_ratio), or the larger cluster's words, two or
more, are all in it ("bono bodeguer" in "bono bodeguer pun urgent"): someone
adding a region or "urgente" asks the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.language.analyzer import STOPWORDS, stem
from bot.language.normalize import normalize
from bot.storage.review import Asked

SIMILAR = 82.0  # token_sort_ratio over signatures: "cuanto vale la uit" ~ "a cuanto esta la uit"
CONTAINED = 90.0  # token_set_ratio: the larger cluster's words are (nearly) all there
# Words that wrap a question without changing it.
FILLER = frozenset(
    [
        "hola",
        "buenas",
        "buenos",
        "dias",
        "tardes",
        "noches",
        "quisiera",
        "saber",
        "consulta",
        "pregunta",
        "disculpe",
        "porfa",
        "favor",
        "urgente",
        "gracias",
        "senor",
        "senora",
        "señor",
        "señora",
        "amigo",
        "ayuda",
        "ayudame",
        "informacion",
        "info",
    ]
)


@dataclass
class Cluster:
    """Questions that ask the same thing in different words."""

    wording: str  # the most asked wording: what the reviewer reads and may teach
    normal: str  # its normalised form: the cluster's key across reviews
    count: int
    first_at: dt.datetime
    last_at: dt.datetime
    members: list[str] = field(default_factory=list)  # normalised wordings covered
    examples: list[str] = field(default_factory=list)  # other wordings, most asked first


def signature(text: str) -> str:
    """What a wording says, without the words that say nothing: "¿Cuánto vale la UIT?"
    and "la uit cuanto vale" share "cuant uit val"."""
    words = {stem(w) for w in normalize(text).split() if w not in STOPWORDS and w not in FILLER}
    return " ".join(sorted(words)) or normalize(text)


def cluster(asked: Iterable[Asked], similar: float = SIMILAR) -> list[Cluster]:
    """The clusters, largest first (ties: most recent first)."""
    groups: dict[str, list[Asked]] = {}
    for item in asked:
        if item.wording.strip():
            groups.setdefault(signature(item.wording), []).append(item)
    ordered = sorted(groups.items(), key=lambda kv: -sum(a.count for a in kv[1]))
    leaders: list[str] = []
    members: list[list[Asked]] = []
    by_word: dict[str, list[int]] = {}  # word -> leaders that have it
    for sig, items in ordered:
        words = sig.split()
        near = sorted({i for w in words for i in by_word.get(w, ())})
        found = _closest(sig, [leaders[i] for i in near], similar) if near else None
        if found is None:
            for word in words:
                by_word.setdefault(word, []).append(len(leaders))
            leaders.append(sig)
            members.append(list(items))
        else:
            members[near[found]].extend(items)
    clusters = [_cluster(items) for items in members]
    clusters.sort(key=lambda c: (-c.count, -c.last_at.timestamp()))
    return clusters


def _closest(sig: str, choices: list[str], similar: float) -> int | None:
    alike = process.extractOne(sig, choices, scorer=fuzz.token_sort_ratio, score_cutoff=similar)
    if alike is not None:
        return int(alike[2])
    wide = [i for i, choice in enumerate(choices) if choice.count(" ") >= 1]
    inside = process.extractOne(
        sig, [choices[i] for i in wide], scorer=fuzz.token_set_ratio, score_cutoff=CONTAINED
    )
    return None if inside is None else wide[int(inside[2])]


def _cluster(items: list[Asked]) -> Cluster:
    by_count = sorted(items, key=lambda a: (-a.count, -a.last_at.timestamp()))
    top = by_count[0]
    normals = list(dict.fromkeys(normalize(a.wording) for a in by_count))
    return Cluster(
        wording=top.wording,
        normal=normalize(top.wording)[:300],
        count=sum(a.count for a in items),
        first_at=min(a.first_at for a in items),
        last_at=max(a.last_at for a in items),
        members=normals,
        examples=[a.wording for a in by_count[1:4]],
    )
