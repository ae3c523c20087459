"""Campaigns and deliveries: every SQL statement the broadcast engine needs.

Unlike the other storage modules, each function here that writes commits its
own short transaction. A broadcast is worked by one process while staff pause
or cancel it from another, and a process may die at any moment: a lease, a
delivery about to be sent or a delivery's outcome must be visible to everyone
the instant the function returns, never held in a transaction that a crash
would roll back. Reads do not commit.

Timestamps for leases come from the caller (`now`), so the engine's injectable
clock decides when a lease expires; on SQLite they are stored as UTC strings of
one fixed format, which compare correctly in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, literal, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.storage.dialect import insert_for
from bot.storage.models import (
    DELIVERY_STATUSES,
    Campaign,
    Delivery,
    User,
    known,
    table_of,
    utcnow,
)
from bot.storage.users import set_blocked

REASON_MAX = 200  # Delivery.reason's column width

#: Which status changes staff may ask for; "done" is reached only by the engine.
TRANSITIONS: dict[str, frozenset[str]] = {
    "running": frozenset({"paused", "cancelled"}),
    "paused": frozenset({"running", "cancelled"}),
    "cancelled": frozenset(),
    "done": frozenset(),
}


class CampaignNotFound(LookupError):
    """No campaign has that id."""


class TransitionRefused(ValueError):
    """The campaign's current status does not allow the requested one."""

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"{current} -> {wanted}")
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True)
class PendingDelivery:
    """What the engine needs to send one message (a plain value, not an ORM row)."""

    id: int
    user_id: int
    attempts: int


def _segment(region: str | None, sector: str | None) -> SelectOfScalar[int]:
    """Ids of the current subscribers of a segment: the same rule as users.subscribers."""
    query = select(col(User.id)).where(
        col(User.subscribed) == True,  # noqa: E712
        col(User.blocked) == False,  # noqa: E712
    )
    if region:
        query = query.where(col(User.region) == region)
    if sector:
        query = query.where(col(User.sector) == sector)
    return query


def _reason(text: str | None) -> str | None:
    return None if text is None else text[:REASON_MAX]


# --- campaigns ------------------------------------------------------------------


async def count_segment(
    session: AsyncSession, region: str | None = None, sector: str | None = None
) -> int:
    """How many subscribers a campaign to this segment would reach right now."""
    query = select(func.count()).select_from(_segment(region, sector).subquery())
    return int((await session.exec(query)).one())


async def create_campaign(
    session: AsyncSession,
    text: str,
    *,
    photo: str | None = None,
    region: str | None = None,
    sector: str | None = None,
    created_by: int | None = None,
    progress_chat_id: int | None = None,
) -> Campaign:
    """A running campaign with one pending delivery per current subscriber of the segment.

    The campaign, its deliveries and its total are written in one transaction
    (INSERT … SELECT), so a campaign never exists with half its recipients.
    """
    campaign, _ = await create_campaign_once(
        session,
        None,
        text,
        photo=photo,
        region=region,
        sector=sector,
        created_by=created_by,
        progress_chat_id=progress_chat_id,
    )
    return campaign


async def create_campaign_once(
    session: AsyncSession,
    preview_key: str | None,
    text: str,
    *,
    photo: str | None = None,
    region: str | None = None,
    sector: str | None = None,
    created_by: int | None = None,
    progress_chat_id: int | None = None,
) -> tuple[Campaign, bool]:
    """`create_campaign`, at most once per preview: returns (campaign, created).

    Two taps on "Enviar" may reach two replicas at the same moment. The unique
    preview key makes the database choose: the second INSERT waits for the
    first transaction, then does nothing, and the existing campaign is returned.
    """
    table = table_of(Campaign)
    now = utcnow()
    row = {
        "text": text,
        "photo": photo,
        "region": region or None,
        "sector": sector or None,
        "created_by": created_by,
        "progress_chat_id": progress_chat_id,
        "status": "running",
        "preview_key": preview_key,
        "total": 0,
        "created_at": now,
    }
    conn = await session.connection()
    statement = insert_for(conn.dialect.name, table).values(row)
    if preview_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["preview_key"])
    new_id = (await session.exec(statement.returning(table.c.id))).scalar()
    if new_id is None:
        existing = (
            await session.exec(select(Campaign).where(col(Campaign.preview_key) == preview_key))
        ).one()
        await session.commit()
        return existing, False
    recipients = _segment(region, sector).add_columns(
        literal(new_id),
        literal("pending"),
        literal(0),
        literal(now, table_of(Delivery).c.updated_at.type),
    )
    await session.exec(
        insert(Delivery).from_select(
            ["user_id", "campaign_id", "status", "attempts", "updated_at"], recipients
        )
    )
    total = await session.exec(select(func.count()).where(col(Delivery.campaign_id) == new_id))
    await session.exec(
        update(Campaign).where(col(Campaign.id) == new_id).values(total=int(total.one()))
    )
    campaign = await session.get(Campaign, new_id, populate_existing=True)
    assert campaign is not None
    await session.commit()
    return campaign, True


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id, populate_existing=True)


