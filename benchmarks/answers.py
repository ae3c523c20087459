"""Answers engine: latency on the shipped KB and on a 100x synthetic KB, next to the naive baseline.

Usage: .venv/bin/python benchmarks/answers.py [--dev SET.yaml ...]

The default question set is the repository's own check split (evaluation/check.yaml),
so the script runs from any clone; pass --dev for others (e.g. ../shared/eval/*.yaml).

The synthetic KB repeats every entry 100 times with reworded paraphrases and
extra made-up words, so the vocabulary and the posting lists grow as a real
100x base would. The baseline is `rapidfuzz.process.extractOne` over all
paraphrases, answering with the entry of the best one.

The engine's reply cache and matching's extraction cache are turned off here
(REPLY_CACHE_SIZE = EXTRACTION_CACHE = 0): the questions repeat, and the
figures are meant to show the cost of retrieval itself, not of a dictionary
lookup.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rapidfuzz import process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import summary, time_calls
from bot.answers import engine as answer_engine
from bot.answers.engine import render_entry
from bot.answers.result import AskResult
from bot.core import build_core, load_valid_knowledge
from bot.knowledge.loader import KnowledgeBase
from bot.matching import matcher as matcher_module
from bot.quality import evaluation

ROOT = Path(__file__).resolve().parent.parent


def synthetic_kb(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    rng = random.Random(seed)
    entries = {}
    for k in range(factor):
        for entry in kb.entries.values():
            noise = [f"zq{k}w{rng.randrange(5000)}" for _ in range(3)]
            questions = []
            for q in entry.questions:
                words = q.split()
                rng.shuffle(words)
                questions.append(" ".join([*words, rng.choice(noise)]))
            copy = entry.model_copy(
                update={
                    "id": f"{entry.id[:32]}-{k}",
                    "questions": questions,
                    "answer": entry.answer + " " + " ".join(noise),
                    "related": [],
                }
            )
            entries[copy.id] = copy
    return KnowledgeBase(
        entries=entries,
        cites=kb.cites,
        regions=kb.regions,
        sectors=kb.sectors,
        needs=kb.needs,
        synonyms=kb.synonyms,
        smalltalk=kb.smalltalk,
        routing=kb.routing,
        decision=kb.decision,
    )


class Baseline:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.choices: list[str] = []
        self.owner: list[str] = []
        for entry in kb.entries.values():
            for q in entry.questions:
                self.choices.append(q)
                self.owner.append(entry.id)

    def reply(self, question: str) -> AskResult:
        best = process.extractOne(question, self.choices)
        entry = self.kb.entries[self.owner[best[2]]]
        return AskResult(
            question=question, kind="answer", text=render_entry(entry), entry_id=entry.id
        )


def startup_ms(runs: int = 5) -> float:
    exe = Path(sys.executable).parent / "mypebot"
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "ask", "--json", "que es un cite"], check=True, capture_output=True, cwd=ROOT
        )
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    answer_engine.REPLY_CACHE_SIZE = 0  # measure retrieval, not the caches (see above)
    matcher_module.EXTRACTION_CACHE = 0
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--dev",
        action="append",
        default=None,
        help="labelled question set(s); default evaluation/check.yaml",
    )
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    paths = [Path(p) for p in args.dev] if args.dev else [ROOT / "evaluation" / "check.yaml"]
    items = [item for path in paths for item in evaluation.load_items(path)]
    questions = [item["q"] for item in items]
    kb = load_valid_knowledge(ROOT / "knowledge")
    core = build_core(kb)
    baseline = Baseline(kb)

    print(f"Shipped KB: {len(kb.entries)} entries, {kb.question_count} paraphrases")
    print("  engine   :", summary(time_calls(core.answers.reply, questions, args.repeat)))
    print("  baseline :", summary(time_calls(baseline.reply, questions, args.repeat)))

    big = synthetic_kb(kb, 100)
    start = time.perf_counter()
    big_core = build_core(big)
    build = (time.perf_counter() - start) * 1000
    big_baseline = Baseline(big)
    print(
        f"Synthetic KB (100x): {len(big.entries)} entries, {big.question_count} paraphrases, index built in {build:.0f} ms"
    )
    print(
        "  engine   :",
        summary(time_calls(big_core.answers.reply, questions, max(1, args.repeat // 4))),
    )
    print(
        "  baseline :", summary(time_calls(big_baseline.reply, questions, max(1, args.repeat // 4)))
    )

    ours = evaluation.evaluate_questions(items, core.answers.reply).as_dict()
    naive = evaluation.evaluate_questions(items, baseline.reply).as_dict()
    print(
        f"Question set{'s' if len(paths) > 1 else ''} {', '.join(p.name for p in paths)} "
        f"({len(items)} items): accuracy engine {ours['accuracy']:.1%} vs baseline {naive['accuracy']:.1%}"
    )
    print(
        f"  confident wrong: engine {ours['confident_wrong_rate']:.1%} vs baseline {naive['confident_wrong_rate']:.1%}; "
        f"out-of-scope declined: engine {ours['out_of_scope_declined']:.0%} vs baseline {naive['out_of_scope_declined']:.0%}"
    )
    print(f"Start-up of `mypebot ask` (median of 5, wall clock): {startup_ms():.0f} ms")


if __name__ == "__main__":
    main()
