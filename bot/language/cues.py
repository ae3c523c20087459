"""Cue lists as one regular expression: the routing vocabulary of knowledge/routing.yaml.

Curators write each cue as a pattern of its own; the code asks only "does any of them occur".
One home for joining them, so every reader of routing.yaml treats an empty list the same
way: it matches nothing (an empty alternation would match everywhere).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

NEVER = re.compile(r"(?!)")


def any_of(patterns: Sequence[str]) -> re.Pattern[str]:
    """A pattern that matches where any of `patterns` does; NEVER for an empty list."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else NEVER
