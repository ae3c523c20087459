"""The learned answer decision: a reproducible logistic model over ranking features."""

from __future__ import annotations

from bot.answers import decision
from bot.core import Core


def test_fitting_twice_on_the_same_examples_gives_the_same_coefficients() -> None:
    rows = [[0.9, 0.3, 1.0, 0.5, 3, 1, 1.5, 1], [0.4, 0.0, 0.4, 0.0, 1, 0, 2.0, 0]] * 5
    labels = [1, 0] * 5
    assert decision.fit(rows, labels, steps=200) == decision.fit(rows, labels, steps=200)


def test_a_feature_that_can_only_help_never_gets_a_negative_weight() -> None:
    # Here a larger margin goes with wrong answers; the fit must not learn that.
    rows = [[0.8, m, 0.9, 0.3, 2, 1, 1.5, 1] for m in (0.0, 0.1, 0.4, 0.5)]
    weights, *_ = decision.fit(rows, [1, 1, 0, 0], steps=500)
    assert weights[decision.FEATURES.index("margin")] >= 0.0


def test_the_threshold_weighs_a_wrong_answer_as_several_right_ones() -> None:
    probabilities = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6]
    labels = [1, 1, 0, 1, 1, 1, 0]
    # From 0.7 five right and one wrong answers: worth it when a wrong one costs two
    # right ones (5 - 2 > 2), not when it costs four (5 - 4 < 2, from 0.9).
    assert decision.choose_threshold(probabilities, labels, wrong_cost=2.0) == 0.7
    assert decision.choose_threshold(probabilities, labels, wrong_cost=4.0) == 0.9


def test_the_shipped_model_matches_the_engines_features(core: Core) -> None:
    # A decision.yaml trained on other features would be ignored without a word.
    assert core.answers.model is not None


def test_a_higher_score_never_lowers_the_probability_of_answering(core: Core) -> None:
    model = core.answers.model
    assert model is not None
    low = [0.5, 0.05, 0.8, 0.2, 2, 1, 1.8, 0]
    high = [0.7, *low[1:]]
    assert model.probability(high) >= model.probability(low)
