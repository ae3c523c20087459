"""`mypebot chat`: the whole conversation in this terminal, without a token or a server.

`--explain` prints, before each reply, how the message was read and which flow answered
(bot/dialogue/explain.py), so a curator sees why a reply was chosen.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli import context

EXPLAIN_HELP = "muestra cómo se leyó cada mensaje y qué flujo respondió"


def register(subparsers: Any) -> None:
    chat = subparsers.add_parser(
        "chat", help="conversa con el bot en esta terminal (sin token ni servidor)"
    )
    chat.add_argument("--explain", action="store_true", help=EXPLAIN_HELP)
    chat.set_defaults(func=cmd_chat)


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.adapters.terminal import chat
    from bot.app import build_services

    settings = context.settings()

    async def session() -> None:
        services = await build_services(settings)
        try:
            await chat(services.dialogue, explain=args.explain)
        finally:
            await services.db.dispose()

    asyncio.run(session())
    return context.EXIT_OK
