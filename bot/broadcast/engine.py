"""The broadcast engine: works one campaign, one recipient at a time, within Telegram's limits.

Crash rule: at most once, and nobody else missed.
    Before each request leaves, its delivery is committed as `sending`; after
    Telegram answers, as `sent`, `blocked` or `failed` (or back to `pending`
    when Telegram said it delivered nothing: a 429 or a 5xx, retried later).
    So after a crash (kill -9, power cut) a `sending` row is a message whose
    fate nobody knows: it may have reached the phone. Whoever next claims the
    campaign turns those rows into `unknown` (`recover_in_flight`) and never
    sends them again, so no one receives the announcement twice; staff see
    them in the report as "posible envío interrumpido" (at most one per crash,
    since requests go out one at a time). Every `pending` row is sent on
    resume, so nobody else is missed. The one retry that might duplicate is a
    request that timed out after leaving: transient errors are retried because
    a missed announcement is the likelier harm there.

Only one worker sends a campaign at a time: it holds a lease (owner and
expiry on the campaign row), renewed every third of its length; a worker
that finds the lease held returns at once, and one that loses its lease (it
stalled past the expiry and someone else took over) stops without sending
more. Recovery happens right after claiming, because only the lease holder can
know that nobody has a request in flight.

Limits: one send every 1/rate seconds for everyone (at most 30/s, see
`pacing`); each recipient gets one message, so the one-per-second-per-chat
limit holds by itself (and every retry waits at least a second). A 429 holds
every send for its retry_after and then retries the same person. Quiet hours
(Lima) suspend sending until they end, renewing the lease meanwhile, and the
run continues by itself. The campaign status is re-read every few sends and
during every long wait, so a pause or cancel from another process stops the
run within about a second.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.broadcast.pacing import Clock, Pacer, SystemClock, backoff
from bot.broadcast.phrases import render
from bot.broadcast.quiet import QuietHours, quiet_until
from bot.broadcast.sender import Sender, SenderUnavailable
from bot.storage import broadcasts as store
from bot.storage.db import Database

log = logging.getLogger(__name__)

Outcome = Literal[
    "done",  # nothing pending any more: the campaign is marked done
    "paused",  # staff paused it (from anywhere)
    "cancelled",  # staff cancelled it
    "busy",  # another worker holds the lease: nothing done
    "not_running",  # the campaign was not running when asked: nothing done
    "lease_lost",  # another worker took over after our lease expired
    "too_many_failures",  # many consecutive failures: paused so staff can look
    "stopped",  # the caller's stop event was set (Ctrl-C in the CLI)
]


@dataclass(frozen=True)
class EngineOptions:
    """How the engine paces and retries; `from_settings` for production values."""

    rate: float = 25.0
    quiet_hours: QuietHours | None = (dt.time(21, 0), dt.time(8, 0))
    lease_seconds: float = 30.0
    status_every: int = 25  # sends between two reads of the campaign status
    progress_every: float = 2.0  # seconds between two progress callbacks
    max_attempts: int = 3  # tries for a transient error (network, 5xx)
    backoff_base: float = 1.0  # first wait after a transient error, then doubled
    max_flood_waits: int = 10  # 429s for one recipient before giving up on them
    max_consecutive_failures: int = 50  # then something is wrong with the campaign itself
    batch_size: int = 100

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> EngineOptions:
        """Rate and quiet hours from `bot.config.Settings` (or anything with those fields)."""
        values: dict[str, Any] = {
            "rate": settings.broadcast_rate,
            "quiet_hours": settings.quiet_hours,
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class Progress:
    """A snapshot for whoever shows progress: counts per delivery status."""

    campaign_id: int
    counts: dict[str, int]
    total: int
    quiet_until: dt.datetime | None = None
    final: bool = False

    @property
    def finished(self) -> int:
        """Deliveries with an outcome (sent, blocked, failed or unknown)."""
        return self.total - self.counts.get("pending", 0) - self.counts.get("sending", 0)

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.finished / self.total


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


@dataclass(frozen=True)
class RunReport:
    """What one call of `run_campaign` did."""

    campaign_id: int
    outcome: Outcome
    status: str  # the campaign's status at the end
    counts: dict[str, int]
    total: int
    duration: float  # seconds, quiet hours included
    sending_seconds: float  # duration without quiet hours
    sends: int  # requests made to the sender (retries included)
    sends_per_second: float  # sends / sending_seconds
    flood_waits: int  # 429s received
    quiet_seconds: float
    recovered: int  # `sending` rows turned `unknown` when the run started
    detail: str | None = None  # the failure behind "too_many_failures"

    @property
    def unknown(self) -> int:
        return self.counts.get("unknown", 0)


def new_owner() -> str:
    """A lease owner id unique to this process run (host:pid:random), ≤ 64 characters."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class _Halt(Exception):
    """Stops the run from deep inside a wait; carries the outcome."""

    def __init__(self, outcome: Outcome, detail: str | None = None) -> None:
        super().__init__(outcome)
        self.outcome: Outcome = outcome
        self.detail = detail