async def campaign_status(session: AsyncSession, campaign_id: int) -> str | None:
    """Just the status, read fresh: what the engine polls to notice a pause or cancel."""
    query = select(col(Campaign.status)).where(col(Campaign.id) == campaign_id)
    return (await session.exec(query)).first()


async def list_campaigns(session: AsyncSession, limit: int = 20) -> list[Campaign]:
    """The most recent campaigns first."""
    query = select(Campaign).order_by(col(Campaign.id).desc()).limit(limit)
    return list((await session.exec(query)).all())


async def set_status(session: AsyncSession, campaign_id: int, status: str) -> Campaign:
    """Pause, cancel or resume (back to running); raises when the change is not allowed.

    The UPDATE is conditioned on the status read, so two staff members acting at
    once cannot, say, resume a campaign the other just cancelled.
    """
    campaign = await get_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    if status == campaign.status:
        return campaign
    if status not in TRANSITIONS.get(campaign.status, frozenset()):
        raise TransitionRefused(campaign.status, status)
    result = await session.exec(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.status) == campaign.status)
        .values(status=status)
    )
    await session.commit()
    if result.rowcount != 1:
        fresh = await get_campaign(session, campaign_id)
        raise TransitionRefused(fresh.status if fresh else "?", status)
    refreshed = await get_campaign(session, campaign_id)
    assert refreshed is not None
    return refreshed


async def finish_campaign(
    session: AsyncSession, campaign_id: int, owner: str, now: dt.datetime | None = None
) -> bool:
    """Mark done (with finished_at) when nothing is pending or in flight; only the lease holder."""
    left = await session.exec(
        select(func.count()).where(
            col(Delivery.campaign_id) == campaign_id,
            col(Delivery.status).in_(("pending", "sending")),
        )
    )
    if int(left.one()):
        return False
    result = await session.exec(
        update(Campaign)
        .where(
            col(Campaign.id) == campaign_id,
            col(Campaign.status) == "running",
            col(Campaign.lease_owner) == owner,
        )
        .values(status="done", finished_at=now or utcnow())
    )
    await session.commit()
    return bool(result.rowcount == 1)


async def set_progress_message(
    session: AsyncSession, campaign_id: int, chat_id: int, message_id: int
) -> None:
    """Remember the staff message that shows this campaign's progress (edited in place)."""
    await session.exec(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
    )
    await session.commit()


# --- the lease --------------------------------------------------------------------


async def claim_lease(
    session: AsyncSession,
    campaign_id: int,
    owner: str,
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> bool:
    """Take (or extend) the right to work a running campaign; True when it is ours.

    One atomic UPDATE: it succeeds only when the lease is free, expired, or
    already ours, so of two workers racing for it exactly one gets rowcount 1,
    on SQLite (one writer at a time) and on PostgreSQL (the row lock) alike.
    """
    now = now or utcnow()
    result = await session.exec(
        update(Campaign)
        .where(
            col(Campaign.id) == campaign_id,
            col(Campaign.status) == "running",
            or_(
                col(Campaign.lease_owner).is_(None),
                col(Campaign.lease_until) < now,
                col(Campaign.lease_owner) == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=now + ttl)
    )
    await session.commit()
    return bool(result.rowcount == 1)


async def renew_lease(
    session: AsyncSession,
    campaign_id: int,
    owner: str,
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> bool:
    """Push our lease forward; False means another worker took it (ours had expired)."""
    now = now or utcnow()
    result = await session.exec(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.lease_owner) == owner)
        .values(lease_until=now + ttl)
    )
    await session.commit()
    return bool(result.rowcount == 1)


async def release_lease(session: AsyncSession, campaign_id: int, owner: str) -> None:
    """Give the campaign up at once, so a resume does not wait for the lease to expire."""
    await session.exec(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.lease_owner) == owner)
        .values(lease_owner=None, lease_until=None)
    )
    await session.commit()


