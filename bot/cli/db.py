"""`mypebot db upgrade` and `mypebot db current`: the schema migrations."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli import context


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="migraciones de la base de datos (upgrade, current)")
    actions = db.add_subparsers(dest="db_command", metavar="ACCIÓN")
    actions.required = True
    actions.add_parser("upgrade", help="aplica las migraciones pendientes").set_defaults(
        func=cmd_db_upgrade
    )
    actions.add_parser("current", help="muestra la revisión actual").set_defaults(
        func=cmd_db_current
    )


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from bot.storage.db import current_revision, upgrade

    settings = context.settings()
    upgrade(settings.database_url)
    print(
        f"Base de datos al día (revisión {asyncio.run(current_revision(settings.database_url))})."
    )
    return context.EXIT_OK


def cmd_db_current(_args: argparse.Namespace) -> int:
    from bot.storage.db import current_revision, head_revision

    settings = context.settings()
    current = asyncio.run(current_revision(settings.database_url))
    head = head_revision()
    state = (
        "al día" if current == head else f"pendiente: falta llegar a {head} (mypebot db upgrade)"
    )
    print(f"Revisión actual: {current or 'ninguna (base vacía)'} · {state}")
    return context.EXIT_OK
