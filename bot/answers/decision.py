"""A calibrated decision: the probability that the best entry is the right answer.

The hand-set bands in engine.Bands turn retrieval figures into answer / suggest /
decline by thresholds tuned by eye. This module learns the same decision from
labelled questions instead: a logistic regression over the engine's own features
of the ranking (best score, margin, coverage, ...), fitted by `mypebot kb train`
on a train split and stored, with its thresholds, in knowledge/decision.yaml so
it is reproducible and reviewable. Pure Python: a handful of features and a few
hundred examples need no numerical library.

The decision then reads: answer the best entry when P(right) >= `answer`; otherwise
suggest or decline exactly as the bands do (suggestions are the user's choice, so a
wrong one costs a tap, not a wrong answer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answers.index import Hit

FEATURES = (
    "score",
    "margin",
    "coverage",
    "coverage_lead",
    "matched",
    "on_subject",
    "query_terms",
    "bands_confident",
)
# More of any of these can only make the best entry likelier to be right: their weights
# are kept >= 0. With a few hundred examples, mostly right, an unconstrained fit learns
# that a larger margin over the runner-up means a worse answer; the constraint is the
# prior knowledge that keeps the model from answering near-ties.
MONOTONE = frozenset(FEATURES) - {"query_terms"}


def features(hits: list[Hit], query_terms: int, bands_confident: bool) -> list[float]:
    """The ranking as numbers; `bands_confident` is the hand-set rule's own verdict."""
    if not hits:
        return [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, math.log1p(query_terms), float(bands_confident)]
    best = hits[0]
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    other_cov = max((h.coverage for h in hits[1:3]), default=0.0)
    return [
        best.score,
        best.score - runner_up,
        best.coverage,
        best.coverage - other_cov,
        float(min(len(best.matched), 3)),
        float(best.on_subject),
        math.log1p(query_terms),
        float(bands_confident),
    ]


@dataclass(frozen=True)
class DecisionModel:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    answer: float  # P(right) from which the best entry is answered

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(
    rows: list[list[float]],
    labels: list[int],
    *,
    l2: float = 0.1,
    steps: int = 3000,
    rate: float = 0.3,
) -> tuple[tuple[float, ...], float, tuple[float, ...], tuple[float, ...]]:
    """Logistic regression by projected gradient descent on standardised features,
    L2-regularised, with the MONOTONE weights kept non-negative.

    Deterministic (zero start, fixed steps): the same rows give the same coefficients."""
    n, d = len(rows), len(rows[0])
    mean = [sum(r[j] for r in rows) / n for j in range(d)]
    scale = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in rows) / n) or 1.0 for j in range(d)]
    xs = [[(r[j] - mean[j]) / scale[j] for j in range(d)] for r in rows]
    w = [0.0] * d
    b = 0.0
    for _ in range(steps):
        grad_w = [0.0] * d
        grad_b = 0.0
        for x, y in zip(xs, labels, strict=True):
            z = b + sum(wj * xj for wj, xj in zip(w, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            err = p - y
            grad_b += err
            for j in range(d):
                grad_w[j] += err * x[j]
        b -= rate * grad_b / n
        w = [wj - rate * (gj / n + l2 * wj) for wj, gj in zip(w, grad_w, strict=True)]
        w = [max(0.0, wj) if FEATURES[j] in MONOTONE else wj for j, wj in enumerate(w)]
    return tuple(w), b, tuple(mean), tuple(scale)


def choose_threshold(
    probabilities: list[float], labels: list[int], wrong_cost: float = 4.0, floor: float = 0.5
) -> float:
    """The P(right) to answer from that maximises right answers minus `wrong_cost` times
    wrong ones on the examples (a wrong answer about funding does more harm than a "¿Quiso
    decir…?" costs); on a tie, the higher threshold. A count of wrong answers alone
    (at most k of n) moves a whole step with one example on a set this small."""
    pairs = list(zip(probabilities, labels, strict=True))
    best_t, best_u = 1.0, 0.0
    for t in sorted({round(p, 4) for p in probabilities if p >= floor}, reverse=True):
        utility = sum(1.0 if y else -wrong_cost for p, y in pairs if p >= t)
        if utility > best_u:
            best_t, best_u = t, utility
    return best_t
