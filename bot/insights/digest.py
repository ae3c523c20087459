"""The weekly digest for the staff chat: last week's figures and the content's health.

Posted once a week, on Monday from 08:00 Lima, by whichever replica's
housekeeping claims the week first (the app_state row that `claim_daily`
updates serialises them); a replica back later in the week still posts the
missed one. The notice goes through the outbox in the same transaction as
the claim: claimed and queued together, or neither. A new deployment's first
run only records the week: the first digest comes the next Monday, never as
a surprise message the moment the bot starts.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import phrases
from bot.core import Core
from bot.insights.clustering import cluster
from bot.insights.labels import namer
from bot.language.normalize import normalize
from bot.storage.models import AppState
from bot.storage.outbox import enqueue
from bot.storage.retention import claim_daily
from bot.storage.review import decided_members, not_understood
from bot.storage.statistics import build_statistics, lima_bounds

LIMA = ZoneInfo("America/Lima")
DIGEST_WEEK = "weekly_digest_week"
SEND_AT = dt.time(8, 0)
NOT_REVIEWED_DAYS = 180
SHOWN = 5


def week_due(now: dt.datetime) -> dt.date | None:
    """The Monday of this week once it is past 08:00 that Monday in Lima, else None."""
    local = now.astimezone(LIMA)
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local.replace(tzinfo=None) < dt.datetime.combine(monday, SEND_AT):
        return None
    return monday


def _listed(items: list[str]) -> str:
    if not items:
        return phrases.DIGEST_NOTHING
    more = f" (+{len(items) - SHOWN})" if len(items) > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


async def digest_text(session: AsyncSession, core: Core, monday: dt.date) -> str:
    since, until = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    stats = await build_statistics(session, since, until)
    kb, name = core.kb, namer(core.kb)
    expired = sorted(
        (e for e in kb.entries.values() if e.expires and e.expires < monday),
        key=lambda e: e.expires or monday,
    )
    stale = sorted(
        (e for e in kb.entries.values() if (monday - e.reviewed).days > NOT_REVIEWED_DAYS),
        key=lambda e: e.reviewed,
    )
    disliked = sorted((f for f in stats.feedback if f[2]), key=lambda f: -f[2])
    start, end = lima_bounds(since, until)
    decided = await decided_members(session)
    asked = await not_understood(session, start, end)
    clusters = cluster(a for a in asked if normalize(a.wording) not in decided)
    lines = [
        phrases.DIGEST_TITLE.format(since=f"{since:%d/%m}", until=f"{until:%d/%m/%Y}"),
        phrases.DIGEST_FIGURES.format(
            conversations=stats.conversations,
            questions=stats.questions,
            answered=stats.kinds.get("answered", 0),
            suggested=stats.kinds.get("suggested", 0),
            declined=stats.kinds.get("declined", 0),
            useful=sum(f[1] for f in stats.feedback),
            useless=sum(f[2] for f in stats.feedback),
            leads=sum(n for _, n in stats.leads_by_status),
            handoffs=stats.handoffs.count,
        ),
        "",
        phrases.DIGEST_HEALTH,
        phrases.DIGEST_EXPIRED.format(
            count=len(expired),
            items=_listed([f"{e.title} ({e.expires:%d/%m/%Y})" for e in expired]),
        ),
        phrases.DIGEST_STALE.format(
            count=len(stale),
            items=_listed([f"{e.title} ({e.reviewed:%d/%m/%Y})" for e in stale]),
        ),
        phrases.DIGEST_DISLIKED.format(
            items=_listed([f"{name(e)} ({d} 👎)" for e, _, d in disliked])
        ),
        phrases.DIGEST_CLUSTERS.format(
            items=_listed([f"«{c.wording}» ({c.count})" for c in clusters])
        ),
        "",
        phrases.DIGEST_FOOTER,
    ]
    return "\n".join(lines)


async def queue_weekly_digest(
    session: AsyncSession, core: Core, staff_chat_id: int | None, now: dt.datetime
) -> bool:
    """Claim this week's digest and queue it for the staff chat; False when not due,
    already claimed by another replica, or there is no staff chat. The caller commits."""
    monday = week_due(now)
    if staff_chat_id is None or monday is None:
        return False
    first_run = await session.get(AppState, DIGEST_WEEK) is None
    if not await claim_daily(session, DIGEST_WEEK, monday) or first_run:
        return False
    enqueue(session, staff_chat_id, await digest_text(session, core, monday), [])
    return True
