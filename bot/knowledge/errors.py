"""The error raised when the knowledge base cannot be served (kept import-light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.knowledge.loader import Problem


class KnowledgeError(Exception):
    """The knowledge base has errors; `problems` says where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} errores en la base de conocimiento")
