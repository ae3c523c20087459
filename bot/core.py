"""The platform-neutral core, built once from a knowledge base.

Bundles what answering and matching need so that adapters (Telegram, the
terminal, the CLI) and a knowledge reload can swap it as one value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.answers.engine import AnswerEngine, build_analyzer
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.matching.matcher import Matcher
from bot.matching.suggestion import CiteMatch


def load_valid_knowledge(root: Path) -> KnowledgeBase:
    result = load_knowledge(root)
    if result.errors:
        raise KnowledgeError(result.errors)
    return result.kb


@dataclass
class Core:
    kb: KnowledgeBase
    answers: AnswerEngine
    matcher: Matcher


def build_core(kb: KnowledgeBase) -> Core:
    matcher = Matcher(kb)

    def business_match(text: str) -> CiteMatch | None:
        """A message that describes the sender's business goes to CITE matching."""
        extraction = matcher.extract(text)
        if not extraction.describes_business:
            return None
        result = matcher.result(text, extraction)
        return CiteMatch(
            text=result.message,
            cites=result.cites,
            sector=extraction.sector,
            region=extraction.region,
            asked_for_help=extraction.help_cue,
        )

    answers = AnswerEngine(kb, analyzer=build_analyzer(kb), matcher=business_match)
    return Core(kb=kb, answers=answers, matcher=matcher)


def load_core(root: Path) -> Core:
    return build_core(load_valid_knowledge(root))
