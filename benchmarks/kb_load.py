"""Full knowledge-base load (parse + validate) and index build, cold, in a fresh process.

Usage: .venv/bin/python benchmarks/kb_load.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import time
t0 = time.perf_counter()
from bot.core import load_core
t1 = time.perf_counter()
core = load_core(__import__('pathlib').Path('knowledge'))
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.1f} {(t2 - t1) * 1000:.1f}")
"""


def main() -> None:
    imports, loads = [], []
    for _ in range(7):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
        )
        a, b = (float(x) for x in out.stdout.split())
        imports.append(a)
        loads.append(b)
    print(f"imports: median {statistics.median(imports):.0f} ms")
    print(
        f"load + validate + index build: median {statistics.median(loads):.0f} ms (min {min(loads):.0f}, max {max(loads):.0f})"
    )


if __name__ == "__main__":
    main()
