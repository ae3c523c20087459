"""`mypebot eval-chat`: the multi-turn conversation scripts, judged by behaviour."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.cli import context


def register(subparsers: Any) -> None:
    eval_chat = subparsers.add_parser(
        "eval-chat", help="corre los guiones de conversación (evaluation/conversations.yaml)"
    )
    eval_chat.add_argument(
        "file", nargs="?", help="guiones YAML (por omisión, los del repositorio)"
    )
    eval_chat.add_argument(
        "-v", "--verbose", action="store_true", help="todos los fallos de cada guion"
    )
    eval_chat.add_argument(
        "--min", type=float, default=0.0, help="proporción mínima de guiones correctos (0-1)"
    )
    eval_chat.set_defaults(func=cmd_eval_chat)


def cmd_eval_chat(args: argparse.Namespace) -> int:
    """Conversation scripts against the dialogue, on a throwaway SQLite database."""
    from pathlib import Path

    from bot.quality import conversations as ce

    core = context.load_core(context.settings())
    try:
        scripts = ce.load_scripts(Path(args.file) if args.file else ce.DEFAULT_SCRIPTS)
    except ce.ScriptError as exc:
        print(str(exc), file=sys.stderr)
        return context.EXIT_USAGE
    report = asyncio.run(ce.run_on_core(scripts, core))
    print(ce.format_report(report, verbose=args.verbose))
    if report.share < args.min:
        print(f"Por debajo del mínimo de {args.min:.0%}.", file=sys.stderr)
        return context.EXIT_ERROR
    return context.EXIT_OK
