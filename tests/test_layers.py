"""The architecture as a test: imports point down the layers declared in pyproject.toml.

import-linter reads every import in bot/, including the ones inside functions (the lazy
imports that keep `mypebot ask` fast), and checks the contracts of [tool.importlinter]: the
layers, leaf modules that import nothing of the bot, no messaging platform or web server
outside the adapters and the CLI, and no cycle between sibling modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.kit import ROOT


def test_every_import_in_bot_keeps_the_layer_contracts() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(linter), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
