"""The `mypebot` command line: each subcommand parses, calls one core function, prints.

Each module here holds one command group and adds it with `register(subparsers)`;
`build_parser` only lists them, in the order `mypebot --help` shows them. The
settings, the core and the database come from `bot.cli.context`, the same for
every command. Heavy imports happen inside each command, so `mypebot ask`
starts fast and a command never pays for libraries it does not use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import ask, broadcast, chat, context, db, eval_chat, export, kb, run
from bot.config import SettingsError
from bot.knowledge.errors import KnowledgeError

#: The command groups, in the order of `mypebot --help`.
GROUPS = (run, chat, eval_chat, ask, kb, export, broadcast, db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mypebot",
        description="Asistente para las MYPE: economía circular, ProInnóvate, MYPE Sostenible y CITE.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMANDO")
    subparsers.required = True
    for group in GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return context.EXIT_USAGE
    except KnowledgeError as exc:
        print(
            "La base de conocimiento tiene errores; corríjalos (mypebot kb check):", file=sys.stderr
        )
        for problem in exc.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return context.EXIT_ERROR
    except KeyboardInterrupt:
        return context.EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return context.EXIT_OK
    except Exception as exc:
        import logging

        logging.getLogger("bot.cli").debug("command failed", exc_info=True)
        print(
            f"Algo salió mal ({type(exc).__name__}). Vuelva a intentarlo; si se repite, "
            "ejecute con LOG_LEVEL=DEBUG y comparta el detalle con el equipo técnico.",
            file=sys.stderr,
        )
        return context.EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
