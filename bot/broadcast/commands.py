"""The `mypebot broadcast` commands: what each one does once its arguments are parsed.

Each command prints Spanish lines; known errors are one line on stderr and a
non-zero exit, never a traceback. Progress is a bar on stderr redrawn on one
line (a line per update when stderr is not a terminal); the final report goes
to stdout. The Telegram sender is imported only by the commands that send,
so nothing here loads python-telegram-bot by being imported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.broadcast import phrases, report
from bot.broadcast.engine import EngineOptions, Progress, RunReport, new_owner, run_campaign
from bot.broadcast.quiet import lima_time
from bot.broadcast.sender import Sender, SenderUnavailable
from bot.config import Settings, SettingsError, load_settings
from bot.storage import broadcasts as store
from bot.storage.db import Database

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
PHOTO_MAX_BYTES = 10 * 1024 * 1024
FILE_ID = re.compile(r"[A-Za-z0-9_-]{20,256}")
#: Outcomes after which the command exits with an error.
FAILED_OUTCOMES = frozenset({"busy", "not_running", "lease_lost", "too_many_failures"})

Command = Callable[[argparse.Namespace], int]


class BroadcastError(Exception):
    """A problem to tell staff in one line; the message is the Spanish line."""


def _guarded(command: Command) -> Command:
    """Known failures become one Spanish line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except SettingsError as exc:
            _err(str(exc))
            return EXIT_USAGE
        except (BroadcastError, SenderUnavailable) as exc:
            _err(str(exc))
            return EXIT_ERROR
        except store.CampaignNotFound as exc:
            _err(phrases.NOT_FOUND.format(id=exc.args[0]))
            return EXIT_ERROR
        except (SQLAlchemyError, OSError) as exc:
            _err(phrases.DB_UNAVAILABLE.format(error=type(exc).__name__))
            return EXIT_ERROR

    return wrapper


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _settings() -> Settings:
    settings = load_settings()
    from bot.logs import configure_logging

    configure_logging(settings.log_level)
    return settings


async def open_database(settings: Settings) -> Database:
    """The default SQLite is brought up to date; any other database must already be."""
    from bot.storage.db import current_revision, head_revision, upgrade_async

    if settings.is_default_sqlite:
        await upgrade_async(settings.database_url)
    elif await current_revision(settings.database_url) != head_revision():
        raise BroadcastError(phrases.DB_NOT_CURRENT)
    return Database(settings.database_url)


# --- reading the announcement ----------------------------------------------------------------


def read_text(path: str) -> str:
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BroadcastError(phrases.TEXT_FILE_MISSING.format(path=path)) from None
    except UnicodeDecodeError:
        raise BroadcastError(phrases.TEXT_FILE_NOT_UTF8.format(path=path)) from None
    except OSError:
        raise BroadcastError(phrases.TEXT_FILE_MISSING.format(path=path)) from None
    if not text.strip():
        raise BroadcastError(phrases.TEXT_FILE_EMPTY.format(path=path))
    return text.strip()


def resolve_photo(value: str | None) -> str | None:
    """A local image becomes its absolute path; anything else must look like a file_id."""
    if value is None or value == "":
        return None
    path = Path(value).expanduser()
    if path.is_file():
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            raise BroadcastError(phrases.PHOTO_NOT_IMAGE.format(path=value))
        if path.stat().st_size > PHOTO_MAX_BYTES:
            raise BroadcastError(phrases.PHOTO_TOO_BIG.format(path=value))
        resolved = str(path.resolve())
        if len(resolved) > 256:
            raise BroadcastError(phrases.PHOTO_PATH_TOO_LONG)
        return resolved
    if FILE_ID.fullmatch(value):
        return value
    raise BroadcastError(phrases.PHOTO_INVALID.format(photo=value))


# --- progress -----------------------------------------------------------------------------------


