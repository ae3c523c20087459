"""What staff do with a campaign (create, run, resume, pause, cancel, look), for any front end.

The command line parses and prints; the work is here, done through a `Sender`
the caller hands in, so this package never needs to know which messenger
carries the messages. A problem staff must read is a `BroadcastError` whose
message is the Spanish line to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.broadcast import phrases, report
from bot.broadcast.engine import (
    EngineOptions,
    ProgressCallback,
    RunReport,
    StopSignal,
    run_campaign,
)
from bot.broadcast.quiet import lima_time
from bot.broadcast.sender import Sender
from bot.storage import broadcasts as store
from bot.storage.db import Database
from bot.storage.models import Campaign


class BroadcastError(Exception):
    """A problem to tell staff in one line; the message is the Spanish line."""


async def count_recipients(db: Database, region: str | None, sector: str | None) -> int:
    async with db.session() as session:
        return await store.count_segment(session, region, sector)


async def create_campaign(
    db: Database, text: str, photo: str | None, region: str | None, sector: str | None
) -> Campaign:
    """Refuses a segment nobody is in: such a campaign is a mistake in the filters."""
    async with db.session() as session:
        if not await store.count_segment(session, region, sector):
            raise BroadcastError(
                phrases.NO_RECIPIENTS.format(segment=report.segment_suffix(region, sector))
            )
        return await store.create_campaign(session, text, photo=photo, region=region, sector=sector)


async def run(
    db: Database,
    campaign_id: int,
    sender: Sender,
    options: EngineOptions,
    owner: str,
    on_progress: ProgressCallback | None = None,
    stop: StopSignal | None = None,
) -> RunReport:
    """Work the campaign; when asked to stop it is left paused, so `resume` picks it up."""
    result = await run_campaign(
        db, campaign_id, sender, options, owner=owner, on_progress=on_progress, stop=stop
    )
    if result.outcome == "stopped":
        async with db.session() as session:
            # If it stopped running meanwhile (cancelled elsewhere) there is nothing to pause.
            with contextlib.suppress(store.TransitionRefused):
                await store.set_status(session, campaign_id, "paused")
    return result


async def find_campaign(db: Database, campaign_id: int) -> Campaign:
    async with db.session() as session:
        campaign = await store.get_campaign(session, campaign_id)
    if campaign is None:
        raise store.CampaignNotFound(campaign_id)
    return campaign


async def reclaim(
    db: Database,
    campaign_id: int,
    owner: str,
    options: EngineOptions,
    on_wait: Callable[[str], None],
) -> None:
    """Mark a paused or interrupted campaign running again and take its lease for `owner`."""
    async with db.session() as session:
        await change_status(session, campaign_id, "running")
    await wait_for_lease(db, campaign_id, owner, options, on_wait)


async def wait_for_lease(
    db: Database,
    campaign_id: int,
    owner: str,
    options: EngineOptions,
    on_wait: Callable[[str], None],
) -> None:
    """Claim the lease; if held, wait once for it to expire (a killed worker's lease does).

    A worker that is alive renews its lease, so if it is still held after
    that wait, someone really is sending: say so instead of waiting forever.
    `on_wait` gets the Spanish line announcing the wait.
    """
    ttl = dt.timedelta(seconds=options.lease_seconds)
    for attempt in range(2):
        async with db.session() as session:
            if await store.claim_lease(session, campaign_id, owner, ttl):
                return
            campaign = await store.get_campaign(session, campaign_id)
        if campaign is None:
            raise store.CampaignNotFound(campaign_id)
        if attempt or campaign.lease_until is None:
            break
        until = campaign.lease_until
        if until.tzinfo is None:  # SQLite gives back naive UTC
            until = until.replace(tzinfo=dt.UTC)
        wait = (until - dt.datetime.now(dt.UTC)).total_seconds() + 0.5
        wait = min(max(wait, 0.0), options.lease_seconds + 1)
        on_wait(phrases.WAITING_LEASE.format(id=campaign_id, time=lima_time(until)))
        await asyncio.sleep(wait)
    raise BroadcastError(phrases.STILL_BUSY.format(id=campaign_id))


async def change_status(session: AsyncSession, campaign_id: int, status: str) -> None:
    """A refused change becomes a line saying what the campaign is and what was asked."""
    try:
        await store.set_status(session, campaign_id, status)
    except store.TransitionRefused as exc:
        raise BroadcastError(
            phrases.TRANSITION_REFUSED.format(
                id=campaign_id,
                status=phrases.CAMPAIGN_STATUS.get(exc.current, exc.current),
                action=phrases.ACTION[status],
            )
        ) from None


async def set_status(db: Database, campaign_id: int, status: str) -> dict[str, int]:
    """Pause or cancel; the delivery counts returned say how many will not go out."""
    async with db.session() as session:
        await change_status(session, campaign_id, status)
        return await store.delivery_counts(session, campaign_id)


async def list_lines(db: Database, limit: int) -> list[str]:
    """The latest campaigns, a line each, as staff read them."""
    async with db.session() as session:
        campaigns = await store.list_campaigns(session, max(1, limit))
        counts = await store.counts_by_campaign(
            session, [c.id for c in campaigns if c.id is not None]
        )
    return report.list_lines(campaigns, counts)


async def status_lines(db: Database, campaign_id: int) -> list[str]:
    """One campaign's progress, failure reasons and the deliveries worth checking by hand."""
    async with db.session() as session:
        campaign = await store.get_campaign(session, campaign_id)
        if campaign is None:
            raise store.CampaignNotFound(campaign_id)
        counts = await store.delivery_counts(session, campaign_id)
        reasons = await store.failure_reasons(session, campaign_id)
        unknown = await store.deliveries_with_status(session, campaign_id, "unknown", 20)
    return report.status_lines(campaign, counts, reasons, unknown)
