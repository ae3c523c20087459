"""`mypebot export` (leads, questions) and `mypebot report`: files staff open in Excel."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bot.cli import context
from bot.storage.lead_statuses import LEAD_STATUSES

if TYPE_CHECKING:
    from bot.storage.statistics import Statistics


def iso_date(value: str) -> dt.date:
    """An argparse type: a bad date is a usage error naming the value, in Spanish."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{value}» no es una fecha AAAA-MM-DD") from None


def register(subparsers: Any) -> None:
    report = subparsers.add_parser("report", help="informe de uso en Excel, con gráficos")
    report.add_argument("--since", type=iso_date, help="desde AAAA-MM-DD (por omisión, 30 días)")
    report.add_argument("--until", type=iso_date, help="hasta AAAA-MM-DD (incluido; hoy)")
    report.add_argument("--output", required=True, help="archivo .xlsx a escribir")
    report.set_defaults(func=cmd_report)

    export = subparsers.add_parser("export", help="exporta interesados o preguntas a Excel o CSV")
    kinds = export.add_subparsers(dest="export_command", metavar="QUÉ")
    kinds.required = True
    for name, help_text in (
        ("leads", "los interesados registrados, uno por fila"),
        (
            "questions",
            "preguntas sin respuesta o con poca confianza, con cuántas veces se hicieron",
        ),
    ):
        cmd = kinds.add_parser(name, help=help_text)
        cmd.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        cmd.add_argument("--output", required=True, help="archivo a escribir")
        if name == "leads":
            cmd.add_argument("--since", type=iso_date, help="desde AAAA-MM-DD")
            cmd.add_argument("--until", type=iso_date, help="hasta AAAA-MM-DD (incluido)")
            cmd.add_argument("--status", choices=list(LEAD_STATUSES))
            cmd.add_argument("--region", help="id de región, p. ej. arequipa")
            cmd.add_argument("--cite", help="id de CITE, p. ej. citeccal-lima")
        cmd.set_defaults(func=cmd_export)


def _missing_folder(output: Path) -> bool:
    if not output.parent.exists():
        print(f"La carpeta {output.parent} no existe.", file=sys.stderr)
        return True
    return False


def cmd_export(args: argparse.Namespace) -> int:
    from bot.exports.leads import export_leads_csv, export_leads_xlsx
    from bot.exports.questions import export_questions_csv, export_questions_xlsx
    from bot.knowledge.loader import load_knowledge
    from bot.storage.leads import LeadFilter

    settings = context.settings()
    output = Path(args.output)
    if _missing_folder(output):
        return context.EXIT_USAGE
    kb = load_knowledge(settings.knowledge_dir).kb  # names for ids; works even with KB warnings

    async def run(out: IO[str] | None) -> int:
        async with context.database(settings) as db:
            if args.export_command == "leads":
                filters = LeadFilter(args.since, args.until, args.status, args.region, args.cite)
                if out is not None:
                    return await export_leads_csv(db, out, filters, kb)
                return await export_leads_xlsx(db, output, filters, kb)
            if out is not None:
                return await export_questions_csv(db, out)
            return await export_questions_xlsx(db, output)

    if args.format == "csv":
        with output.open("w", encoding="utf-8", newline="") as out:
            count = asyncio.run(run(out))
    else:
        count = asyncio.run(run(None))
    print(f"{count} filas escritas en {output}.")
    return context.EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from bot.insights.labels import namer
    from bot.insights.report import write_report
    from bot.knowledge.loader import load_knowledge
    from bot.storage.statistics import build_statistics

    settings = context.settings()
    output = Path(args.output)
    if _missing_folder(output):
        return context.EXIT_USAGE
    until = args.until or dt.date.today()
    since = args.since or until - dt.timedelta(days=29)
    if since > until:
        print("--since debe ser anterior a --until.", file=sys.stderr)
        return context.EXIT_USAGE
    kb = load_knowledge(settings.knowledge_dir).kb

    async def read() -> Statistics:
        async with context.database(settings) as db, db.session() as session:
            return await build_statistics(session, since, until)

    stats = asyncio.run(read())
    write_report(stats, output, namer(kb))
    print(f"Informe del {since:%d/%m/%Y} al {until:%d/%m/%Y} escrito en {output}.")
    return context.EXIT_OK
