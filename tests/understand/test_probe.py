"""The answerability probe: its input, a fit whose training values are out of fold, a file round
trip that scores exactly as fitting did, and the committed probe read at serving in en, fi and sv.
Questions written for this test (not from dev or sealed)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from assistant.understand.probe import (
    PROBE_FEATURE,
    SPAN_UNITS,
    Probe,
    fit_probe,
    probe_input,
    residual,
)


def test_input_is_the_question_its_product_with_the_evidence_and_the_residual() -> None:
    q = np.array([0.6, 0.8, 0.0])
    # the product is with the span's first row, the closest unit; the residual is outside both
    span = np.array([[1.0, 0.5, 2.0], [1.0, 0.5, 0.0]])
    assert probe_input(q, span).tolist() == pytest.approx(
        [0.6, 0.8, 0.0, 0.6, 0.4, 0.0, -0.2, 0.4, 0.0]
    )
    # nothing retrieved: the product part is zeros, the question part stays, and nothing of the
    # question is explained
    assert probe_input(q, None).tolist() == pytest.approx(
        [0.6, 0.8, 0.0, 0.0, 0.0, 0.0, 0.6, 0.8, 0.0]
    )


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        # one unit along the first axis explains the question's first component only
        ([[1.0, 0.0, 0.0]], [0.0, 0.8, 0.0]),
        # a unit that is not a unit vector spans the same line
        ([[3.0, 0.0, 0.0]], [0.0, 0.8, 0.0]),
        # two units spanning the question's plane explain all of it
        ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [0.0, 0.0, 0.0]),
        # a unit orthogonal to the question explains nothing
        ([[0.0, 0.0, 1.0]], [0.6, 0.8, 0.0]),
        # the same unit twice spans one line, not two
        ([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]], [-0.1, 0.1, 0.0]),
    ],
)
def test_the_residual_is_what_the_closest_units_do_not_span(span, expected) -> None:
    q = np.array([0.6, 0.8, 0.0])
    assert residual(q, np.array(span)).tolist() == pytest.approx(expected, abs=1e-12)


def _synthetic(rng: np.random.Generator, n: int):
    """Questions whose answerability shows in the product part only: q and e agree on dim 0."""
    q = rng.normal(size=(n, 4))
    e = rng.normal(size=(n, 4))
    return q, e, q[:, 0] * e[:, 0] > 0


def test_a_signal_in_the_product_is_learned_and_kept_on_new_questions() -> None:
    rng = np.random.default_rng(0)
    # 1,000 rows: the hidden layer needs more than the logistic model did (400 read 0.85)
    q, e, y = _synthetic(rng, 1000)
    x = [probe_input(a, b[None, :]) for a, b in zip(q, e, strict=True)]
    fit = fit_probe(x, y, [f"batch-{i % 20}" for i in range(len(y))])
    assert roc_auc_score(y, fit.oof) > 0.9
    new_q, new_e, new_y = _synthetic(rng, 200)
    scores = [fit.probe.score(a, b[None, :]) for a, b in zip(new_q, new_e, strict=True)]
    assert roc_auc_score(new_y, scores) > 0.9


def test_training_values_are_out_of_fold_by_writing_batch() -> None:
    """Each batch has its own direction and label: a model that saw the batch would score it
    right, one fitted without it cannot, so out-of-fold values show no skill."""
    rng = np.random.default_rng(1)
    groups, questions, y = [], [], []
    for g in range(30):
        direction = rng.normal(size=60)  # more dimensions than batches: separable in sample
        label = bool(g % 2)
        for _ in range(10):
            questions.append(direction + 0.05 * rng.normal(size=60))
            y.append(label)
            groups.append(f"batch-{g}")
    fit = fit_probe([probe_input(q, None) for q in questions], np.array(y), groups)
    in_sample = [fit.probe.score(q, None) for q in questions]
    assert roc_auc_score(y, in_sample) > 0.95
    assert roc_auc_score(y, fit.oof) < 0.75


def test_round_trip_scores_exactly_as_fitted() -> None:
    rng = np.random.default_rng(2)
    q, e, y = _synthetic(rng, 200)
    x = [probe_input(a, b[None, :]) for a, b in zip(q, e, strict=True)]
    probe = fit_probe(x, y, [f"b{i % 10}" for i in range(len(y))]).probe
    again = Probe.from_dict(probe.to_dict())
    new_q, new_e = rng.normal(size=4), rng.normal(size=(1, 4))
    assert again.score(new_q, new_e) == probe.score(new_q, new_e)
    assert again.alpha == probe.alpha
    # four dimensions each of the question, the product and the residual
    assert again.hidden_weights.shape == (12, probe.output_weights.shape[0])


# One on-topic question the documents answer, and one everyday question, per language.
PAIRS = [
    (
        "en",
        "What are the main themes the Tampere ecosystem deal with the state focuses on?",
        "Which bakery in Tampere sells the best cinnamon buns on a Sunday?",
    ),
    (
        "fi",
        "Mitkä ovat Tampereen ja valtion ekosysteemisopimuksen päateemat?",
        "Mistä tamperelaisesta leipomosta saa parhaat korvapuustit sunnuntaina?",
    ),
    (
        "sv",
        "Vilka huvudteman har Tammerfors ekosystemavtal med staten?",
        "Vilket bageri i Tammerfors har de bästa kanelbullarna på söndagar?",
    ),
]


@pytest.fixture(scope="module")
def calibrated(shipped_settings):
    from assistant.pipeline import Assistant

    assistant = Assistant.from_settings(shipped_settings)
    assistant.warm_up()
    assert assistant.understanding is not None and assistant.understanding.probe is not None
    return assistant


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "on_topic", "everyday"), PAIRS)
def test_the_committed_probe_reads_each_language(calibrated, lang, on_topic, everyday) -> None:
    understanding = calibrated.understanding
    readings = {}
    for text in (on_topic, everyday):
        obs = calibrated.observe(text)
        assert obs.lang == lang
        assert obs.evidence_span is not None and len(obs.evidence_span) == SPAN_UNITS
        reading = understanding.read(obs, calibrated._state.weights)
        assert reading.features is not None
        # serving feeds the probe the question and its closest units' span, as calibrate
        # fitted it
        expected = understanding.probe.score(obs.qvec, obs.evidence_span)
        assert reading.features[PROBE_FEATURE] == pytest.approx(expected)
        readings[text] = reading.features[PROBE_FEATURE]
    assert readings[on_topic] > readings[everyday]


def test_the_average_scores_the_mean_of_its_networks() -> None:
    """The averaged probe is one file-format probe whose log-odds equal the networks' mean."""
    from assistant.understand.probe import HIDDEN, SEEDS, _fit_network, average

    rng = np.random.default_rng(3)
    q, e, y = _synthetic(rng, 300)
    x = np.vstack([probe_input(a, b[None, :]) for a, b in zip(q, e, strict=True)])
    networks = [_fit_network(x, y, 1.0, seed) for seed in SEEDS]
    # different starts give different networks, so averaging them changes something
    assert not np.allclose(networks[0].scores(x), networks[1].scores(x))
    probe = average(networks)
    assert probe.output_weights.shape == (HIDDEN * len(SEEDS),)
    expected = np.mean([n.scores(x) for n in networks], axis=0)
    assert probe.scores(x) == pytest.approx(expected)
    again = Probe.from_dict(probe.to_dict())
    assert again.scores(x) == pytest.approx(expected)
