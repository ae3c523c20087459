"""`mypebot chat`: the whole conversation in this terminal, without a token or a server.

Options for the session (such as a later `--explain`) are added in `register`
and handed to the terminal adapter in `cmd_chat`; nothing else needs to change.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli import context


def register(subparsers: Any) -> None:
    chat = subparsers.add_parser(
        "chat", help="conversa con el bot en esta terminal (sin token ni servidor)"
    )
    chat.set_defaults(func=cmd_chat)


def cmd_chat(_args: argparse.Namespace) -> int:
    from bot.adapters.terminal import chat
    from bot.app import build_services

    settings = context.settings()

    async def session() -> None:
        services = await build_services(settings)
        try:
            await chat(services.dialogue)
        finally:
            await services.db.dispose()

    asyncio.run(session())
    return context.EXIT_OK
