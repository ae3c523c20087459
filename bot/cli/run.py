"""`mypebot run`: the Telegram bot, long polling or webhook as the settings say."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli import context
from bot.config import SettingsError


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run", help="inicia el bot de Telegram (necesita TELEGRAM_BOT_TOKEN)"
    )
    run.set_defaults(func=cmd_run)


def cmd_run(_args: argparse.Namespace) -> int:
    from bot.adapters.telegram_app import run

    settings = context.settings()
    settings.token()  # fail before touching anything else when there is no token
    if settings.webhook_url and settings.webhook_secret is None:
        raise SettingsError(
            "Configuración inválida: con WEBHOOK_URL también hace falta WEBHOOK_SECRET, "
            "para rechazar pedidos que no vengan de Telegram."
        )
    run(settings)  # builds the services in the event loop that serves them (issue 27)
    return context.EXIT_OK
