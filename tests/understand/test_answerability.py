"""The answerability fit: threshold objective, determinism, and the stored model's arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.understand.answerability import (
    AnswerabilityModel,
    choose_threshold,
    fit_answerability,
    objective,
)
from assistant.understand.features import FEATURES


def test_objective_is_refusal_accuracy_minus_false_refusal_rate() -> None:
    p = np.array([0.1, 0.2, 0.6, 0.7, 0.9])
    answerable = np.array([False, False, False, True, True])
    assert objective(p, answerable, 0.5) == pytest.approx(2 / 3)  # one unanswerable answered
    assert objective(p, answerable, 0.8) == pytest.approx(1 - 0.5)  # all refused, one false
    assert objective(p, answerable, 0.65) == 1.0
    assert objective(p, answerable, 0.0) == 0.0  # answers everything
    assert objective(p, answerable, 1.0) == 0.0  # refuses everything


def test_threshold_is_the_middle_of_the_best_run() -> None:
    p = np.array([0.1, 0.2, 0.6, 0.7, 0.9])
    answerable = np.array([False, False, False, True, True])
    assert choose_threshold(p, answerable) == pytest.approx(0.65)


def _rows(seed: int, n: int = 80):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.6
    rows = []
    for answerable in labels:
        row = {name: float(rng.normal()) for name in FEATURES}
        row["dense_best"] = float(rng.normal(0.88 if answerable else 0.8, 0.03))
        row["coverage_evidence"] = float(rng.normal(0.7 if answerable else 0.3, 0.15))
        rows.append(row)
    return rows, labels.tolist()


def test_fit_is_deterministic_and_separates_a_learnable_signal() -> None:
    rows, labels = _rows(0)
    first, second = fit_answerability(rows, labels), fit_answerability(rows, labels)
    assert first.model.to_dict() == second.model.to_dict()
    assert first.oof_objective > 0.8
    assert np.mean(first.cv_roc_auc) > 0.9
    weights = dict(zip(first.model.features, first.model.coef, strict=True))
    assert weights["dense_best"] > 0 and weights["coverage_evidence"] > 0
    assert first.n == 80 and first.n_unanswerable == labels.count(False)


def test_model_round_trips_and_refuses_below_its_threshold() -> None:
    rows, labels = _rows(1)
    model = AnswerabilityModel.from_dict(fit_answerability(rows, labels).model.to_dict())
    strong = {name: 0.0 for name in FEATURES} | {"dense_best": 0.95, "coverage_evidence": 1.0}
    weak = {name: 0.0 for name in FEATURES} | {"dense_best": 0.7, "coverage_evidence": 0.0}
    assert model.probability(strong) > model.threshold > model.probability(weak)
    assert model.answerable(strong) and not model.answerable(weak)
