"""`mypebot ask` and `mypebot match`: one question, or one business, answered from the core.

Both must start fast, so the core is loaded only once the arguments are
parsed. `ask --explain` sends the question through the dialogue (on a throwaway
database) and prints how it was read and which flow answered, then the reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from bot.cli import context
from bot.cli.chat import EXPLAIN_HELP


def register(subparsers: Any) -> None:
    ask = subparsers.add_parser("ask", help="responde una pregunta desde la base de conocimiento")
    ask.add_argument("text", nargs="*", help="la pregunta")
    ask.add_argument("--json", action="store_true", help="imprime un objeto JSON")
    ask.add_argument(
        "--jsonl", action="store_true", help="lee una pregunta por línea de la entrada"
    )
    ask.add_argument("--explain", action="store_true", help=EXPLAIN_HELP)
    ask.set_defaults(func=cmd_ask)

    match = subparsers.add_parser("match", help="sugiere los CITE que encajan con un negocio")
    match.add_argument("text", nargs="*", help="la descripción del negocio")
    match.add_argument("--json", action="store_true", help="imprime un objeto JSON")
    match.add_argument("--jsonl", action="store_true", help="lee un texto por línea de la entrada")
    match.set_defaults(func=cmd_match)


def cmd_ask(args: argparse.Namespace) -> int:
    core = context.load_core(context.settings())
    if args.explain and args.text:
        from bot.dialogue.explain_ask import explain_question

        print(asyncio.run(explain_question(core, " ".join(args.text))))
        return context.EXIT_OK
    return _texts_command(
        args,
        core.answers.reply,
        _print_answer,
        "Escriba la pregunta entre comillas, o use --jsonl con una por línea.",
    )


def cmd_match(args: argparse.Namespace) -> int:
    core = context.load_core(context.settings())
    return _texts_command(
        args,
        core.matcher.match,
        lambda result: print(result.message),
        "Describa el negocio entre comillas, o use --jsonl con uno por línea.",
    )


def _print_answer(result: Any) -> None:
    print(result.text)
    for number, suggestion in enumerate(result.suggestions, start=1):
        print(f"  {number}. {suggestion.title}")
    for cite in result.cites:
        print(f"  • {cite.name} ({cite.city or cite.region}) — {cite.why}")


def _texts_command(
    args: argparse.Namespace,
    handle: Callable[[str], Any],
    show: Callable[[Any], None],
    missing: str,
) -> int:
    """Shared by ask and match: one text, --json, or --jsonl from standard input."""
    if args.jsonl:
        for line in sys.stdin:
            text = line.rstrip("\n")
            if text.strip():
                print(json.dumps(handle(text).to_json(), ensure_ascii=False), flush=True)
        return context.EXIT_OK
    if not args.text:
        print(missing, file=sys.stderr)
        return context.EXIT_USAGE
    result = handle(" ".join(args.text))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        show(result)
    return context.EXIT_OK
