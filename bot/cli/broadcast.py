"""`mypebot broadcast send|list|status|resume|pause|cancel`: staff announcements from a terminal.

The campaign work is in `bot.broadcast.control`; this edge reads the
announcement, builds the Telegram sender, draws the progress and turns known
failures into one Spanish line on stderr and an exit code, never a
traceback. Progress is a bar on stderr redrawn on one line (a line per update
when stderr is not a terminal); the final report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.cli import context
from bot.cli.broadcast_io import read_text, resolve_photo, watched

if TYPE_CHECKING:
    from bot.broadcast.engine import RunReport
    from bot.config import Settings
    from bot.storage.db import Database

#: Outcomes after which the command exits with an error.
FAILED_OUTCOMES = frozenset({"busy", "not_running", "lease_lost", "too_many_failures"})

Command = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "broadcast",
        help="envía anuncios a los suscriptores",
        description="Anuncios del equipo a los suscriptores, dentro de los límites de Telegram.",
    )
    actions = parser.add_subparsers(dest="broadcast_command", metavar="ACCIÓN")
    actions.required = True

    send = actions.add_parser("send", help="crea una campaña y la envía")
    send.add_argument("--text-file", required=True, help="archivo UTF-8 con el anuncio")
    send.add_argument("--photo", help="file_id de Telegram o ruta de una imagen JPG/PNG/WEBP")
    send.add_argument("--region", help="solo suscriptores de esta región (id, p. ej. arequipa)")
    send.add_argument("--sector", help="solo suscriptores de este sector (id, p. ej. textil)")
    send.add_argument(
        "--dry-run",
        action="store_true",
        help="muestra el texto final y cuántos lo recibirían, sin enviar ni guardar nada",
    )
    send.set_defaults(func=cmd_send)

    listing = actions.add_parser("list", help="lista las últimas campañas")
    listing.add_argument("--limit", type=int, default=20, help="cuántas (20 por defecto)")
    listing.set_defaults(func=cmd_list)

    for name, help_text, command in (
        ("status", "muestra el avance y los resultados de una campaña", cmd_status),
        ("resume", "reanuda una campaña en pausa o interrumpida", cmd_resume),
        ("pause", "pone en pausa una campaña (se reanuda con resume)", cmd_pause),
        ("cancel", "cancela una campaña: los envíos pendientes no se harán", cmd_cancel),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("id", type=int, help="número de la campaña (ver «broadcast list»)")
        action.set_defaults(func=command)


def _guarded(command: Command) -> Command:
    """Known failures become one Spanish line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(args: argparse.Namespace) -> int:
        # Imported here, not at the top: `mypebot ask` builds this parser too.
        from sqlalchemy.exc import SQLAlchemyError

        from bot.broadcast import phrases
        from bot.broadcast.control import BroadcastError
        from bot.broadcast.sender import SenderUnavailable
        from bot.config import SettingsError
        from bot.storage import broadcasts as store
        from bot.storage.db import SchemaOutdated

        try:
            return command(args)
        except SchemaOutdated:  # a SettingsError, but here an error, not a usage problem
            _err(phrases.DB_NOT_CURRENT)
            return context.EXIT_ERROR
        except SettingsError as exc:
            _err(str(exc))
            return context.EXIT_USAGE
        except (BroadcastError, SenderUnavailable) as exc:
            _err(str(exc))
            return context.EXIT_ERROR
        except store.CampaignNotFound as exc:
            _err(phrases.NOT_FOUND.format(id=exc.args[0]))
            return context.EXIT_ERROR
        except (SQLAlchemyError, OSError) as exc:
            _err(phrases.DB_UNAVAILABLE.format(error=type(exc).__name__))
            return context.EXIT_ERROR

    return wrapper


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _database(settings: Settings) -> contextlib.AbstractAsyncContextManager[Database]:
    """Opened without the probe: these commands report a database down as DB_UNAVAILABLE."""
    return context.database(settings, probe=False)


def _print_lines(lines_of: Callable[[Database], Awaitable[list[str]]]) -> int:
    """Print the lines `lines_of` reads from the database, one per line on stdout."""
    settings = context.settings()

    async def read() -> list[str]:
        async with _database(settings) as db:
            return await lines_of(db)

    for line in asyncio.run(read()):
        print(line)
    return context.EXIT_OK


