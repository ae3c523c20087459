"""How `mypebot kb eval` judges a reply against a labelled question."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.result import AskResult
from bot.cli import main
from bot.quality.evaluation import evaluate_questions, judge_question
from tests.kit import KNOWLEDGE


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


HONEST = {
    "q": "cual es el telefono del cite",
    "expect": "honest",
    "must_any": ["no tengo|consulte"],
    "must_not": [r"\b9\d{8}\b"],
}


def test_declining_a_question_whose_datum_the_sources_lack_is_right() -> None:
    declined = AskResult(question="q", kind="suggestions", text="¿Quiso decir…?")
    assert judge_question(HONEST, declined) == (True, False)


def test_an_answer_that_says_it_lacks_the_datum_is_honest() -> None:
    assert judge_question(HONEST, answer("No tengo su teléfono; consulte gob.pe/itp.")) == (
        True,
        False,
    )


def test_an_invented_datum_is_a_confident_wrong_answer_even_beside_a_caveat() -> None:
    assert judge_question(HONEST, answer("No tengo otro; llame al 987654321.")) == (False, True)


def test_an_answer_that_neither_admits_the_gap_nor_points_elsewhere_is_wrong() -> None:
    assert judge_question(HONEST, answer("El CITE ofrece capacitación.")) == (False, True)


def test_a_report_names_each_threshold_it_misses() -> None:
    report = evaluate_questions(
        [HONEST, {"q": "hola", "expect": "greeting"}],
        lambda q: answer("El CITE ofrece capacitación."),
    )
    assert report.kind_accuracy("honest") == 0.0
    assert report.below({"honest": 0.9, "confident_wrong_rate": 0.02, "accuracy": 0.0}) == [
        "honest 0.000 < 0.900",
        "confident_wrong_rate 0.500 > 0.020",
    ]


def test_kb_eval_exits_with_an_error_under_a_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "set.yaml"
    questions.write_text(
        "thresholds: {accuracy: 0.5}\nitems:\n  - {q: 'hola', expect: greeting}\n"
        "  - {q: 'cuanto es 345 x 12', expect: decline}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KNOWLEDGE_DIR", str(KNOWLEDGE))
    assert main(["kb", "eval", str(questions)]) == 0  # both right: 1.0 >= 0.5
    assert main(["kb", "eval", str(questions), "--min-accuracy", "1.01"]) == 1
    assert "Por debajo del umbral: accuracy" in capsys.readouterr().err
