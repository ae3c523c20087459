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
from bot.language.normalize import normalize

# Characters of an answer's first part (before "Ver más"): about one phone screen with
# the source line and the review footer below it.
ANSWER_BODY = 600
STALE_AFTER = dt.timedelta(days=365)
TOO_CLOSE = 92  # token-sort similarity (0-100) between paraphrases of different entries
NEAR_COPY = 90  # rapidfuzz ratio (0-100) from which a paraphrase copies an evaluation question


def evaluation_files(root: Path) -> list[Path]:
    """The labelled question sets a paraphrase must not copy: the repository's own
    (evaluation/ beside knowledge/) and the shared ones (../shared/eval beside the
    checkout) when that folder exists; a fresh clone may not have it."""
    found: list[Path] = []
    root = root.resolve()
    for folder in (root.parent / "evaluation", root.parent.parent / "shared" / "eval"):
        if folder.is_dir():
            found.extend(sorted(folder.glob("*.yaml")))
    return found


def evaluation_questions(paths: list[Path]) -> list[tuple[str, str]]:
    """(file name, question) for every question item of the given sets."""
    import yaml

    out: list[tuple[str, str]] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = data.get("items", []) if isinstance(data, dict) else data
        for item in items or []:
            if isinstance(item, dict) and isinstance(item.get("q"), str):
                out.append((path.name, item["q"]))
    return out


def near_copies(
    kb: Any, questions: list[tuple[str, str]], cutoff: int = NEAR_COPY
) -> list[tuple[str, int, str, str, float]]:
    """(entry id, paraphrase index, set name, question, ratio) for every paraphrase that
    is a near-copy of an evaluation question: such a paraphrase makes the set measure
    memory, not the method."""
    if not questions:
        return []
    targets = [normalize(q) for _, q in questions]
    found = []
    for entry_id, entry in kb.entries.items():
        for index, paraphrase in enumerate(entry.questions):
            for _, score, j in process.extract(
                normalize(paraphrase), targets, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                found.append((entry_id, index, questions[j][0], questions[j][1], score))
    return found


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


def check_knowledge(
    root: Path, today: dt.date | None = None, eval_paths: list[Path] | None = None
) -> CheckReport:
    today = today or dt.date.today()
    eval_paths = evaluation_files(root) if eval_paths is None else eval_paths
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
        length = len(entry.answer.strip())
        if length > ANSWER_BODY:
            problems.append(
                Problem(
                    "error",
                    rel,
                    None,
                    f"la respuesta tiene {length} caracteres (más de {ANSWER_BODY}, una pantalla "
                    "de celular): deje arriba lo que responde la pregunta y pase el resto a "
                    "'## Ver más'",
                )
            )
    for cite in kb.cites.values():
        if today - cite.reviewed > STALE_AFTER:
            problems.append(
                Problem("warning", "cites.yaml", None, f"{cite.id}: revisado hace más de 12 meses")
            )

    problems.extend(_close_paraphrases(root, result))
    line_maps: dict[str, YamlLines | None] = {}
    for entry_id, index, set_name, question, score in near_copies(
        kb, evaluation_questions(eval_paths)
    ):
        rel = kb.entry_files[entry_id]
        if rel not in line_maps:
            line_maps[rel] = _question_lines(root, rel)
        lines = line_maps[rel]
        problems.append(
            Problem(
                "error",
                rel,
                lines.line(("questions", index)) if lines else None,
                f"la pregunta «{kb.entries[entry_id].questions[index]}» copia casi igual "
                f"({score:.0f}/100) una pregunta de evaluación de {set_name} («{question}»): "
                "bórrela o escriba otra forma de preguntar; si no, la evaluación mide memoria",
            )
        )
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
