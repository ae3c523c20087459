"""`mypebot kb learn --write`: accepted paraphrases into the entry files, drafts beside them.

Curators then review the change in git like any other edit. Only the entry's
`questions:` list is touched (one line appended), so the rest of the file,
comments included, stays as the curator wrote it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.loader import KnowledgeBase
from bot.language.normalize import normalize

DRAFTS = "borradores"  # under knowledge/: not loaded until moved into entries/
_ITEM = re.compile(r"^(\s*-\s+)")


@dataclass
class Learned:
    paraphrases: list[tuple[str, str]] = field(default_factory=list)  # (file, wording)
    drafts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there, or entry gone


def add_paraphrase(path: Path, wording: str) -> bool:
    """Append `wording` to the front matter's `questions:` list; False if there is none."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == "questions:")
    except StopIteration:
        return False
    last, prefix = start, "  - "
    for index in range(start + 1, len(lines)):
        match = _ITEM.match(lines[index])
        if match is None:
            break
        last, prefix = index, match.group(1)
    if last == start:
        return False
    lines.insert(last + 1, prefix + json.dumps(wording, ensure_ascii=False))
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


def write_paraphrase(root: Path, kb: KnowledgeBase, entry_id: str, wording: str) -> str | None:
    """The file changed, or None when the entry is gone or already has this wording."""
    entry = kb.entries.get(entry_id)
    if entry is None or normalize(wording) in {normalize(q) for q in entry.questions}:
        return None
    rel = kb.entry_files[entry_id]
    return rel if add_paraphrase(root / rel, wording) else None


def write_draft(root: Path, name: str, text: str) -> str:
    folder = root / DRAFTS
    folder.mkdir(exist_ok=True)
    path = folder / name
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return f"{DRAFTS}/{name}"