_STATUS_OUTCOME: dict[str | None, Outcome] = {
    "paused": "paused",
    "cancelled": "cancelled",
    "done": "done",
    None: "cancelled",
}


class StopSignal(Protocol):
    """Anything that says whether to stop, such as an `asyncio.Event`.

    Checked before every send and after every step of a long wait (at most
    lease_seconds/3 apart, e.g. during quiet hours).
    """

    def is_set(self) -> bool: ...


async def run_campaign(
    db: Database,
    campaign_id: int,
    sender: Sender,
    options: EngineOptions | None = None,
    *,
    owner: str | None = None,
    on_progress: ProgressCallback | None = None,
    clock: Clock | None = None,
    stop: StopSignal | None = None,
) -> RunReport:
    """Work a campaign until it is done, paused, cancelled or taken over; return a report.

    Returns at once (outcome "busy") when another worker holds the lease.
    When `stop` is set the run ends before the next send and releases the
    lease (outcome "stopped"). Raises `SenderUnavailable` when the sender
    cannot send at all; the delivery in hand goes back to pending and the
    lease is released.
    """
    run = _Run(
        db,
        campaign_id,
        sender,
        options or EngineOptions(),
        owner or new_owner(),
        clock or SystemClock(),
        on_progress,
        stop,
    )
    return await run.execute()


