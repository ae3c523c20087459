"""What the conversation is about, so a follow-up is read against it.

"y cuánto me pueden dar máximo?" after an answer about ProInnóvate, or "y la
dirección?" after a list of CITEs, say nothing on their own. The last topic
(an entry or a CITE) is kept in the conversation's stored context, and an
elliptical message is asked again together with that topic; the reply then
says what it understood ("Sobre ProInnóvate: …"), so a wrong reading is
visible at once. Pure functions: the dialogue stores and reads the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.answers.result import AskResult
from bot.knowledge.loader import KnowledgeBase
from bot.language.normalize import normalize

# Words that open a follow-up: "y ...", "entonces ...", "pero ...".
_CUES = frozenset({"y", "e", "i", "entonces", "pero", "ademas", "tambien", "osea", "aparte"})
SHORT = 6  # words: a message this short may lean on the topic even without a cue

# The subject a tag stands for, in the words an owner would use (label) and the words
# that find it (query). The first tag of an entry found here names its topic.
_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("proinnovate", "ProInnóvate", "proinnovate"),
    ("mype-sostenible", "MYPE Sostenible", "mype sostenible"),
    ("ventas-al-estado", "Compras MYPErú", "compras myperu"),
    ("apl", "los Acuerdos de Producción Limpia", "acuerdo de produccion limpia"),
    ("produccion-limpia", "producción más limpia", "produccion mas limpia"),
    ("ruc", "el RUC", "ruc"),
    ("uit", "la UIT", "uit"),
    ("datos-personales", "sus datos personales", "datos personales"),
    ("normas", "las normas técnicas", "norma tecnica"),
    ("hoja-de-ruta", "la hoja de ruta de economía circular", "hoja de ruta economia circular"),
    ("cite", "los CITE", "cite"),
)


@dataclass(frozen=True)
class Topic:
    label: str  # shown: "Sobre {label}: …"
    query: str  # added to an elliptical message before it is asked again


def remember(context: dict[str, Any], result: AskResult) -> None:
    """Keep what a reply was about, for the next message."""
    if result.kind == "answer" and result.entry_id:
        context["topic"] = {"entry": result.entry_id}
    elif result.kind == "cites" and result.cites:
        context["topic"] = {"cite": result.cites[0].id}


def remember_cite(context: dict[str, Any], cite_id: str) -> None:
    context["topic"] = {"cite": cite_id}


def topic_of(context: dict[str, Any], kb: KnowledgeBase) -> Topic | None:
    stored = context.get("topic")
    if not isinstance(stored, dict):
        return None
    cite = kb.cites.get(str(stored.get("cite") or ""))
    if cite is not None:
        return Topic(cite.short_name, cite.short_name)
    entry = kb.entries.get(str(stored.get("entry") or ""))
    if entry is None:
        return None  # the entry left the knowledge base since
    for tag, label, query in _TOPICS:
        if tag in entry.tags:
            return Topic(label, query)
    return Topic(entry.title, entry.title)


def follow_up(text: str) -> tuple[bool, str]:
    """(opens with a follow-up cue, the message without it)."""
    words = normalize(text).split()
    if len(words) > 1 and words[0] in _CUES:
        return True, " ".join(words[1:])
    return False, " ".join(words)


def leans_on_topic(text: str) -> bool:
    """Short or cue-led: a message that may need the topic to be understood."""
    cue, rest = follow_up(text)
    return cue or len(rest.split()) <= SHORT