class ProgressBar:
    """Redraws one line on a terminal; writes a line per update elsewhere (logs, pipes)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.drawn = False

    def update(self, progress: Progress) -> None:
        line = report.progress_line(progress)
        if self.tty:
            self.stream.write("\r\033[K" + line)
            self.drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


async def run_with_progress(
    db: Database, campaign_id: int, sender: Sender, settings: Settings, owner: str
) -> RunReport:
    """Run the engine with the bar; Ctrl-C (or SIGTERM) stops cleanly and pauses the campaign."""
    bar = ProgressBar(sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:  # Windows: Ctrl-C interrupts; resume marks the rest
            continue
        signals.append(signum)
    try:
        result = await run_campaign(
            db,
            campaign_id,
            sender,
            EngineOptions.from_settings(settings),
            owner=owner,
            on_progress=bar.update,
            stop=stop,
        )
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        bar.finish()
    if result.outcome == "stopped":
        async with db.session() as session:
            # If it stopped running meanwhile (cancelled elsewhere) there is nothing to pause.
            with contextlib.suppress(store.TransitionRefused):
                await store.set_status(session, campaign_id, "paused")
    return result


def _finish(result: RunReport) -> int:
    for line in report.final_report(result):
        print(line)
    if result.outcome == "stopped":
        return EXIT_INTERRUPTED
    return EXIT_ERROR if result.outcome in FAILED_OUTCOMES else EXIT_OK


# --- commands -----------------------------------------------------------------------------------


@_guarded
def cmd_send(args: argparse.Namespace) -> int:
    settings = _settings()
    text = read_text(args.text_file)
    photo = resolve_photo(args.photo)
    rendered = phrases.render(text)
    problem = phrases.length_problem(rendered, photo is not None)
    if problem:
        raise BroadcastError(problem)
    if args.dry_run:
        count = asyncio.run(_count(settings, args.region, args.sector))
        print(phrases.PREVIEW_HEADER)
        print(phrases.PREVIEW_RULE)
        print(rendered)
        print(phrases.PREVIEW_RULE)
        if photo:
            print(phrases.PREVIEW_PHOTO.format(photo=photo))
        print(
            phrases.PREVIEW_COUNT.format(
                count=count, segment=report.segment_suffix(args.region, args.sector)
            )
        )
        return EXIT_OK
    settings.token()  # no token: say so before touching the database
    return asyncio.run(_send(settings, text, photo, args.region, args.sector))


async def _count(settings: Settings, region: str | None, sector: str | None) -> int:
    db = await open_database(settings)
    try:
        async with db.session() as session:
            return await store.count_segment(session, region, sector)
    finally:
        await db.dispose()


async def _send(
    settings: Settings, text: str, photo: str | None, region: str | None, sector: str | None
) -> int:
    from bot.adapters.telegram_sender import TelegramSender

    db = await open_database(settings)
    try:
        async with TelegramSender.from_settings(settings) as sender:
            async with db.session() as session:
                if not await store.count_segment(session, region, sector):
                    raise BroadcastError(
                        phrases.NO_RECIPIENTS.format(segment=report.segment_suffix(region, sector))
                    )
                campaign = await store.create_campaign(
                    session, text, photo=photo, region=region, sector=sector
                )
            assert campaign.id is not None
            print(phrases.CREATED.format(id=campaign.id, total=campaign.total), flush=True)
            result = await run_with_progress(db, campaign.id, sender, settings, new_owner())
        return _finish(result)
    finally:
        await db.dispose()


@_guarded
def cmd_resume(args: argparse.Namespace) -> int:
    settings = _settings()
    settings.token()
    return asyncio.run(_resume(settings, args.id))


async def _resume(settings: Settings, campaign_id: int) -> int:
    from bot.adapters.telegram_sender import TelegramSender

    db = await open_database(settings)
    try:
        async with db.session() as session:
            campaign = await store.get_campaign(session, campaign_id)
        if campaign is None:
            raise store.CampaignNotFound(campaign_id)
        if campaign.status == "done":
            print(phrases.ALREADY_DONE.format(id=campaign_id))
            return EXIT_OK
        async with TelegramSender.from_settings(settings) as sender:  # the token first
            async with db.session() as session:
                await _change(session, campaign_id, "running")
            owner = new_owner()
            await wait_for_lease(db, campaign_id, owner, EngineOptions.from_settings(settings))
            result = await run_with_progress(db, campaign_id, sender, settings, owner)
        return _finish(result)
    finally:
        await db.dispose()


async def wait_for_lease(
    db: Database, campaign_id: int, owner: str, options: EngineOptions
) -> None:
    """Claim the lease; if held, wait once for it to expire (a killed worker's lease does).

    A worker that is alive renews its lease, so if it is still held after
    that wait, someone really is sending: say so instead of waiting forever.
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
        _err(phrases.WAITING_LEASE.format(id=campaign_id, time=lima_time(until)))
        await asyncio.sleep(wait)
    raise BroadcastError(phrases.STILL_BUSY.format(id=campaign_id))


async def _change(session: Any, campaign_id: int, status: str) -> None:
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


def _status_command(status: str) -> Command:
    @_guarded
    def command(args: argparse.Namespace) -> int:
        settings = _settings()
        return asyncio.run(_set(settings, args.id, status))

    return command


async def _set(settings: Settings, campaign_id: int, status: str) -> int:
    db = await open_database(settings)
    try:
        async with db.session() as session:
            await _change(session, campaign_id, status)
            counts = await store.delivery_counts(session, campaign_id)
        if status == "cancelled":
            print(phrases.CANCELLED.format(id=campaign_id, pending=counts["pending"]))
        else:
            print(phrases.PAUSED.format(id=campaign_id))
        return EXIT_OK
    finally:
        await db.dispose()


cmd_pause = _status_command("paused")
cmd_cancel = _status_command("cancelled")


@_guarded
def cmd_list(args: argparse.Namespace) -> int:
    settings = _settings()

    async def run() -> list[str]:
        db = await open_database(settings)
        try:
            async with db.session() as session:
                campaigns = await store.list_campaigns(session, max(1, args.limit))
                counts = await store.counts_by_campaign(
                    session, [c.id for c in campaigns if c.id is not None]
                )
            return report.list_lines(campaigns, counts)
        finally:
            await db.dispose()

    for line in asyncio.run(run()):
        print(line)
    return EXIT_OK


@_guarded
def cmd_status(args: argparse.Namespace) -> int:
    settings = _settings()

    async def run() -> list[str]:
        db = await open_database(settings)
        try:
            async with db.session() as session:
                campaign = await store.get_campaign(session, args.id)
                if campaign is None:
                    raise store.CampaignNotFound(args.id)
                counts = await store.delivery_counts(session, args.id)
                reasons = await store.failure_reasons(session, args.id)
                unknown = await store.deliveries_with_status(session, args.id, "unknown", 20)
            return report.status_lines(campaign, counts, reasons, unknown)
        finally:
            await db.dispose()

    for line in asyncio.run(run()):
        print(line)
    return EXIT_OK
