"""CITE matching latency: extraction + ranking for one business description.

Usage: .venv/bin/python benchmarks/matching.py [--dev ../shared/eval/dev_matches.yaml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import summary, time_calls
from bot.core import load_core
from bot.quality import evaluation

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "eval" / "dev_matches.yaml"))
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    items = evaluation.load_items(Path(args.dev))
    texts = [item["text"] for item in items]
    core = load_core(ROOT / "knowledge")
    print(
        f"{len(core.kb.cites)} CITEs, {len(core.kb.regions)} regions; {len(texts)} descriptions x {args.repeat}"
    )
    print("  match:", summary(time_calls(core.matcher.match, texts, args.repeat)))
    report = evaluation.evaluate_matches(items, lambda t: core.matcher.match(t).to_json()).as_dict()
    report.pop("failures")
    print("  dev set:", {k: round(v, 3) if isinstance(v, float) else v for k, v in report.items()})


if __name__ == "__main__":
    main()
