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
from typing import IO, Any

from bot.config import Settings, SettingsError, load_settings
from bot.knowledge.errors import KnowledgeError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _settings() -> Settings:
    settings = load_settings()
    from bot.logs import configure_logging

    configure_logging(settings.log_level)
    return settings


async def _database(settings: Settings):  # type: ignore[no-untyped-def]
    """The database, brought up to date when it is the embedded default; else checked."""
    from bot.storage.db import Database, ensure_schema

    await ensure_schema(settings.database_url, migrate=settings.is_default_sqlite)
    return Database(settings.database_url)


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


# --- run ----------------------------------------------------------------------


def cmd_run(_args: argparse.Namespace) -> int:
    from bot.adapters.telegram_app import run
    from bot.app import build_services

    settings = _settings()
    settings.token()  # fail before touching anything else when there is no token
    if settings.webhook_url and settings.webhook_secret is None:
        raise SettingsError(
            "Configuración inválida: con WEBHOOK_URL también hace falta WEBHOOK_SECRET, "
            "para rechazar pedidos que no vengan de Telegram."
        )
    services = asyncio.run(build_services(settings))
    run(services)
    return EXIT_OK


EXPLAIN_HELP = "muestra cómo se leyó cada mensaje y qué flujo respondió"


# --- chat ---------------------------------------------------------------------


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.adapters.terminal import chat
    from bot.app import build_services

    settings = _settings()

    async def session() -> None:
        services = await build_services(settings)
        try:
            await chat(services.dialogue, explain=args.explain)
        finally:
            await services.db.dispose()

    asyncio.run(session())
    return EXIT_OK


