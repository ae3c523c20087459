"""Measures the answers engine and the CITE matcher on a labelled set of messages.

Reads files in the format of shared/eval/dev_questions.yaml (items with `q`)
and shared/eval/dev_matches.yaml (items with `text`), runs them through the
same code the bot uses, and reports the figures the targets are stated in.
Regular expressions are compared lower-case with accents removed.

Kinds of item (`expect`): `answer` (the reply must hold every `must` pattern and
none of `must_not`), `decline` (out of scope: any reply but an answer), `greeting`,
and `honest` (the sources do not hold the datum asked: declining is right, and so
is an answer that says so or where to check, one `must_any`, and asserts nothing
in `must_not`; an answer that does neither is a confident wrong one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answers.result import AskResult

ANSWERED = {"answer", "cites"}


def load_items(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = data.get("items", data) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError(f"{path}: se esperaba una lista 'items'")
    return items


def fold(text: str) -> str:
    """Lower case with every diacritic removed, ñ included, as the eval files' headers say
    ("compared lower-case, accents removed"); patterns are folded the same way, so
    "ano", "año" and "a(n|ñ)o" all find "año". (Retrieval keeps ñ apart; see
    text/normalize.py. This is only how answers are checked.)"""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _matches(pattern: str, text: str) -> bool:
    return re.search(fold(pattern), fold(text)) is not None


@dataclass
class QuestionReport:
    total: int = 0
    correct: int = 0
    confident_wrong: int = 0
    out_of_scope: int = 0
    declined: int = 0
    # expect kind -> [items, correct]: "answers" and "honest" are what the targets name.
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def kind_accuracy(self, kind: str) -> float | None:
        total, correct = self.by_kind.get(kind, (0, 0))
        return correct / total if total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.total,
            "accuracy": self.correct / self.total if self.total else 0.0,
            "confident_wrong_rate": self.confident_wrong / self.total if self.total else 0.0,
            "answers": self.kind_accuracy("answer"),
            "honest": self.kind_accuracy("honest"),
            "out_of_scope": self.out_of_scope,
            "out_of_scope_declined": self.declined / self.out_of_scope
            if self.out_of_scope
            else 1.0,
            "failures": self.failures,
        }

    def below(self, thresholds: dict[str, float]) -> list[str]:
        """The thresholds this report misses, as readable lines (empty when it meets all).

        Keys: `accuracy`, `answers`, `honest` (minimums) and `confident_wrong_rate`
        (a maximum)."""
        figures = self.as_dict()
        missed = []
        for name, limit in thresholds.items():
            value = figures.get(name)
            if value is None:
                continue
            if name == "confident_wrong_rate":
                if value > limit:
                    missed.append(f"{name} {value:.3f} > {limit:.3f}")
            elif value < limit:
                missed.append(f"{name} {value:.3f} < {limit:.3f}")
        return missed


def judge_question(item: dict[str, Any], result: AskResult) -> tuple[bool, bool]:
    """(correct, confident_wrong) for one item."""
    expect = item.get("expect", "answer")
    answered = result.kind in ANSWERED
    if expect == "greeting":
        return result.kind == "greeting", False
    if expect == "decline":
        return not answered, answered
    if not answered:
        # Not knowing is honest; for an answer item it is a miss, not a harm.
        return expect == "honest", False
    text = result.text + " " + " ".join(c.name + " " + c.id for c in result.cites)
    if any(_matches(p, text) for p in item.get("must_not", [])):
        return False, True
    if expect == "honest":
        ok = any(_matches(p, text) for p in item.get("must_any", []))
    else:
        ok = all(_matches(p, text) for p in item.get("must", []))
    return ok, not ok


def evaluate_questions(
    items: Iterable[dict[str, Any]], ask: Callable[[str], AskResult]
) -> QuestionReport:
    report = QuestionReport()
    for item in items:
        result = ask(item["q"])
        correct, wrong = judge_question(item, result)
        report.total += 1
        report.correct += correct
        report.confident_wrong += wrong
        tally = report.by_kind.setdefault(item.get("expect", "answer"), [0, 0])
        tally[0] += 1
        tally[1] += correct
        if item.get("expect") == "decline":
            report.out_of_scope += 1
            report.declined += result.kind not in ANSWERED
        if not correct:
            report.failures.append(
                {
                    "q": item["q"],
                    "expect": item.get("expect", "answer"),
                    "kind": result.kind,
                    "entry_id": result.entry_id,
                    "score": None if result.score is None else round(result.score, 3),
                    "suggestions": [s.entry_id for s in result.suggestions],
                }
            )
    return report


@dataclass
class MatchReport:
    total: int = 0
    top1: int = 0
    top3: int = 0
    sector_ok: int = 0
    region_ok: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        n = self.total or 1
        return {
            "items": self.total,
            "top1": self.top1 / n,
            "top3": self.top3 / n,
            "sector_accuracy": self.sector_ok / n,
            "region_accuracy": self.region_ok / n,
            "failures": self.failures,
        }


def evaluate_matches(
    items: Iterable[dict[str, Any]], match: Callable[[str], dict[str, Any]]
) -> MatchReport:
    """`match` returns the JSON shape of `mypebot match --json`."""
    report = MatchReport()
    for item in items:
        result = match(item["text"])
        names = [f"{c['id']} {c['name']}" for c in result.get("cites", [])]
        patterns = item.get("cite", [])
        hit = [any(_matches(p, n) for p in patterns) for n in names]
        sector_text = " ".join(str(result.get(k) or "") for k in ("sector_id", "sector")).strip()
        region_text = " ".join(str(result.get(k) or "") for k in ("region_id", "region")).strip()
        sector_ok = bool(sector_text) and _matches(item.get("sector", "$^"), sector_text)
        region_ok = bool(region_text) and _matches(item.get("region", "$^"), region_text)
        report.total += 1
        report.top1 += bool(hit[:1] and hit[0])
        report.top3 += any(hit[:3])
        report.sector_ok += sector_ok
        report.region_ok += region_ok
        if not (any(hit[:3]) and sector_ok and region_ok):
            report.failures.append(
                {
                    "text": item["text"],
                    "cites": [c["id"] for c in result.get("cites", [])[:3]],
                    "sector": sector_text or None,
                    "region": region_text or None,
                }
            )
    return report


def load_thresholds(path: Path) -> dict[str, float]:
    """Thresholds stored in a set's header (`thresholds: {accuracy: 0.9, ...}`), if any."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = data.get("thresholds", {}) if isinstance(data, dict) else {}
    return {str(k): float(v) for k, v in (found or {}).items()}


def file_kind(items: list[dict[str, Any]]) -> str:
    return "matches" if items and "text" in items[0] else "questions"


@dataclass
class TrainingSet:
    rows: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


def decision_examples(items: Iterable[dict[str, Any]], engine: Any) -> TrainingSet:
    """One example per labelled question that reaches the decision: the engine's features
    of its ranking, and whether answering its best entry would have been right.

    `engine` is an AnswerEngine; greetings, CITE cards and messages refused before
    retrieval never reach the decision and give no example."""
    examples = TrainingSet()
    for item in items:
        if item.get("expect", "answer") == "greeting":
            continue
        engine.trace = []
        try:
            engine._reply(item["q"])  # the uncached path: every item is decided afresh
            trace = engine.trace
        finally:
            engine.trace = None
        if not trace or trace[-1][1] is None:
            continue
        x, entry_id, asked = trace[-1]
        answer = engine._with_gaps(asked, engine.answer_entry(item["q"], entry_id))
        examples.rows.append(x)
        examples.labels.append(int(judge_question(item, answer)[0]))
        examples.questions.append(item["q"])
    return examples
