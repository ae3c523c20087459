"""`mypebot kb check|eval|train`: validating and measuring the knowledge base.

`kb review` and `kb learn`, which work on what users asked, are in
`bot.cli.review` and register themselves under the same `kb` command.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli import context, review

DECISION_HEADER = (
    "# Written by `mypebot kb train` (bot/answers/decision.py): a logistic model of\n"
    "# P(the best entry is the right answer) over the engine's ranking features; the\n"
    "# engine answers when P >= `answer` if `enabled`. Retrain after changing entries.\n"
)


def register(subparsers: Any) -> None:
    kb = subparsers.add_parser("kb", help="revisa la base de conocimiento (kb check)")
    actions = kb.add_subparsers(dest="kb_command", metavar="ACCIÓN")
    actions.required = True
    check = actions.add_parser("check", help="valida knowledge/ y lista errores y avisos")
    check.add_argument("--json", action="store_true", help="imprime el resultado en JSON")
    check.set_defaults(func=cmd_kb_check)
    _register_eval(actions)
    _register_train(actions)
    review.register(actions)


def _register_eval(actions: Any) -> None:
    evaluate = actions.add_parser(
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


def _register_train(actions: Any) -> None:
    train = actions.add_parser(
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


def cmd_kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import check_knowledge

    report = check_knowledge(context.settings().knowledge_dir)
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
    return context.EXIT_OK if report.ok else context.EXIT_ERROR


def cmd_kb_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.quality import evaluation

    core = context.load_core(context.settings())
    if args.decision is not None:
        core.answers.use_model = args.decision == "model" and core.answers.model is not None
    path = Path(args.file)
    items = evaluation.load_items(path)
    missed: list[str] = []
    if evaluation.file_kind(items) == "matches":
        report = evaluation.evaluate_matches(items, lambda t: core.matcher.match(t).to_json())
        data = report.as_dict()
    else:
        questions = evaluation.evaluate_questions(items, core.answers.reply)
        data = questions.as_dict()
        thresholds = _thresholds(args, evaluation.load_thresholds(path))
        missed = questions.below(thresholds)
        if thresholds:
            data["thresholds"] = thresholds
    if not args.verbose:
        data.pop("failures")
    print(json.dumps(data, ensure_ascii=False, indent=2))
    for line in missed:
        print(f"Por debajo del umbral: {line}", file=sys.stderr)
    return context.EXIT_ERROR if missed else context.EXIT_OK


def _thresholds(args: argparse.Namespace, stored: dict[str, float]) -> dict[str, float]:
    """The thresholds stored with the set, each overridden by its flag when given."""
    for name, value in (
        ("accuracy", args.min_accuracy),
        ("answers", args.min_answers),
        ("honest", args.min_honest),
        ("confident_wrong_rate", args.max_confident_wrong),
    ):
        if value is not None:
            stored[name] = value
    return stored


def cmd_kb_train(args: argparse.Namespace) -> int:
    """Fit the answer decision on labelled sets and store it in knowledge/decision.yaml."""
    from pathlib import Path

    import yaml

    from bot.answers import decision
    from bot.quality import evaluation

    settings = context.settings()
    engine = context.load_core(settings).answers
    engine.use_model = False  # the examples describe the ranking, not a previous model
    items = [item for file in args.files for item in evaluation.load_items(Path(file))]
    examples = evaluation.decision_examples(items, engine)
    if len(set(examples.labels)) < 2:
        print("Hacen falta ejemplos acertados y fallados para entrenar.", file=sys.stderr)
        return context.EXIT_ERROR
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
    text = DECISION_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    out.write_text(text, "utf-8")
    print(
        f"{len(examples.rows)} ejemplos ({sum(examples.labels)} con la mejor entrada correcta); "
        f"umbral para responder: {threshold:.3f}; guardado en {out}"
    )
    return context.EXIT_OK
