"""The one hook through which reviewed wordings reach the answers engine.

Accepted paraphrases live in the database (review_items), so every replica
serves them after its next knowledge reload, before a curator has written them
into the entry files with `mypebot kb learn --write`.
"""

from __future__ import annotations

from dataclasses import replace

from bot.knowledge.loader import KnowledgeBase
from bot.language.normalize import normalize


def with_learned(kb: KnowledgeBase, learned: dict[str, list[str]]) -> KnowledgeBase:
    """`kb` with each entry's learned wordings added to its questions (no duplicates).

    Wordings for an entry that no longer exists are left out.
    """
    if not learned:
        return kb
    entries = dict(kb.entries)
    changed = False
    for entry_id, wordings in learned.items():
        entry = entries.get(entry_id)
        if entry is None:
            continue
        known = {normalize(q) for q in entry.questions}
        new: list[str] = []
        for wording in wordings:
            normal = normalize(wording)
            if normal and normal not in known:
                known.add(normal)
                new.append(wording)
        if new:
            entries[entry_id] = entry.model_copy(update={"questions": [*entry.questions, *new]})
            changed = True
    return replace(kb, entries=entries) if changed else kb
