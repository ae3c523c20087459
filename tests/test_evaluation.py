"""How `mypebot kb eval` judges a reply against a labelled question."""

from __future__ import annotations

import pytest

from bot.answers.result import AskResult
from bot.evaluation import judge_question


def answer(text: str) -> AskResult:
    return AskResult(question="q", kind="answer", text=text, entry_id="x", score=0.9)


@pytest.mark.parametrize("pattern", ["(10|diez) anos", "10 años", "10 a(n|ñ)os"])
def test_patterns_are_compared_without_accents_on_either_side(pattern: str) -> None:
    item = {"q": "q", "expect": "answer", "must": [pattern]}
    assert judge_question(item, answer("El programa durará 10 años.")) == (True, False)


def test_an_answer_without_the_required_figure_is_a_confident_wrong_answer() -> None:
    item = {"q": "q", "expect": "answer", "must": ["15[.,]2"]}
    assert judge_question(item, answer("Se otorgaron 12 millones.")) == (False, True)


def test_an_out_of_scope_question_is_right_only_when_declined() -> None:
    item = {"q": "a cuanto esta el dolar", "expect": "decline"}
    declined = AskResult(question="q", kind="fallback", text="No lo sé.")
    assert judge_question(item, declined)[0]
    assert not judge_question(item, answer("El dólar está a 3,7."))[0]
