"""`mypebot broadcast …`: the argument parser for creating, watching and steering campaigns.

`register(subparsers)` adds the commands to the main parser. This module
imports nothing heavy: `mypebot ask` builds the same parser and must start
fast, so each command loads `bot.broadcast.commands` (the database, the
engine) only when it runs.

Run standalone with `python -m bot.broadcast.cli broadcast …` (same commands).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

EXIT_INTERRUPTED = 130

Command = Callable[[argparse.Namespace], int]


def _lazy(name: str) -> Command:
    """A command that imports its implementation from bot.broadcast.commands when called."""

    def command(args: argparse.Namespace) -> int:
        from bot.broadcast import commands

        implementation: Command = getattr(commands, name)
        return implementation(args)

    command.__name__ = name
    return command


# --- parser -----------------------------------------------------------------------------------


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `broadcast` and its actions to an argparse subparsers object; returns its parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
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
    send.set_defaults(func=_lazy("cmd_send"))

    listing = actions.add_parser("list", help="lista las últimas campañas")
    listing.add_argument("--limit", type=int, default=20, help="cuántas (20 por defecto)")
    listing.set_defaults(func=_lazy("cmd_list"))

    for name, help_text in (
        ("status", "muestra el avance y los resultados de una campaña"),
        ("resume", "reanuda una campaña en pausa o interrumpida"),
        ("pause", "pone en pausa una campaña (se reanuda con resume)"),
        ("cancel", "cancela una campaña: los envíos pendientes no se harán"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("id", type=int, help="número de la campaña (ver «broadcast list»)")
        action.set_defaults(func=_lazy(f"cmd_{name}"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The same commands without bot/cli.py: `python -m bot.broadcast.cli broadcast …`."""
    parser = argparse.ArgumentParser(prog="mypebot")
    commands = parser.add_subparsers(dest="command", metavar="COMANDO")
    commands.required = True
    register(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # the same last resort as bot/cli.py: one line, no traceback
        import logging
        import sys

        from bot.broadcast.phrases import UNEXPECTED

        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(UNEXPECTED.format(error=type(exc).__name__), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