def cmd_eval_chat(args: argparse.Namespace) -> int:
    """Conversation scripts against the dialogue, on a throwaway SQLite database."""
    from pathlib import Path

    from bot.quality import conversations as ce

    settings = _settings()
    core = _core(settings)
    try:
        scripts = ce.load_scripts(Path(args.file) if args.file else ce.DEFAULT_SCRIPTS)
    except ce.ScriptError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    report = asyncio.run(ce.run_on_core(scripts, core))
    print(ce.format_report(report, verbose=args.verbose))
    if report.share < args.min:
        print(f"Por debajo del mínimo de {args.min:.0%}.", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


# --- ask ----------------------------------------------------------------------


def _core(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core import load_core

    return load_core(settings.knowledge_dir)


def _print_result(result) -> None:  # type: ignore[no-untyped-def]
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
        return EXIT_OK
    if not args.text:
        print(missing, file=sys.stderr)
        return EXIT_USAGE
    result = handle(" ".join(args.text))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        show(result)
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    core = _core(_settings())
    if args.explain and args.text:
        from bot.dialogue.explain_ask import explain_question

        print(asyncio.run(explain_question(core, " ".join(args.text))))
        return EXIT_OK
    return _texts_command(
        args,
        core.answers.reply,
        _print_result,
        "Escriba la pregunta entre comillas, o use --jsonl con una por línea.",
    )


def cmd_match(args: argparse.Namespace) -> int:
    core = _core(_settings())
    return _texts_command(
        args,
        core.matcher.match,
        lambda result: print(result.message),
        "Describa el negocio entre comillas, o use --jsonl con uno por línea.",
    )


# --- export -------------------------------------------------------------------


def _date(value: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{value}» no es una fecha AAAA-MM-DD") from None


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.exports.leads import export_leads_csv, export_leads_xlsx
    from bot.exports.questions import export_questions_csv, export_questions_xlsx
    from bot.knowledge.loader import load_knowledge
    from bot.storage.leads import LeadFilter

    settings = _settings()
    output = Path(args.output)
    if output.parent and not output.parent.exists():
        print(f"La carpeta {output.parent} no existe.", file=sys.stderr)
        return EXIT_USAGE
    kb = load_knowledge(
        settings.knowledge_dir
    ).kb  # names for ids; export works even with KB warnings

    async def run(out: IO[str] | None) -> int:
        db = await _database(settings)
        try:
            if args.export_command == "leads":
                filters = LeadFilter(args.since, args.until, args.status, args.region, args.cite)
                if out is not None:
                    return await export_leads_csv(db, out, filters, kb)
                return await export_leads_xlsx(db, output, filters, kb)
            if out is not None:
                return await export_questions_csv(db, out)
            return await export_questions_xlsx(db, output)
        finally:
            await db.dispose()

    if args.format == "csv":
        with output.open("w", encoding="utf-8", newline="") as out:
            count = asyncio.run(run(out))
    else:
        count = asyncio.run(run(None))
    print(f"{count} filas escritas en {output}.")
    return EXIT_OK


# --- kb -----------------------------------------------------------------------


def cmd_kb_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.quality import evaluation

    settings = _settings()
    core = _core(settings)
    if args.decision is not None:
        core.answers.use_model = args.decision == "model" and core.answers.model is not None
    path = Path(args.file)
    items = evaluation.load_items(path)
    if evaluation.file_kind(items) == "matches":
        report = evaluation.evaluate_matches(items, lambda t: core.matcher.match(t).to_json())
        data = report.as_dict()
        missed: list[str] = []
    else:
        questions = evaluation.evaluate_questions(items, core.answers.reply)
        data = questions.as_dict()
        # Thresholds stored with the set, overridden by the flags.
        thresholds = evaluation.load_thresholds(path)
        for name, value in (
            ("accuracy", args.min_accuracy),
            ("answers", args.min_answers),
            ("honest", args.min_honest),
            ("confident_wrong_rate", args.max_confident_wrong),
        ):
            if value is not None:
                thresholds[name] = value
        missed = questions.below(thresholds)
        if thresholds:
            data["thresholds"] = thresholds
    if not args.verbose:
        data.pop("failures")
    print(json.dumps(data, ensure_ascii=False, indent=2))
    for line in missed:
        print(f"Por debajo del umbral: {line}", file=sys.stderr)
    return EXIT_ERROR if missed else EXIT_OK


def cmd_kb_train(args: argparse.Namespace) -> int:
    """Fit the answer decision on labelled sets and store it in knowledge/decision.yaml."""
    from pathlib import Path

    import yaml

    from bot.answers import decision
    from bot.quality import evaluation

    settings = _settings()
    core = _core(settings)
    engine = core.answers
    engine.use_model = False  # the examples describe the ranking, not a previous model
    items = [item for file in args.files for item in evaluation.load_items(Path(file))]
    examples = evaluation.decision_examples(items, engine)
    if len(set(examples.labels)) < 2:
        print("Hacen falta ejemplos acertados y fallados para entrenar.", file=sys.stderr)
        return EXIT_ERROR
    weights, bias, mean, scale = decision.fit(examples.rows, examples.labels, l2=args.l2)
    model = decision.DecisionModel(weights, bias, mean, scale, answer=1.0)
    probabilities = [model.probability(x) for x in examples.rows]
    threshold = decision.choose_threshold(probabilities, examples.labels, args.wrong_cost)
    data = {
        "features": list(decision.FEATURES),
        "weights": [round(w, 6) for w in weights],
        "bias": round(bias, 6),
        "mean": [round(m, 6) for m in mean],
        "scale": [round(v, 6) for v in scale],
        "answer": threshold,
        "trained_on": [Path(f).name for f in args.files],
        "examples": len(examples.rows),
        "enabled": args.enable,
    }
    out = Path(args.out) if args.out else settings.knowledge_dir / "decision.yaml"
    header = (
        "# Written by `mypebot kb train` (bot/answers/decision.py): a logistic model of\n"
        "# P(the best entry is the right answer) over the engine's ranking features; the\n"
        "# engine answers when P >= `answer` if `enabled`. Retrain after changing entries.\n"
    )
    out.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    right = sum(examples.labels)
    print(
        f"{len(examples.rows)} ejemplos ({right} con la mejor entrada correcta); "
        f"umbral para responder: {threshold:.3f}; guardado en {out}"
    )
    return EXIT_OK


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


# --- kb review / kb learn / report (insights) ------------------------------------

REVIEW_HELP = "  1-3 = es esta entrada · n = nueva entrada · i = ignorar · s = saltar · q = salir"


def cmd_kb_review(args: argparse.Namespace) -> int:
    """The review queue in the terminal: one cluster at a time, a decision per line."""
    from bot.dialogue.insights import item_text
    from bot.insights import review
    from bot.insights.learn import write_draft

    settings = _settings()
    core = _core(settings)

    async def in_session(work):  # type: ignore[no-untyped-def]
        db = await _database(settings)
        try:
            async with db.session() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.dispose()

    items = asyncio.run(in_session(lambda s: review.review_queue(s, core, limit=args.limit)))
    if not items:
        print("No hay preguntas pendientes de revisión.")
        return EXIT_OK
    print(f"{len(items)} grupos de preguntas pendientes, los más frecuentes primero.")
    for number, item in enumerate(items, start=1):
        print(f"\n[{number}/{len(items)}] #{item.id} " + item_text(item))
        print(REVIEW_HELP)
        while True:
            answer = (sys.stdin.readline() or "q").strip().lower()
            choices = {str(n) for n in range(1, len(item.candidates) + 1)}
            if answer in choices | {"n", "i", "s", "q"}:
                break
            print("Respuesta no válida. " + REVIEW_HELP.strip())
        if answer == "q":
            break
        if answer == "s":
            print("  → saltada")
        elif answer == "i":
            asyncio.run(in_session(lambda s, i=item.id: review.ignore(s, i)))
            print("  → ignorada: no volverá a aparecer")
        elif answer == "n":
            drafted = asyncio.run(in_session(lambda s, i=item.id: review.new_entry(s, i)))
            if drafted is not None:
                rel = write_draft(settings.knowledge_dir, drafted[1], drafted[2])
                print(f"  → borrador escrito en {settings.knowledge_dir / rel}")
        else:
            choice = int(answer) - 1
            accepted = asyncio.run(
                in_session(lambda s, i=item.id, c=choice: review.accept(s, core, i, c))
            )
            if accepted is not None:
                print(
                    f"  → aprendida para «{accepted[1]}»: se usa tras la próxima recarga; "
                    "escríbala en el archivo con: mypebot kb learn --write"
                )
    return EXIT_OK


def cmd_kb_learn(args: argparse.Namespace) -> int:
    """Write accepted paraphrases into the entry files (and drafts into borradores/)."""
    import datetime as dt

    from bot.insights.learn import write_draft, write_paraphrase
    from bot.insights.review import draft_entry
    from bot.knowledge.loader import load_knowledge
    from bot.storage.review import mark_written, not_written

    settings = _settings()
    root = settings.knowledge_dir
    kb = load_knowledge(root).kb

    async def run() -> int:
        db = await _database(settings)
        try:
            async with db.session() as session:
                items = await not_written(session)
                done: list[int] = []
                for item in items:
                    if item.status == "learned" and item.entry_id:
                        if not args.write:
                            print(
                                f"  {kb.entry_files.get(item.entry_id, item.entry_id)}: + «{item.wording}»"
                            )
                            continue
                        rel = write_paraphrase(root, kb, item.entry_id, item.wording)
                        print(
                            f"  {rel}: + «{item.wording}»"
                            if rel
                            else f"  ya estaba: «{item.wording}»"
                        )
                    else:
                        name, text = draft_entry(item, dt.date.today())
                        if not args.write:
                            print(f"  borradores/{name}: borrador nuevo")
                            continue
                        print(f"  {write_draft(root, name, text)}: borrador nuevo")
                    done.append(int(item.id or 0))
                if args.write:
                    await mark_written(session, done)
                    await session.commit()
                return len(items)
        finally:
            await db.dispose()

    count = asyncio.run(run())
    if not count:
        print("Nada que escribir.")
    elif not args.write:
        print(f"{count} cambios pendientes; con --write se escriben en {root}.")
    else:
        print(f"{count} cambios escritos. Revise con git diff y ejecute mypebot kb check.")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from bot.insights.labels import namer
    from bot.insights.report import write_report
    from bot.knowledge.loader import load_knowledge
    from bot.storage.statistics import build_statistics

    settings = _settings()
    output = Path(args.output)
    if output.parent and not output.parent.exists():
        print(f"La carpeta {output.parent} no existe.", file=sys.stderr)
        return EXIT_USAGE
    until = args.until or dt.date.today()
    since = args.since or until - dt.timedelta(days=29)
    if since > until:
        print("--since debe ser anterior a --until.", file=sys.stderr)
        return EXIT_USAGE
    kb = load_knowledge(settings.knowledge_dir).kb

    async def run():  # type: ignore[no-untyped-def]
        db = await _database(settings)
        try:
            async with db.session() as session:
                return await build_statistics(session, since, until)
        finally:
            await db.dispose()

    stats = asyncio.run(run())
    write_report(stats, output, namer(kb))
    print(f"Informe del {since:%d/%m/%Y} al {until:%d/%m/%Y} escrito en {output}.")
    return EXIT_OK


# --- parser -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mypebot",
        description="Asistente para las MYPE: economía circular, ProInnóvate, MYPE Sostenible y CITE.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMANDO")
    sub.required = True

    run = sub.add_parser("run", help="inicia el bot de Telegram (necesita TELEGRAM_BOT_TOKEN)")
    run.set_defaults(func=cmd_run)

    chat = sub.add_parser(
        "chat", help="conversa con el bot en esta terminal (sin token ni servidor)"
    )
    chat.add_argument("--explain", action="store_true", help=EXPLAIN_HELP)
    chat.set_defaults(func=cmd_chat)

    eval_chat = sub.add_parser(
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

    ask = sub.add_parser("ask", help="responde una pregunta desde la base de conocimiento")
    ask.add_argument("text", nargs="*", help="la pregunta")
    ask.add_argument("--json", action="store_true", help="imprime un objeto JSON")
    ask.add_argument(
        "--jsonl", action="store_true", help="lee una pregunta por línea de la entrada"
    )
    ask.add_argument("--explain", action="store_true", help=EXPLAIN_HELP)
    ask.set_defaults(func=cmd_ask)

    match = sub.add_parser("match", help="sugiere los CITE que encajan con un negocio")
    match.add_argument("text", nargs="*", help="la descripción del negocio")
    match.add_argument("--json", action="store_true", help="imprime un objeto JSON")
    match.add_argument("--jsonl", action="store_true", help="lee un texto por línea de la entrada")
    match.set_defaults(func=cmd_match)

    kb = sub.add_parser("kb", help="revisa la base de conocimiento (kb check)")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="ACCIÓN")
    kb_sub.required = True
    check = kb_sub.add_parser("check", help="valida knowledge/ y lista errores y avisos")
    check.add_argument("--json", action="store_true", help="imprime el resultado en JSON")
    check.set_defaults(func=cmd_kb_check)
    evaluate = kb_sub.add_parser(
        "eval", help="mide respuestas o sugerencias de CITE con un set YAML"
    )
    evaluate.add_argument("file", help="archivo con el formato de shared/eval/*.yaml")
    evaluate.add_argument("--verbose", action="store_true", help="lista también los fallos")
    for flag, help_text in (
        ("--min-accuracy", "falla si el acierto total queda por debajo (0..1)"),
        ("--min-answers", "falla si el acierto en preguntas con respuesta queda por debajo"),
        ("--min-honest", "falla si el acierto en datos que las fuentes no tienen queda por debajo"),
        ("--max-confident-wrong", "falla si las respuestas seguras equivocadas pasan de esto"),
    ):
        evaluate.add_argument(flag, type=float, default=None, help=help_text)
    evaluate.add_argument(
        "--decision",
        choices=["model", "bands"],
        default=None,
        help="quién decide responder: el modelo aprendido (decision.yaml) o las bandas fijas; "
        "por defecto, lo que diga decision.yaml (enabled)",
    )
    evaluate.set_defaults(func=cmd_kb_eval)
    train = kb_sub.add_parser(
        "train", help="aprende la decisión responder/sugerir/declinar de sets etiquetados"
    )
    train.add_argument("files", nargs="+", help="sets YAML con el formato de shared/eval")
    train.add_argument("--out", default=None, help="por defecto knowledge/decision.yaml")
    train.add_argument(
        "--wrong-cost",
        type=float,
        default=4.0,
        help="cuántas respuestas correctas pesa una equivocada al elegir el umbral",
    )
    train.add_argument("--l2", type=float, default=0.1, help="regularización L2")
    train.add_argument(
        "--enable",
        action="store_true",
        help="que el bot decida con el modelo (si no, solo sirve para comparar con --decision)",
    )
    train.set_defaults(func=cmd_kb_train)
    review = kb_sub.add_parser(
        "review", help="revisa las preguntas que el bot no entendió (agrupadas, más frecuentes)"
    )
    review.add_argument("--limit", type=int, default=10, help="cuántos grupos mostrar")
    review.set_defaults(func=cmd_kb_review)
    learn = kb_sub.add_parser(
        "learn", help="escribe en knowledge/ las formas de preguntar aceptadas en la revisión"
    )
    learn.add_argument("--write", action="store_true", help="escribe (sin esto, solo muestra)")
    learn.set_defaults(func=cmd_kb_learn)

    report = sub.add_parser("report", help="informe de uso en Excel, con gráficos")
    report.add_argument("--since", type=_date, help="desde AAAA-MM-DD (por omisión, 30 días)")
    report.add_argument("--until", type=_date, help="hasta AAAA-MM-DD (incluido; hoy)")
    report.add_argument("--output", required=True, help="archivo .xlsx a escribir")
    report.set_defaults(func=cmd_report)

    export = sub.add_parser("export", help="exporta interesados o preguntas a Excel o CSV")
    export_sub = export.add_subparsers(dest="export_command", metavar="QUÉ")
    export_sub.required = True
    for name, help_text in (
        ("leads", "los interesados registrados, uno por fila"),
        (
            "questions",
            "preguntas sin respuesta o con poca confianza, con cuántas veces se hicieron",
        ),
    ):
        cmd = export_sub.add_parser(name, help=help_text)
        cmd.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        cmd.add_argument("--output", required=True, help="archivo a escribir")
        if name == "leads":
            cmd.add_argument("--since", type=_date, help="desde AAAA-MM-DD")
            cmd.add_argument("--until", type=_date, help="hasta AAAA-MM-DD (incluido)")
            cmd.add_argument(
                "--status", choices=["nuevo", "contactado", "en_proceso", "cerrado", "descartado"]
            )
            cmd.add_argument("--region", help="id de región, p. ej. arequipa")
            cmd.add_argument("--cite", help="id de CITE, p. ej. citeccal-lima")
        cmd.set_defaults(func=cmd_export)

    from bot.broadcast.cli import register as register_broadcast

    register_broadcast(sub)

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
    except KnowledgeError as exc:
        print(
            "La base de conocimiento tiene errores; corríjalos (mypebot kb check):", file=sys.stderr
        )
        for problem in exc.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        import logging

        logging.getLogger("bot.cli").debug("command failed", exc_info=True)
        print(
            f"Algo salió mal ({type(exc).__name__}). Vuelva a intentarlo; si se repite, "
            "ejecute con LOG_LEVEL=DEBUG y comparta el detalle con el equipo técnico.",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
