"""The composition root: settings → database → knowledge → core → dialogue.

Every entry point (the Telegram bot, the terminal chat, tests) builds the
same objects through `build_services`, so what is tested is what runs.

It also owns the process's lifecycle, so that every channel (Telegram today,
WhatsApp next) runs the same: `serve_until_signalled` builds the services in
the event loop that serves them and stops on SIGTERM/SIGINT, and
`BackgroundWork` runs the loops every replica needs whichever channel it
serves, plus the ones a channel adds (those that send through its bot).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field

from bot.config import Settings
from bot.core import Core, build_core, load_valid_knowledge
from bot.dialogue.conversation import Dialogue
from bot.insights.digest import queue_weekly_digest
from bot.insights.learned import with_learned
from bot.knowledge.check import check_knowledge
from bot.memory import freeze_long_lived, refreeze_after_reload
from bot.storage.app_state import knowledge_reload_requested_at
from bot.storage.db import Database, ensure_schema
from bot.storage.models import utcnow
from bot.storage.retention import apply_retention
from bot.storage.review import learned_paraphrases
from bot.storage.users import forget_old_updates

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    core: Core
    dialogue: Dialogue = field(init=False)
    knowledge_loaded_at: dt.datetime = field(default_factory=utcnow)
    # Paraphrases accepted in the review (the database's): merged in at every reload.
    learned: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The dialogue asks for the core on every event, so a reload takes effect at once.
        self.dialogue = Dialogue(
            self.db,
            lambda: self.core,
            admin_ids=self.settings.admin_ids,
            reload_knowledge=self.reload_knowledge,
            staff_chat_id=self.settings.staff_chat_id,
            office_hours=self.settings.office_hours,
        )

    def reload_knowledge(self, as_of: dt.datetime | None = None) -> list[str]:
        """Swap in the edited knowledge base; on errors keep serving the old one.

        Returns the problems that prevented the reload (empty when it worked).
        `as_of` is the reload request this answers, so the replica that
        received /recargar does not reload a second time when it sees its own
        request in the database.
        """
        self.knowledge_loaded_at = as_of or utcnow()
        report = check_knowledge(self.settings.knowledge_dir)
        if not report.ok:
            log.warning("knowledge reload refused: %d errors", len(report.result.errors))
            return [str(p) for p in report.result.errors]
        self.core = build_core(with_learned(report.result.kb, self.learned))
        refreeze_after_reload()
        log.info(
            "knowledge reloaded: %d entries, digest %s, %d learned",
            len(self.core.kb.entries),
            self.core.kb.digest,
            sum(len(w) for w in self.learned.values()),
        )
        return []

    async def refresh_learned(self) -> None:
        """Read the accepted paraphrases; the next reload serves them."""
        async with self.db.session() as session:
            self.learned = await learned_paraphrases(session)


async def build_services(settings: Settings, migrate: bool | None = None) -> Services:
    """Open the database (migrating the embedded default) and load the knowledge base."""
    if migrate is None:
        migrate = settings.is_default_sqlite
    await ensure_schema(settings.database_url, migrate)
    kb = load_valid_knowledge(settings.knowledge_dir)
    db = Database(settings.database_url)
    async with db.session() as session:
        learned = await learned_paraphrases(session)
    return Services(
        settings=settings, db=db, core=build_core(with_learned(kb, learned)), learned=learned
    )


async def _every(
    interval: float, stop: asyncio.Event, step: Callable[[], Awaitable[None]], what: str
) -> None:
    """Run `step` now and every `interval` seconds until `stop`; a failure is logged, never fatal."""
    while not stop.is_set():
        try:
            await step()
        except Exception:
            log.exception("%s failed", what)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def follow_knowledge_reloads(
    services: Services, stop: asyncio.Event, interval: float = 5.0
) -> None:
    """Reload when another replica asked for it (/recargar reaches only one of them)."""

    async def step() -> None:
        async with services.db.session() as session:
            requested = await knowledge_reload_requested_at(session)
        # Read every time (one small query), so a /recargar here also serves what a
        # reviewer accepted on another replica a moment ago.
        await services.refresh_learned()
        if requested is not None and requested > services.knowledge_loaded_at:
            problems = services.reload_knowledge(as_of=requested)
            if problems:
                log.warning("requested knowledge reload refused: %d errors", len(problems))

    await _every(interval, stop, step, "knowledge reload watcher")


async def housekeeping(services: Services, stop: asyncio.Event, interval: float = 3600.0) -> None:
    """Forget processed update ids older than Telegram's redelivery window, apply the
    retention period (once a day), and queue the weekly digest for the staff chat
    (Mondays from 08:00 Lima, once a week): each by whichever replica claims it first."""

    async def step() -> None:
        async with services.db.session() as session:
            await forget_old_updates(session)
            await session.commit()
        async with services.db.session() as session:
            applied = await apply_retention(session, services.settings.retention_months)
            await session.commit()
        if applied is not None:
            log.info(
                "retention before %s: %d questions, %d opinions, %d conversations, %d deliveries",
                applied.cutoff.date(),
                applied.questions,
                applied.feedback,
                applied.conversations,
                applied.deliveries,
            )
        async with services.db.session() as session:
            queued = await queue_weekly_digest(
                session, services.core, services.settings.staff_chat_id, utcnow()
            )
            await session.commit()
        if queued:
            log.info("weekly digest queued for the staff chat")

    await _every(interval, stop, step, "housekeeping")


async def handoff_reminders(
    services: Services, stop: asyncio.Event, interval: float = 30.0
) -> None:
    """One reminder in the staff chat for a handoff no one answered (once across replicas)."""
    from bot.dialogue.handoff import remind_unanswered

    after = dt.timedelta(minutes=services.settings.handoff_reminder_minutes)

    async def step() -> None:
        if services.settings.staff_chat_id is not None:
            await remind_unanswered(services.db, after)

    await _every(interval, stop, step, "handoff reminders")


def install_reload_signal(services: Services) -> None:
    """SIGHUP reloads the knowledge base of this process (Unix only)."""
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, services.reload_knowledge)
    except (NotImplementedError, RuntimeError, AttributeError):
        log.info("SIGHUP reload not available on this platform")


#: A channel's background loop (e.g. a worker's run_forever), built to end when
#: `BackgroundWork.stopping` is set.
ChannelLoop = Callable[[], Coroutine[object, object, None]]


class BackgroundWork:
    """The background loops of one replica, started and stopped as one.

    The shared loops (reloads of other replicas, housekeeping, handoff
    reminders) need nothing from a platform; a channel adds its own through
    `start`, built on `stopping` so that one stop ends them all.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, *channel_loops: ChannelLoop) -> None:
        """Start the shared loops and the channel's; the process is up, so freeze what lives on."""
        services, stop = self.services, self.stopping
        loops = [loop() for loop in channel_loops]
        loops += [
            follow_knowledge_reloads(services, stop),
            housekeeping(services, stop),
            handoff_reminders(services, stop),
        ]
        self._tasks += [asyncio.create_task(loop) for loop in loops]
        freeze_long_lived()

    async def stop(self) -> None:
        """Ask every loop to end and wait until they have (each finishes its current step)."""
        self.stopping.set()
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*tasks)


#: How a channel serves until `stop` is set: e.g. Telegram's polling or webhook.
Serve = Callable[[Services, asyncio.Event], Awaitable[None]]


async def serve_until_signalled(settings: Settings, serve: Serve) -> None:
    """Build the services and serve them in this one event loop until SIGTERM or SIGINT.

    Building them in another loop (an `asyncio.run` of its own) left the database
    pool holding connections of a closed loop: on PostgreSQL the first queries
    failed with "attached to a different loop" (issue 27). SIGHUP reloads the
    knowledge base.
    """
    services = await build_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    install_reload_signal(services)
    try:
        await serve(services, stop)
    finally:
        await services.db.dispose()
