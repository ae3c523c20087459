"""The review queue's rows: what the bot did not understand, and what reviewers decided.

The question log gives the questions (answered with the fallback, with
"¿Quiso decir…?" suggestions, or answered and then marked 👎); review_items
keeps one row per cluster shown to a reviewer and their decision. Other
sources (staff replies in handoffs) add rows with `suggest`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, overload

from sqlalchemy import and_, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.language.normalize import normalize
from bot.privacy.redaction import redact
from bot.storage.models import Feedback, QuestionLog, ReviewItem, utcnow

NOT_UNDERSTOOD = ("fallback", "suggestions")
DECISIONS = ("learned", "new_entry", "ignored")


@dataclass(frozen=True)
class Asked:
    """One distinct wording, how often it was asked and when (first and last time)."""

    wording: str
    count: int
    first_at: dt.datetime
    last_at: dt.datetime


class PendingGroup(Protocol):
    """What a pending review row is made from: a group of wordings that ask the same thing
    (bot.insights.clustering.Cluster, which sits above storage and so is not imported)."""

    wording: str  # the most asked wording
    normal: str  # its normalised form: the row's key across reviews
    count: int
    first_at: dt.datetime
    last_at: dt.datetime
    members: list[str]  # normalised wordings covered


@overload
def aware(moment: dt.datetime) -> dt.datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


async def not_understood(
    session: AsyncSession, since: dt.datetime, until: dt.datetime | None = None
) -> list[Asked]:
    """Each distinct stored wording the bot did not understand, with its count and dates.

    Not understood: the fallback, the "¿Quiso decir…?" suggestions, or an answer
    the same person then marked 👎.
    """
    q = QuestionLog
    disliked = exists().where(
        col(Feedback.user_id) == col(q.user_id),
        col(Feedback.entry_id) == col(q.entry_id),
        col(Feedback.useful).is_(False),
    )
    conditions = [
        col(q.created_at) >= since,
        col(q.question) != "",
        or_(col(q.kind).in_(NOT_UNDERSTOOD), and_(col(q.kind) == "answer", disliked)),
    ]
    if until is not None:
        conditions.append(col(q.created_at) < until)
    query = (
        select(
            col(q.question), func.count(), func.min(col(q.created_at)), func.max(col(q.created_at))
        )
        .where(*conditions)
        .group_by(col(q.question))
    )
    rows = (await session.exec(query)).all()
    return [
        Asked(str(text), int(count), aware(first), aware(last)) for text, count, first, last in rows
    ]


async def decided_members(session: AsyncSession) -> set[str]:
    """Every normalised wording already decided (learned, drafted or ignored)."""
    rows = (
        await session.exec(
            select(col(ReviewItem.members)).where(col(ReviewItem.status) != "pending")
        )
    ).all()
    found: set[str] = set()
    for members in rows:
        found.update(json.loads(members))
    return found


async def upsert_pending(
    session: AsyncSession, found: PendingGroup, candidates: list[str]
) -> ReviewItem:
    """The pending row for this cluster, created or refreshed with today's counts."""
    item = (
        await session.exec(select(ReviewItem).where(col(ReviewItem.normal) == found.normal))
    ).one_or_none()
    if item is None:
        item = ReviewItem(normal=found.normal, wording=redact(found.wording))
    item.members = json.dumps(found.members, ensure_ascii=False)
    item.candidates = json.dumps(candidates)
    item.asked, item.first_at, item.last_at = found.count, found.first_at, found.last_at
    session.add(item)
    await session.flush()
    return item


async def pending_from_other_sources(session: AsyncSession) -> list[ReviewItem]:
    query = (
        select(ReviewItem)
        .where(col(ReviewItem.status) == "pending", col(ReviewItem.source) != "questions")
        .order_by(col(ReviewItem.created_at))
    )
    return list((await session.exec(query)).all())


async def suggest(
    session: AsyncSession,
    wording: str,
    source: str,
    candidates: Iterable[str] = (),
    at: dt.datetime | None = None,
) -> ReviewItem | None:
    """Put a suggestion from another source (e.g. a staff reply in a handoff) in the queue.

    None when the same wording is already there (pending or decided).
    """
    text = redact(wording.strip())
    normal = normalize(text)[:300]
    if not normal:
        return None
    existing = (
        await session.exec(select(col(ReviewItem.id)).where(col(ReviewItem.normal) == normal))
    ).first()
    if existing is not None:
        return None
    at = at or utcnow()
    item = ReviewItem(
        normal=normal,
        wording=text,
        members=json.dumps([normal], ensure_ascii=False),
        candidates=json.dumps(list(candidates)),
        source=source[:16],
        asked=1,
        first_at=at,
        last_at=at,
    )
    session.add(item)
    await session.flush()
    return item


async def decide(
    session: AsyncSession,
    item_id: int,
    status: str,
    entry_id: str | None = None,
    by: int | None = None,
) -> ReviewItem | None:
    """Record a decision; None when the item does not exist or was decided before."""
    if status not in DECISIONS:
        raise ValueError(status)
    item = await session.get(ReviewItem, item_id)
    if item is None or item.status != "pending":
        return None
    item.status, item.entry_id = status, entry_id if status == "learned" else None
    item.decided_by, item.decided_at = by, utcnow()
    session.add(item)
    await session.flush()
    return item


async def learned_paraphrases(session: AsyncSession) -> dict[str, list[str]]:
    """Accepted wordings per entry id, oldest first: merged into entries at each reload."""
    rows = (
        await session.exec(
            select(col(ReviewItem.entry_id), col(ReviewItem.wording))
            .where(col(ReviewItem.status) == "learned", col(ReviewItem.entry_id).is_not(None))
            .order_by(col(ReviewItem.decided_at), col(ReviewItem.id))
        )
    ).all()
    learned: dict[str, list[str]] = {}
    for entry_id, wording in rows:
        learned.setdefault(str(entry_id), []).append(str(wording))
    return learned


async def not_written(session: AsyncSession) -> list[ReviewItem]:
    """Decisions `kb learn --write` has not put into files yet (paraphrases and drafts)."""
    query = (
        select(ReviewItem)
        .where(
            col(ReviewItem.status).in_(("learned", "new_entry")),
            col(ReviewItem.written_at).is_(None),
        )
        .order_by(col(ReviewItem.decided_at), col(ReviewItem.id))
    )
    return list((await session.exec(query)).all())


async def mark_written(session: AsyncSession, item_ids: list[int]) -> None:
    now = utcnow()
    for item_id in item_ids:
        item = await session.get(ReviewItem, item_id)
        if item is not None:
            item.written_at = now
            session.add(item)


async def forget_pending_wordings(session: AsyncSession, normals: set[str]) -> int:
    """Erasure: pending clusters led by one of the person's own wordings are dropped."""
    if not normals:
        return 0
    items = (
        await session.exec(
            select(ReviewItem).where(
                col(ReviewItem.status) == "pending", col(ReviewItem.normal).in_(sorted(normals))
            )
        )
    ).all()
    count = 0
    for item in items:
        await session.delete(item)
        count += 1
    return count
