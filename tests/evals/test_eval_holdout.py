"""Leaving a blind set out of the answerability fit: what it refits, and what it reports."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from assistant.understand import answerability
from assistant.understand.features import FEATURES
from assistant.understand.fit_inputs import FitInputs
from evals import holdout

GROUPS = [f"train-{g}" for g in "abcde"] + ["sealed7", "sealed12"]
PER_GROUP = 40
SIGNAL = "exemplar_margin"


def inputs(seed: int = 0, langs: tuple[str, ...] = ()) -> FitInputs:
    """Questions whose answerability shows in one feature and in the probe's first input."""
    rng = np.random.default_rng(seed)
    groups = [g for g in GROUPS for _ in range(PER_GROUP)]
    y = np.array([i % 3 != 0 for i in range(len(groups))])
    rows = []
    for label in y:
        row = dict.fromkeys(FEATURES, 0.0)
        row[SIGNAL] = (0.2 if label else -0.2) + rng.normal(0, 0.1)
        rows.append(row)
    probe = rng.normal(0, 1, (len(groups), 6))
    probe[:, 0] += np.where(y, 1.5, -1.5)
    ids = [f"q{i}" for i in range(len(groups))]
    lang = [langs[i % len(langs)] for i in range(len(groups))] if langs else []
    return FitInputs.build(ids, groups, y, np.zeros(len(groups), bool), rows, list(probe), lang)


def test_blind_sets_are_the_highest_numbered_sealed_groups() -> None:
    groups = ["train-a", "sealed9", "sealed10", "sealed2", "heldout", "sealed10"]
    assert holdout.blind_sets(groups, last=2) == ["sealed9", "sealed10"]
    assert holdout.blind_sets(groups, last=0) == []


def test_the_left_out_set_is_never_fitted_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def spy(rows, labels, rules, groups, languages):  # noqa: ANN001, ANN202
        seen.append(list(groups))
        return answerability.fit_answerability(rows, labels, rules, groups, languages)

    result = holdout.hold_out(inputs(), "sealed12", fit=spy)
    assert seen and "sealed12" not in seen[0] and "sealed7" in seen[0]
    assert (result.answerable, result.unanswerable) == (26, 14)
    # A separable signal: the held-out set is decided well at the threshold fitted without it.
    assert result.refusal_accuracy >= 0.9 and result.false_refusal_rate <= 0.1
    assert result.roc_auc > 0.95


def test_the_left_out_set_is_decided_at_each_questions_language_threshold() -> None:
    seen: list[list[str] | None] = []

    def fit_refusing_finnish(rows, labels, rules, groups, languages):  # noqa: ANN001, ANN202
        seen.append(languages)
        fitted = answerability.fit_answerability(rows, labels, rules, groups)
        by_language = {"fi": 1.0, "en": 0.0}  # every Finnish question refused, no English one
        model = dataclasses.replace(fitted.model, threshold_by_language=by_language)
        return dataclasses.replace(fitted, model=model)

    result = holdout.hold_out(inputs(langs=("en", "fi")), "sealed12", fit=fit_refusing_finnish)
    assert seen[0] is not None and set(seen[0]) == {"en", "fi"}
    # Ids q240-q279, "fi" on odd ids: half of each class is Finnish (labels follow i % 3).
    assert result.refusal_accuracy == pytest.approx(7 / 14)
    assert result.false_refusal_rate == pytest.approx(13 / 26)


def test_a_set_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sealed99"):
        holdout.hold_out(inputs(), "sealed99")
    inputs().save(tmp_path / "inputs.npz")
    assert holdout.main([str(tmp_path / "inputs.npz"), "--sets", "sealed99"]) == 2
    assert holdout.main([str(tmp_path / "missing.npz")]) == 2


def test_the_report_has_a_row_per_set_and_their_mean(capsys: pytest.CaptureFixture) -> None:
    rows = [
        holdout.HeldOut("sealed7", 26, 14, 0.4, 0.8, 0.02, 0.97),
        holdout.HeldOut("sealed12", 26, 14, 0.5, 0.9, 0.04, 0.99),
    ]
    text = holdout.markdown(rows)
    assert "| sealed7 | 26 | 14 | 0.400 | 0.800 | 0.020 | 0.9700 |" in text
    assert "| mean of 2 | 52 | 28 | 0.450 | 0.850 | 0.030 | 0.9800 |" in text
