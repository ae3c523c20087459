"""`mypebot kb check`: the one command a curator runs after editing knowledge/.

On top of what the loader validates (schema, unique ids, references), it looks
for what makes the bot worse without being wrong: stale reviews, answers too
long for a phone, and example questions so close to another entry's that the
search engine could not tell the two apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.knowledge.loader import LoadResult, Problem, YamlLines, load_knowledge, split_front_matter
from bot.text.normalize import normalize

PHONE_LENGTH = 900  # characters an answer may have before a phone screen overflows
HARD_LENGTH = 3500  # beyond this even the split message becomes unreadable
STALE_AFTER = dt.timedelta(days=365)
TOO_CLOSE = 92  # token-sort similarity (0-100) between paraphrases of different entries


@dataclass
class CheckReport:
    result: LoadResult

    @property
    def problems(self) -> list[Problem]:
        return self.result.problems

    @property
    def ok(self) -> bool:
        return not self.result.errors

    def counts(self) -> dict[str, Any]:
        kb = self.result.kb
        return {
            "entries": len(kb.entries),
            "questions": kb.question_count,
            "cites": len(kb.cites),
            "regions": len(kb.regions),
            "sectors": len(kb.sectors),
            "needs": len(kb.needs),
            "warnings": len(self.result.warnings),
            "errors": len(self.result.errors),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "error_list": [p.as_dict() for p in self.result.errors],
            "warning_list": [p.as_dict() for p in self.result.warnings],
        }


def _question_lines(root: Path, rel: str) -> YamlLines | None:
    parts = split_front_matter((root / rel).read_text(encoding="utf-8-sig"))
    return YamlLines(parts[0], offset=1) if parts else None


def check_knowledge(root: Path, today: dt.date | None = None) -> CheckReport:
    today = today or dt.date.today()
    result = load_knowledge(root)
    kb = result.kb
    problems = result.problems

    for entry_id, entry in kb.entries.items():
        rel = kb.entry_files[entry_id]
        if today - entry.reviewed > STALE_AFTER:
            problems.append(
                Problem(
                    "warning",
                    rel,
                    None,
                    f"se revisó por última vez el {entry.reviewed:%d/%m/%Y}: hace más de 12 meses; "
                    "confirme que sigue vigente y actualice 'reviewed'",
                )
            )
        if entry.expires and entry.expires < today:
            problems.append(
                Problem(
                    "warning",
                    rel,
                    None,
                    f"venció el {entry.expires:%d/%m/%Y} ('expires'): revísela",
                )
            )
        length = len(entry.answer)
        if length > HARD_LENGTH:
            problems.append(
                Problem(
                    "error",
                    rel,
                    None,
                    f"la respuesta tiene {length} caracteres: pase lo que sobre a '## Ver más'",
                )
            )
        elif length > PHONE_LENGTH:
            problems.append(
                Problem(
                    "warning",
                    rel,
                    None,
                    f"la respuesta tiene {length} caracteres (más de {PHONE_LENGTH}): en el celular "
                    "se lee mejor corta; pase el detalle a '## Ver más'",
                )
            )
    for cite in kb.cites.values():
        if today - cite.reviewed > STALE_AFTER:
            problems.append(
                Problem("warning", "cites.yaml", None, f"{cite.id}: revisado hace más de 12 meses")
            )

    problems.extend(_close_paraphrases(root, result))
    return CheckReport(result)


def _close_paraphrases(root: Path, result: LoadResult) -> list[Problem]:
    kb = result.kb
    owners: list[tuple[str, int]] = []
    texts: list[str] = []
    for entry_id, entry in kb.entries.items():
        for index, question in enumerate(entry.questions):
            owners.append((entry_id, index))
            texts.append(normalize(question))
    if not texts:
        return []
    found: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    line_maps: dict[str, YamlLines | None] = {}
    pairs = (
        (i, j)
        for i, text in enumerate(texts)
        for _, _, j in process.extract(
            text, texts, scorer=fuzz.token_sort_ratio, score_cutoff=TOO_CLOSE, limit=None
        )
    )
    for i, j in pairs:
        if i >= j or owners[i][0] == owners[j][0]:
            continue
        a, b = owners[i][0], owners[j][0]
        if (a, b) in seen:
            continue
        seen.add((a, b))
        rel = kb.entry_files[a]
        if rel not in line_maps:
            line_maps[rel] = _question_lines(root, rel)
        lines = line_maps[rel]
        line = lines.line(("questions", owners[i][1])) if lines else None
        found.append(
            Problem(
                "warning",
                rel,
                line,
                f"la pregunta «{kb.entries[a].questions[owners[i][1]]}» se parece demasiado a "
                f"«{kb.entries[b].questions[owners[j][1]]}» de {kb.entry_files[b]}: el buscador "
                "podría confundirlas; reformule una de las dos",
            )
        )
    return found
