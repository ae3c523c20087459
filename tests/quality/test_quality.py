"""The quality contract: the engine meets its thresholds on the repository's own check
split, and no example question copies an evaluation question (which would make the
figures measure memory instead of the method)."""

from __future__ import annotations

from bot.core import Core
from bot.knowledge.check import evaluation_files, evaluation_questions, near_copies
from bot.quality import evaluation
from tests.kit import ROOT

CHECK_SPLIT = ROOT / "evaluation" / "check.yaml"


def test_the_check_split_meets_the_thresholds_stored_with_it(core: Core) -> None:
    thresholds = evaluation.load_thresholds(CHECK_SPLIT)
    assert thresholds, "evaluation/check.yaml must state its thresholds"
    report = evaluation.evaluate_questions(evaluation.load_items(CHECK_SPLIT), core.answers.reply)
    assert report.below(thresholds) == []


def test_no_example_question_is_a_near_copy_of_an_evaluation_question(core: Core) -> None:
    # The repository's own sets always; ../shared/eval too when it sits beside the clone.
    paths = evaluation_files(ROOT / "knowledge")
    assert CHECK_SPLIT in paths
    copies = near_copies(core.kb, evaluation_questions(paths))
    assert [(entry, set_name, question) for entry, _, set_name, question, _ in copies] == []


def test_a_near_copy_is_found_whatever_the_accents_and_signs(core: Core) -> None:
    entry = next(iter(core.kb.entries.values()))
    question = entry.questions[0].upper().replace("?", "").replace("¿", "") + "?"
    found = near_copies(core.kb, [("set.yaml", question)])
    assert (entry.id, 0) in {(e, i) for e, i, *_ in found}
