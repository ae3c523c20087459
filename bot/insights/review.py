"""The review of what the bot did not understand: the queue and the three decisions.

Shared by /pendientes (dialogue/review.py) and `mypebot kb review`: each
cluster comes with the three entries the answers engine finds most likely.
"es esta entrada" makes the wording a learned paraphrase (every replica
serves it after the next reload, which the decision requests); "nueva
entrada" gives a draft entry file for a curator; "ignorar" keeps the cluster
out of the queue for good.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import Core
from bot.insights.clustering import cluster
from bot.language.normalize import normalize
from bot.storage import review as store
from bot.storage.app_state import request_knowledge_reload
from bot.storage.models import ReviewItem, stored_id, utcnow

REVIEW_DAYS = 90  # questions older than this are not reviewed (retention may strip them)
QUEUE_SIZE = 5
LIKELY = 3


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    title: str


@dataclass
class QueueItem:
    """A cluster as the reviewer sees it."""

    id: int
    wording: str
    count: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    source: str
    candidates: list[Candidate] = field(default_factory=list)
    others: int = 0  # other wordings in the cluster


def likely_entries(core: Core, wording: str, limit: int = LIKELY) -> list[str]:
    return [hit.entry_id for hit in core.answers.search(wording, limit=limit)][:limit]


def _item(row: ReviewItem, core: Core) -> QueueItem:
    ids = [i for i in json.loads(row.candidates) if i in core.kb.entries]
    return QueueItem(
        id=stored_id(row),
        wording=row.wording,
        count=row.asked,
        first_at=store.aware(row.first_at),
        last_at=store.aware(row.last_at),
        source=row.source,
        candidates=[Candidate(i, core.kb.entries[i].title) for i in ids],
        others=max(len(json.loads(row.members)) - 1, 0),
    )


async def review_queue(
    session: AsyncSession,
    core: Core,
    limit: int = QUEUE_SIZE,
    now: dt.datetime | None = None,
) -> list[QueueItem]:
    """The largest undecided clusters first, with suggestions from other sources among them.

    The caller commits: the clusters shown are stored as pending rows, whose ids
    the reviewer's buttons (or answers) refer to.
    """
    now = now or utcnow()
    asked = await store.not_understood(session, now - dt.timedelta(days=REVIEW_DAYS))
    decided = await store.decided_members(session)
    clusters = cluster(a for a in asked if normalize(a.wording) not in decided)
    rows: list[ReviewItem] = []
    for found in clusters[:limit]:
        rows.append(await store.upsert_pending(session, found, likely_entries(core, found.wording)))
    seen = {row.id for row in rows}
    rows += [r for r in await store.pending_from_other_sources(session) if r.id not in seen]
    rows.sort(key=lambda r: (-r.asked, -(store.aware(r.last_at) or now).timestamp()))
    return [_item(row, core) for row in rows[:limit]]


async def accept(
    session: AsyncSession, core: Core, item_id: int, choice: int, by: int | None = None
) -> tuple[ReviewItem, str] | None:
    """ "es esta entrada": the wording becomes a paraphrase of the chosen candidate.

    Asks every replica to reload, so the next answer to it is that entry.
    None when the item or the choice no longer exists, or it was decided before.
    """
    row = await session.get(ReviewItem, item_id)
    if row is None:
        return None
    ids = json.loads(row.candidates)
    if not 0 <= choice < len(ids) or ids[choice] not in core.kb.entries:
        return None
    decided = await store.decide(session, item_id, "learned", ids[choice], by)
    if decided is None:
        return None
    await request_knowledge_reload(session)
    return decided, core.kb.entries[ids[choice]].title


async def new_entry(
    session: AsyncSession, item_id: int, by: int | None = None, today: dt.date | None = None
) -> tuple[ReviewItem, str, str] | None:
    """ "nueva entrada": (the row, a draft file name, the draft's text) for a curator."""
    decided = await store.decide(session, item_id, "new_entry", by=by)
    if decided is None:
        return None
    name, text = draft_entry(decided, today or dt.date.today())
    return decided, name, text


async def ignore(session: AsyncSession, item_id: int, by: int | None = None) -> ReviewItem | None:
    """ "ignorar": the cluster leaves the queue and its wordings never come back."""
    return await store.decide(session, item_id, "ignored", by=by)


def slug(text: str, limit: int = 30) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", normalize(text).replace("ñ", "n")).strip("-")
    return words[:limit].rstrip("-") or "pregunta"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def draft_entry(item: ReviewItem, today: dt.date) -> tuple[str, str]:
    """A draft entry with the cluster's questions; answer and sources are left to a curator.

    Nothing is invented: the draft says what is missing. It lives outside
    knowledge/entries/ until completed, so `kb check` never loads it half done.
    """
    entry_id = f"borrador-{item.id}-{slug(item.wording)}"[:40].rstrip("-")
    questions = [item.wording, *[m for m in json.loads(item.members) if m != item.normal]]
    lines = [
        "---",
        f"id: {entry_id}",
        f"title: {_quoted(item.wording)}",
        "questions:",
        *[f"  - {_quoted(q)}" for q in questions[:20]],
        "tags: []",
        "sources: []  # POR COMPLETAR: al menos una fuente oficial (title, url)",
        f"reviewed: {today.isoformat()}",
        "---",
        "POR COMPLETAR: la respuesta, corta y con datos de la fuente.",
        "",
    ]
    return f"{entry_id}.md", "\n".join(lines)