def _finish(result: RunReport) -> int:
    from bot.broadcast import report

    for line in report.final_report(result):
        print(line)
    if result.outcome == "stopped":
        return context.EXIT_INTERRUPTED
    return context.EXIT_ERROR if result.outcome in FAILED_OUTCOMES else context.EXIT_OK


# --- commands -----------------------------------------------------------------------------------


@_guarded
def cmd_send(args: argparse.Namespace) -> int:
    from bot.broadcast import phrases
    from bot.broadcast.control import BroadcastError

    settings = context.settings()
    text = read_text(args.text_file)
    photo = resolve_photo(args.photo)
    rendered = phrases.render(text)
    problem = phrases.length_problem(rendered, photo is not None)
    if problem:
        raise BroadcastError(problem)
    if args.dry_run:
        return _preview(settings, args, rendered, photo)
    settings.token()  # no token: say so before touching the database
    return asyncio.run(_send(settings, text, photo, args.region, args.sector))


def _preview(settings: Settings, args: argparse.Namespace, rendered: str, photo: str | None) -> int:
    from bot.broadcast import control, phrases, report

    async def count() -> int:
        async with _database(settings) as db:
            return await control.count_recipients(db, args.region, args.sector)

    recipients = asyncio.run(count())
    print(phrases.PREVIEW_HEADER)
    print(phrases.PREVIEW_RULE)
    print(rendered)
    print(phrases.PREVIEW_RULE)
    if photo:
        print(phrases.PREVIEW_PHOTO.format(photo=photo))
    segment = report.segment_suffix(args.region, args.sector)
    print(phrases.PREVIEW_COUNT.format(count=recipients, segment=segment))
    return context.EXIT_OK


async def _send(
    settings: Settings, text: str, photo: str | None, region: str | None, sector: str | None
) -> int:
    from bot.adapters.telegram_sender import TelegramSender
    from bot.broadcast import control, phrases
    from bot.broadcast.engine import EngineOptions, new_owner

    async with _database(settings) as db:
        async with TelegramSender.from_settings(settings) as sender:
            campaign = await control.create_campaign(db, text, photo, region, sector)
            assert campaign.id is not None
            print(phrases.CREATED.format(id=campaign.id, total=campaign.total), flush=True)
            with watched() as (on_progress, stop):
                result = await control.run(
                    db,
                    campaign.id,
                    sender,
                    EngineOptions.from_settings(settings),
                    new_owner(),
                    on_progress=on_progress,
                    stop=stop,
                )
        return _finish(result)


@_guarded
def cmd_resume(args: argparse.Namespace) -> int:
    settings = context.settings()
    settings.token()
    return asyncio.run(_resume(settings, args.id))


async def _resume(settings: Settings, campaign_id: int) -> int:
    from bot.adapters.telegram_sender import TelegramSender
    from bot.broadcast import control, phrases
    from bot.broadcast.engine import EngineOptions, new_owner

    async with _database(settings) as db:
        campaign = await control.find_campaign(db, campaign_id)
        if campaign.status == "done":
            print(phrases.ALREADY_DONE.format(id=campaign_id))
            return context.EXIT_OK
        options = EngineOptions.from_settings(settings)
        async with TelegramSender.from_settings(settings) as sender:  # the token first
            owner = new_owner()
            await control.reclaim(db, campaign_id, owner, options, on_wait=_err)
            with watched() as (on_progress, stop):
                result = await control.run(
                    db, campaign_id, sender, options, owner, on_progress=on_progress, stop=stop
                )
        return _finish(result)


def _status_command(status: str) -> Command:
    @_guarded
    def command(args: argparse.Namespace) -> int:
        from bot.broadcast import control, phrases

        settings = context.settings()

        async def change() -> dict[str, int]:
            async with _database(settings) as db:
                return await control.set_status(db, args.id, status)

        counts = asyncio.run(change())
        if status == "cancelled":
            print(phrases.CANCELLED.format(id=args.id, pending=counts["pending"]))
        else:
            print(phrases.PAUSED.format(id=args.id))
        return context.EXIT_OK

    return command


cmd_pause = _status_command("paused")
cmd_cancel = _status_command("cancelled")


@_guarded
def cmd_list(args: argparse.Namespace) -> int:
    from bot.broadcast import control

    return _print_lines(lambda db: control.list_lines(db, args.limit))


@_guarded
def cmd_status(args: argparse.Namespace) -> int:
    from bot.broadcast import control

    return _print_lines(lambda db: control.status_lines(db, args.id))
