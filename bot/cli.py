"""The `mypebot` command line: parses arguments, calls one core function, prints.

Imports are done inside each command so that `mypebot ask` starts fast and a
command never pays for libraries it does not use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence

from bot.config import Settings, SettingsError, load_settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _settings() -> Settings:
    settings = load_settings()
    from bot.logs import configure_logging

    configure_logging(settings.log_level)
    return settings


def _not_yet(what: str) -> Callable[[argparse.Namespace], int]:
    def command(_args: argparse.Namespace) -> int:
        print(f"«{what}» todavía no está disponible en esta versión de mypebot.", file=sys.stderr)
        return EXIT_USAGE

    return command


# --- db -----------------------------------------------------------------------


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from bot.storage.db import current_revision, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(
        f"Base de datos al día (revisión {asyncio.run(current_revision(settings.database_url))})."
    )
    return EXIT_OK


def cmd_db_current(_args: argparse.Namespace) -> int:
    from bot.storage.db import current_revision, head_revision

    settings = _settings()
    current = asyncio.run(current_revision(settings.database_url))
    head = head_revision()
    state = (
        "al día" if current == head else f"pendiente: falta llegar a {head} (mypebot db upgrade)"
    )
    print(f"Revisión actual: {current or 'ninguna (base vacía)'} · {state}")
    return EXIT_OK


# --- kb -----------------------------------------------------------------------


def cmd_kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import check_knowledge

    settings = _settings()
    report = check_knowledge(settings.knowledge_dir)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            print(problem)
        counts = report.counts()
        print(
            f"{counts['entries']} entradas ({counts['questions']} preguntas de ejemplo), "
            f"{counts['cites']} CITE, {counts['regions']} regiones, {counts['sectors']} sectores, "
            f"{counts['needs']} necesidades · {counts['errors']} errores, {counts['warnings']} avisos."
        )
        print("Todo en orden." if report.ok else "Corrija los errores antes de publicar.")
    return EXIT_OK if report.ok else EXIT_ERROR


# --- parser -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mypebot",
        description="Asistente para las MYPE: economía circular, ProInnóvate, MYPE Sostenible y CITE.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMANDO")
    sub.required = True

    run = sub.add_parser("run", help="inicia el bot de Telegram (necesita TELEGRAM_BOT_TOKEN)")
    run.set_defaults(func=_not_yet("mypebot run"))

    chat = sub.add_parser(
        "chat", help="conversa con el bot en esta terminal (sin token ni servidor)"
    )
    chat.set_defaults(func=_not_yet("mypebot chat"))

    ask = sub.add_parser("ask", help="responde una pregunta desde la base de conocimiento")
    ask.set_defaults(func=_not_yet("mypebot ask"))

    match = sub.add_parser("match", help="sugiere los CITE que encajan con un negocio")
    match.set_defaults(func=_not_yet("mypebot match"))

    kb = sub.add_parser("kb", help="revisa la base de conocimiento (kb check)")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="ACCIÓN")
    kb_sub.required = True
    check = kb_sub.add_parser("check", help="valida knowledge/ y lista errores y avisos")
    check.add_argument("--json", action="store_true", help="imprime el resultado en JSON")
    check.set_defaults(func=cmd_kb_check)

    export = sub.add_parser("export", help="exporta interesados o preguntas a Excel o CSV")
    export.set_defaults(func=_not_yet("mypebot export"))

    broadcast = sub.add_parser("broadcast", help="envía anuncios a los suscriptores")
    broadcast.set_defaults(func=_not_yet("mypebot broadcast"))

    db = sub.add_parser("db", help="migraciones de la base de datos (upgrade, current)")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACCIÓN")
    db_sub.required = True
    db_sub.add_parser("upgrade", help="aplica las migraciones pendientes").set_defaults(
        func=cmd_db_upgrade
    )
    db_sub.add_parser("current", help="muestra la revisión actual").set_defaults(
        func=cmd_db_current
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
