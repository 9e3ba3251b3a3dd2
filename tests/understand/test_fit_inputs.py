"""The kept answerability inputs: saved and loaded whole, refused when the features changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.understand.features import FEATURES
from assistant.understand.fit_inputs import FitInputs


def small() -> FitInputs:
    rows = [{name: float(i + j) for j, name in enumerate(FEATURES)} for i in range(4)]
    probe = [np.arange(6, dtype=float) * i for i in range(4)]
    return FitInputs.build(
        ["en-1", "fi-1", "sv-1", "en-2"],
        ["train-a", "train-a", "sealed3", "sealed3"],
        [True, False, True, False],
        [False, True, False, False],
        rows,
        probe,
        ["en", "fi", "sv", "en"],
    )


def test_the_inputs_file_round_trips(tmp_path: Path) -> None:
    original = small()
    original.save(tmp_path / "inputs.npz")
    loaded = FitInputs.load(tmp_path / "inputs.npz")
    assert loaded.ids == original.ids and loaded.groups == original.groups
    assert np.array_equal(loaded.features, original.features)
    assert np.array_equal(loaded.probe_inputs, original.probe_inputs)
    assert np.array_equal(loaded.answerable, original.answerable)
    assert np.array_equal(loaded.rules_refused, original.rules_refused)
    assert loaded.rows() == original.rows()
    assert loaded.languages() == ["en", "fi", "sv", "en"]
    assert loaded.languages(np.array([False, True, True, False])) == ["fi", "sv"]
    assert loaded.rows(np.array([False, False, True, False]))[0][FEATURES[1]] == 3.0


def test_inputs_kept_before_languages_were_recorded_still_load(tmp_path: Path) -> None:
    small().save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as data:
        arrays = {name: data[name] for name in data.files if name != "langs"}
    np.savez_compressed(tmp_path / "old.npz", **arrays)
    loaded = FitInputs.load(tmp_path / "old.npz")
    assert loaded.langs == () and loaded.languages() is None


def test_inputs_of_other_features_are_refused(tmp_path: Path) -> None:
    kept = small()
    other = FitInputs(
        kept.ids,
        kept.groups,
        kept.answerable,
        kept.rules_refused,
        kept.features,
        ("renamed", *kept.names[1:]),
        kept.probe_inputs,
    )
    other.save(tmp_path / "old.npz")
    with pytest.raises(ValueError, match="other features"):
        FitInputs.load(tmp_path / "old.npz")