class _Run:
    """The state of one call of `run_campaign`."""

    def __init__(
        self,
        db: Database,
        campaign_id: int,
        sender: Sender,
        options: EngineOptions,
        owner: str,
        clock: Clock,
        on_progress: ProgressCallback | None,
        stop: StopSignal | None,
    ) -> None:
        self.db = db
        self.campaign_id = campaign_id
        self.sender = sender
        self.options = options
        self.owner = owner
        self.clock = clock
        self.on_progress = on_progress
        self.stop = stop
        self.pacer = Pacer(options.rate, clock)
        self.ttl = dt.timedelta(seconds=options.lease_seconds)
        self.renew_every = options.lease_seconds / 3
        self.lease_held = False
        self.total = 0
        self.sends = 0
        self.flood_waits = 0
        self.quiet_seconds = 0.0
        self.recovered = 0
        self.consecutive_failures = 0
        self._since_status = 0
        self._last_renew = 0.0
        self._last_progress = float("-inf")
        self._quiet_shown: dt.datetime | None = None
        self._counts: dict[str, int] = {}

    # -- the run ----------------------------------------------------------------------------

    async def execute(self) -> RunReport:
        started = self.clock.monotonic()
        async with self.db.session() as session:
            self.lease_held = await store.claim_lease(
                session, self.campaign_id, self.owner, self.ttl, self.clock.now()
            )
            campaign = await store.get_campaign(session, self.campaign_id)
        if campaign is None:
            raise store.CampaignNotFound(self.campaign_id)
        self.total = campaign.total
        if not self.lease_held:
            outcome: Outcome = "busy" if campaign.status == "running" else "not_running"
            log.debug("campaign %s not claimed: %s", self.campaign_id, outcome)
            return await self._report(outcome, started)
        self._last_renew = self.clock.monotonic()
        detail = None
        try:
            async with self.db.session() as session:
                self.recovered = await store.recover_in_flight(session, self.campaign_id)
            if self.recovered:
                log.warning(
                    "campaign %s: %s delivery(ies) interrupted by a crash marked unknown",
                    self.campaign_id,
                    self.recovered,
                )
            await self._progress(force=True)
            outcome = await self._work(render(campaign.text), campaign.photo)
        except _Halt as halt:
            outcome, detail = halt.outcome, halt.detail
        finally:
            if self.lease_held:
                await self._release()
        report = await self._report(outcome, started, detail)
        await self._progress(force=True, final=True)
        return report

    async def _work(self, text: str, photo: str | None) -> Outcome:
        while True:
            async with self.db.session() as session:
                batch = await store.next_pending(session, self.campaign_id, self.options.batch_size)
            if not batch:
                async with self.db.session() as session:
                    finished = await store.finish_campaign(
                        session, self.campaign_id, self.owner, self.clock.now()
                    )
                if finished:
                    log.debug("campaign %s done", self.campaign_id)
                    return "done"
                # Nothing pending yet not finished: the lease or the status changed
                # (the checks below end the run), or a row is still in flight
                # elsewhere; look again in a second.
                await self._renew(force=True)
                await self._check_status(force=True)
                await self.clock.sleep(1.0)
                continue
            for delivery in batch:
                await self._deliver(delivery, text, photo)

    async def _deliver(self, delivery: store.PendingDelivery, text: str, photo: str | None) -> None:
        transient = floods = 0
        while True:
            await self._pace()
            await self._checkpoint()  # after the wait: quiet hours may have begun meanwhile
            async with self.db.session() as session:
                if not await store.mark_sending(session, delivery.id):
                    return  # not pending any more: nothing to do
            self.sends += 1
            self._since_status += 1
            try:
                result = await self.sender.send(delivery.user_id, text, photo)
            except SenderUnavailable:
                async with self.db.session() as session:
                    await store.mark_pending(session, delivery.id)
                raise
            if result.kind == "ok":
                async with self.db.session() as session:
                    await store.mark_sent(session, delivery.id)
                self.consecutive_failures = 0
                return
            if result.kind == "blocked":
                async with self.db.session() as session:
                    await store.mark_blocked(session, delivery.id, delivery.user_id, result.reason)
                self.consecutive_failures = 0
                return
            if result.kind == "retry_after":
                self.flood_waits += 1
                floods += 1
                reason = f"429: esperar {result.seconds:g} s"
                if floods > self.options.max_flood_waits:
                    await self._fail(delivery, f"{reason} (tras {floods} intentos)")
                    return
                log.debug("429 on campaign %s: holding %ss", self.campaign_id, result.seconds)
                async with self.db.session() as session:
                    await store.mark_pending(session, delivery.id, reason)
                self.pacer.hold(result.seconds)
                continue
            reason = result.reason or "error desconocido"
            if not result.permanent:
                transient += 1
                if transient < self.options.max_attempts:
                    async with self.db.session() as session:
                        await store.mark_pending(session, delivery.id, reason)
                    self.pacer.hold(backoff(transient, self.options.backoff_base))
                    continue
                reason = f"{reason} (tras {transient} intentos)"
            await self._fail(delivery, reason)
            return

    async def _fail(self, delivery: store.PendingDelivery, reason: str) -> None:
        async with self.db.session() as session:
            await store.mark_failed(session, delivery.id, reason)
        self.consecutive_failures += 1
        if self.consecutive_failures >= self.options.max_consecutive_failures:
            log.warning(
                "campaign %s paused after %s consecutive failures: %s",
                self.campaign_id,
                self.consecutive_failures,
                reason,
            )
            async with self.db.session() as session:
                await store.set_status(session, self.campaign_id, "paused")
            raise _Halt("too_many_failures", f"{self.consecutive_failures} × {reason}")

    # -- between sends ------------------------------------------------------------------------

    async def _checkpoint(self) -> None:
        """Before each send: stop requested? quiet hours? status, lease, progress when due."""
        self._check_stop()
        await self._wait_quiet()
        await self._check_status()
        await self._renew()
        await self._progress()

    def _check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise _Halt("stopped")

    async def _pace(self) -> None:
        """Wait for the next send slot and take it; long holds (429, backoff) keep the
        lease and listen for a pause.

        The slot is taken as soon as the wait ends, so the checks and the commit
        before the request count inside the interval instead of adding to it.
        """
        while (delay := self.pacer.delay()) > 0:
            step = min(delay, self.renew_every)
            await self.clock.sleep(step)
            if step >= 1.0:
                self._check_stop()
                await self._renew()
                await self._check_status(force=True)
        self.pacer.take()

    async def _wait_quiet(self) -> None:
        while (until := quiet_until(self.clock.now(), self.options.quiet_hours)) is not None:
            if self._quiet_shown != until:
                self._quiet_shown = until
                log.debug("campaign %s: quiet hours until %s", self.campaign_id, until)
                await self._progress(force=True, quiet=until)
            else:
                await self._progress(quiet=until)
            remaining = (until - self.clock.now()).total_seconds()
            before = self.clock.monotonic()
            await self.clock.sleep(max(0.001, min(remaining, self.renew_every)))
            self.quiet_seconds += self.clock.monotonic() - before
            self._check_stop()
            await self._renew(force=True)
            await self._check_status(force=True)

    async def _check_status(self, force: bool = False) -> None:
        if not force and self._since_status < self.options.status_every:
            return
        self._since_status = 0
        async with self.db.session() as session:
            status = await store.campaign_status(session, self.campaign_id)
        if status != "running":
            raise _Halt(_STATUS_OUTCOME.get(status, "cancelled"))

    async def _renew(self, force: bool = False) -> None:
        now = self.clock.monotonic()
        if not force and now - self._last_renew < self.renew_every:
            return
        async with self.db.session() as session:
            renewed = await store.renew_lease(
                session, self.campaign_id, self.owner, self.ttl, self.clock.now()
            )
        self._last_renew = now
        if not renewed:
            self.lease_held = False
            log.warning("campaign %s: lease lost to another worker; stopping", self.campaign_id)
            raise _Halt("lease_lost")

    async def _release(self) -> None:
        try:
            async with self.db.session() as session:
                await store.release_lease(session, self.campaign_id, self.owner)
        except SQLAlchemyError:
            # The lease expires by itself; a resume only waits a little longer.
            log.warning("campaign %s: could not release the lease", self.campaign_id, exc_info=True)

    # -- reporting ----------------------------------------------------------------------------

    async def _read_counts(self) -> dict[str, int]:
        async with self.db.session() as session:
            self._counts = await store.delivery_counts(session, self.campaign_id)
        return self._counts

    async def _progress(
        self, force: bool = False, quiet: dt.datetime | None = None, final: bool = False
    ) -> None:
        if self.on_progress is None:
            return
        now = self.clock.monotonic()
        if not force and now - self._last_progress < self.options.progress_every:
            return
        self._last_progress = now
        counts = self._counts if final and self._counts else await self._read_counts()
        result = self.on_progress(
            Progress(self.campaign_id, dict(counts), self.total, quiet, final)
        )
        if inspect.isawaitable(result):
            await result

    async def _report(
        self, outcome: Outcome, started: float, detail: str | None = None
    ) -> RunReport:
        counts = await self._read_counts()
        async with self.db.session() as session:
            status = await store.campaign_status(session, self.campaign_id) or "?"
        duration = max(0.0, self.clock.monotonic() - started)
        sending = max(0.0, duration - self.quiet_seconds)
        return RunReport(
            campaign_id=self.campaign_id,
            outcome=outcome,
            status=status,
            counts=counts,
            total=self.total,
            duration=duration,
            sending_seconds=sending,
            sends=self.sends,
            sends_per_second=self.sends / sending if sending > 0 else 0.0,
            flood_waits=self.flood_waits,
            quiet_seconds=self.quiet_seconds,
            recovered=self.recovered,
            detail=detail,
        )