async def resumable_campaigns(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    """Running campaigns nobody is working (no lease, or an expired one): for start-up resume."""
    now = now or utcnow()
    query = (
        select(col(Campaign.id))
        .where(
            col(Campaign.status) == "running",
            or_(col(Campaign.lease_owner).is_(None), col(Campaign.lease_until) < now),
        )
        .order_by(col(Campaign.id))
    )
    return [int(i) for i in (await session.exec(query)).all() if i is not None]


# --- deliveries ---------------------------------------------------------------------


async def next_pending(
    session: AsyncSession, campaign_id: int, limit: int = 100
) -> list[PendingDelivery]:
    """The next pending deliveries, oldest first."""
    query = (
        select(col(Delivery.id), col(Delivery.user_id), col(Delivery.attempts))
        .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == "pending")
        .order_by(col(Delivery.id))
        .limit(limit)
    )
    rows = (await session.exec(query)).all()
    # Erasure deletes a person's unsent deliveries, so a pending one always has its user.
    return [
        PendingDelivery(known(i, "deliveries.id"), known(u, "pending delivery's user_id"), a)
        for i, u, a in rows
    ]


async def _move(
    session: AsyncSession,
    delivery_id: int,
    source: str,
    target: str,
    reason: str | None = None,
    *,
    count_attempt: bool = False,
) -> bool:
    values: dict[str, object] = {
        "status": target,
        "reason": _reason(reason),
        "updated_at": utcnow(),
    }
    if count_attempt:
        values["attempts"] = col(Delivery.attempts) + 1
    result = await session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == source)
        .values(**values)
    )
    return bool(result.rowcount == 1)


async def mark_sending(session: AsyncSession, delivery_id: int) -> bool:
    """pending → sending, counting the attempt; committed before the request leaves.

    False when the row was not pending any more (someone else handled it).
    """
    moved = await _move(session, delivery_id, "pending", "sending", count_attempt=True)
    await session.commit()
    return moved


async def mark_pending(session: AsyncSession, delivery_id: int, reason: str | None = None) -> bool:
    """sending → pending: Telegram answered that it did not deliver (429, 5xx), retry later."""
    moved = await _move(session, delivery_id, "sending", "pending", reason)
    await session.commit()
    return moved


async def mark_sent(session: AsyncSession, delivery_id: int) -> bool:
    moved = await _move(session, delivery_id, "sending", "sent")
    await session.commit()
    return moved


async def mark_failed(session: AsyncSession, delivery_id: int, reason: str) -> bool:
    moved = await _move(session, delivery_id, "sending", "failed", reason)
    await session.commit()
    return moved


async def mark_blocked(
    session: AsyncSession, delivery_id: int, user_id: int, reason: str | None = None
) -> bool:
    """The user blocked the bot: the delivery and the user, in one commit."""
    moved = await _move(session, delivery_id, "sending", "blocked", reason)
    await set_blocked(session, user_id, True)
    await session.commit()
    return moved


async def recover_in_flight(session: AsyncSession, campaign_id: int) -> int:
    """After a crash: every `sending` row becomes `unknown` (never resent). Returns how many.

    Call it only while holding the campaign's lease: then no live worker has a
    request in flight, and a `sending` row is one whose answer was lost with
    the process that sent it. It may or may not have reached the person; at
    most once means we do not try again.
    """
    result = await session.exec(
        update(Delivery)
        .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == "sending")
        .values(status="unknown", reason="posible envío interrumpido", updated_at=utcnow())
    )
    await session.commit()
    return int(result.rowcount or 0)


async def delivery_counts(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Deliveries per status, every status present (zero when none)."""
    return (await counts_by_campaign(session, [campaign_id])).get(
        campaign_id, dict.fromkeys(DELIVERY_STATUSES, 0)
    )


async def counts_by_campaign(
    session: AsyncSession, campaign_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Deliveries per status for several campaigns, in one query."""
    ids = list(campaign_ids)
    counts = {i: dict.fromkeys(DELIVERY_STATUSES, 0) for i in ids}
    if not ids:
        return counts
    query = (
        select(col(Delivery.campaign_id), col(Delivery.status), func.count())
        .where(col(Delivery.campaign_id).in_(ids))
        .group_by(col(Delivery.campaign_id), col(Delivery.status))
    )
    for campaign_id, status, number in (await session.exec(query)).all():
        counts[int(campaign_id)][str(status)] = int(number)
    return counts


async def failure_reasons(
    session: AsyncSession, campaign_id: int, limit: int = 5
) -> list[tuple[str, int]]:
    """The most frequent reasons of failed deliveries, for the staff report."""
    number = func.count().label("n")
    query = (
        select(col(Delivery.reason), number)
        .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == "failed")
        .group_by(col(Delivery.reason))
        .order_by(number.desc())
        .limit(limit)
    )
    return [(str(r or "?"), int(n)) for r, n in (await session.exec(query)).all()]


async def deliveries_with_status(
    session: AsyncSession, campaign_id: int, status: str, limit: int | None = None
) -> Sequence[int]:
    """User ids of one status (e.g. the `unknown` ones staff may want to check by hand)."""
    query = (
        select(col(Delivery.user_id))
        .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == status)
        .order_by(col(Delivery.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return [int(u) for u in (await session.exec(query)).all() if u is not None]  # None: erased
