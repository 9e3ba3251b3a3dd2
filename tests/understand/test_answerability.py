"""The answerability fit: threshold objective, determinism, and the stored model's arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.understand.answerability import (
    FALSE_REFUSAL_BUDGET,
    FALSE_REFUSAL_COST,
    LANGUAGE_MIN_PER_CLASS,
    AnswerabilityModel,
    bagged_threshold,
    budget_threshold,
    choose_threshold,
    fit_answerability,
    language_thresholds,
    objective,
)
from assistant.understand.features import FEATURES


def test_objective_is_refusal_accuracy_minus_weighted_false_refusal_rate() -> None:
    p = np.array([0.1, 0.2, 0.6, 0.7, 0.9])
    answerable = np.array([False, False, False, True, True])
    assert objective(p, answerable, 0.5) == pytest.approx(2 / 3)  # one unanswerable answered
    # all unanswerable refused, and one of two answerable: a false refusal weighs more
    assert objective(p, answerable, 0.8) == pytest.approx(1 - FALSE_REFUSAL_COST * 0.5)
    assert objective(p, answerable, 0.65) == 1.0
    assert objective(p, answerable, 0.0) == 0.0  # answers everything
    assert objective(p, answerable, 1.0) == pytest.approx(1 - FALSE_REFUSAL_COST)


def test_a_false_refusal_weighs_as_three_unanswerable_questions_answered() -> None:
    # Issue 12 allows 10 % of unanswerable questions answered; a refused answerable question
    # spends both the 5 % false-refusal allowance and the 10 % key-fact one.
    assert pytest.approx((1 / 0.05 + 1 / 0.10) / (1 / 0.10)) == FALSE_REFUSAL_COST
    # Refusing below 0.7 would catch one more unanswerable (of 2) at one false refusal (of 2):
    # not worth it at that cost, though Youden's J would call it even.
    p = np.array([0.1, 0.5, 0.3, 0.9])
    answerable = np.array([False, False, True, True])
    assert choose_threshold(p, answerable) == pytest.approx(0.2)


def test_threshold_is_the_middle_of_the_best_run() -> None:
    p = np.array([0.1, 0.2, 0.6, 0.7, 0.9])
    answerable = np.array([False, False, False, True, True])
    assert choose_threshold(p, answerable) == pytest.approx(0.65)


@pytest.mark.parametrize("with_rules", [False, True])
def test_every_threshold_at_once_scores_as_objective_does(with_rules: bool) -> None:
    from assistant.understand.answerability import _objectives

    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 40):
        p = rng.random(n).round(2)  # ties on purpose
        answerable = rng.random(n) < 0.6
        rules = (rng.random(n) < 0.3) if with_rules else None
        thresholds = np.concatenate([[0.0, 1.0], p, rng.random(5)])
        expected = [objective(p, answerable, t, rules) for t in thresholds]
        assert _objectives(p, answerable, thresholds, rules) == pytest.approx(expected)


def test_bagged_threshold_is_deterministic_and_stays_in_the_gap_of_a_clean_split() -> None:
    p = np.array([0.05, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 0.95])
    answerable = p > 0.5
    first = bagged_threshold(p, answerable)
    assert first == bagged_threshold(p, answerable)
    assert 0.3 < first < 0.7  # every resample's best threshold separates the two groups


def test_bagged_threshold_averages_a_flat_optimum() -> None:
    """Whether refusing up to 0.5 is worth it turns on one answerable question (0.3): the
    argmax says yes, resamples that draw that question twice say no, so the bagged threshold
    lies between the two candidates."""
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97])
    answerable = np.array([False, False, True, False, False, True, True, True, True, True, True])
    # Refusing below 0.25: refusal 2/4, no false refusal (0.5); below 0.55: 4/4 and 1/7 (0.57).
    low, high = objective(p, answerable, 0.25), objective(p, answerable, 0.55)
    assert high > low and choose_threshold(p, answerable) == pytest.approx(0.55)
    bagged = bagged_threshold(p, answerable, rounds=400)
    assert 0.25 < bagged < 0.55


# One answerable question at 0.2 and 39 at 0.9; unanswerable at 0.1, 0.3 and 0.8.
_BUDGET_P = np.array([0.2] + [0.9] * 39 + [0.1, 0.3, 0.8])
_BUDGET_Y = np.array([True] * 40 + [False] * 3)


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        # One of 40 answerable may be refused: refusing below 0.85 catches all three.
        (0.025, 0.85),
        (FALSE_REFUSAL_BUDGET, 0.85),
        # None may be: the most it can refuse is the one below the answerable 0.2.
        (0.0, 0.15),
        (0.02, 0.15),
        # Two may be: refusing the 0.9s as well buys no refusal, so it stays at 0.85.
        (0.05, 0.85),
    ],
)
def test_budget_threshold_refuses_the_most_within_the_budget(
    budget: float, expected: float
) -> None:
    chosen = budget_threshold(_BUDGET_P, _BUDGET_Y, budget)
    assert chosen == pytest.approx(expected)
    assert (_BUDGET_P[_BUDGET_Y] < chosen).mean() <= budget


def test_budget_threshold_spends_no_budget_on_a_clean_split() -> None:
    p = np.array([0.05, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 0.95])
    answerable = p > 0.5
    assert budget_threshold(p, answerable, 0.3) == pytest.approx(0.5)  # the middle of the gap


def test_budget_threshold_holds_the_budget_on_overlapping_scores() -> None:
    rng = np.random.default_rng(11)
    for n in (50, 400, 3000):
        y = rng.random(n) < 0.6
        p = np.clip(rng.normal(np.where(y, 0.65, 0.35), 0.2), 0, 1).round(3)  # ties on purpose
        for budget in (0.0, 0.01, FALSE_REFUSAL_BUDGET, 0.1):
            chosen = budget_threshold(p, y, budget)
            assert (p[y] < chosen).mean() <= budget
            # One candidate further up would refuse more answerable than the budget allows, or
            # no more unanswerable.
            above = p[p >= chosen]
            if above.size:
                nxt = np.unique(above)[0] + 1e-9
                assert (p[y] < nxt).mean() > budget or (p[~y] < nxt).sum() == (p[~y] < chosen).sum()


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
    # About eight rows per feature: with 80 rows the noise features' fit moved the objective
    # by 0.1 from one seed to the next (0.75-0.94).
    rows, labels = _rows(0, n=160)
    first, second = fit_answerability(rows, labels), fit_answerability(rows, labels)
    assert first.model.to_dict() == second.model.to_dict()
    assert first.oof_objective > 0.8
    assert np.mean(first.cv_roc_auc) > 0.9
    # The two informative features carry most of the trees' split gain.
    importance = first.model.importance()
    assert importance["dense_best"] + importance["coverage_evidence"] > 0.5
    assert sum(importance.values()) == pytest.approx(1.0)
    assert first.n == 160 and first.n_unanswerable == labels.count(False)


def test_model_round_trips_and_refuses_below_its_threshold() -> None:
    rows, labels = _rows(1)
    model = AnswerabilityModel.from_dict(fit_answerability(rows, labels).model.to_dict())
    strong = {name: 0.0 for name in FEATURES} | {"dense_best": 0.95, "coverage_evidence": 1.0}
    weak = {name: 0.0 for name in FEATURES} | {"dense_best": 0.7, "coverage_evidence": 0.0}
    assert model.probability(strong) > model.threshold > model.probability(weak)
    assert model.answerable(strong) and not model.answerable(weak)


def test_stored_trees_predict_what_scikit_learn_predicts() -> None:
    """Serving walks the stored trees in numpy: its probabilities are the fitted estimator's,
    including a row outside the training range and one on a split threshold."""
    from assistant.understand.answerability import DEPTH, ROUNDS, Trees, estimator
    from assistant.understand.features import as_row

    rows, labels = _rows(4, n=200)
    x = np.vstack([as_row(r) for r in rows])
    fitted = estimator().fit(x, labels)
    model = fit_answerability(rows, labels).model
    trees = Trees.from_sklearn(fitted)
    assert trees.depth <= DEPTH and trees.feature.shape[0] == ROUNDS
    probe = np.vstack([x[:50], x[:1] * 100.0])
    first_split = trees.feature[0, 0]
    on_split = x[:1].copy()
    on_split[0, first_split] = trees.threshold[0, 0]
    probe = np.vstack([probe, on_split])
    expected = fitted.predict_proba(probe)[:, 1]
    again = type(model).from_dict(model.to_dict())
    got = [again.probability(dict(zip(FEATURES, row, strict=True))) for row in probe]
    assert got == pytest.approx(expected, abs=1e-12)


def test_threshold_with_rules_counts_what_the_rules_refuse_anyway() -> None:
    p = np.array([0.1, 0.2, 0.85, 0.9, 0.95])
    answerable = np.array([False, True, False, True, True])
    rules = np.array([False, False, True, False, False])  # the rules refuse the 0.85 one
    # Alone, refusing the 0.85 one costs a false refusal (the 0.2 one): not worth it; beside
    # the rules it is refused anyway, and nothing below it is worth a false refusal either.
    assert choose_threshold(p, answerable) == pytest.approx(0.15)
    assert objective(p, answerable, 0.15) == 0.5
    assert choose_threshold(p, answerable, rules) == pytest.approx(0.15)
    assert objective(p, answerable, 0.15, rules) == 1.0


def test_fit_with_rules_reports_both_and_round_trips() -> None:
    rows, labels = _rows(2)
    rules = [not label and i % 2 == 0 for i, label in enumerate(labels)]
    fit = fit_answerability(rows, labels, rules)
    assert fit.model.threshold_with_rules is not None and fit.oof_with_rules is not None
    assert (
        fit.oof_with_rules["refusal_accuracy"] >= fit.oof_with_rules["rules_alone_refusal_accuracy"]
    )
    again = AnswerabilityModel.from_dict(fit.model.to_dict())
    assert again.threshold_for(with_rules=True) == fit.model.threshold_with_rules
    assert again.threshold_for(with_rules=False) == fit.model.threshold


def test_folds_keep_a_writing_batch_together_even_with_few_batches() -> None:
    # Three batches (writers) give three folds, each one batch: every out-of-fold probability is
    # of a question whose batch the model was not fitted on.
    rows, labels = _rows(3, n=90)
    groups = ["heldout", "train-100", "train-300"] * 30
    fit = fit_answerability(rows, labels, None, groups)
    assert len(fit.cv_accuracy) == 3
    assert fit.model.to_dict() == fit_answerability(rows, labels, None, groups).model.to_dict()


def _split_at(rng: np.random.Generator, low: float, high: float, n: int):
    """n unanswerable questions scored below `low` and n answerable ones above `high`."""
    return np.concatenate([rng.uniform(0.0, low, n), rng.uniform(high, 1.0, n)]), np.repeat(
        [False, True], n
    )


# Each language's probabilities separate at a different place; each gets the threshold of its
# own gap.
GAPS = {"en": (0.55, 0.65), "fi": (0.25, 0.35), "sv": (0.40, 0.50)}


@pytest.mark.parametrize("lang", sorted(GAPS))
def test_each_language_gets_the_threshold_of_its_own_gap(lang: str) -> None:
    rng = np.random.default_rng(3)
    parts = {code: _split_at(rng, *gap, LANGUAGE_MIN_PER_CLASS) for code, gap in GAPS.items()}
    p = np.concatenate([parts[code][0] for code in GAPS])
    y = np.concatenate([parts[code][1] for code in GAPS])
    langs = [code for code in GAPS for _ in range(2 * LANGUAGE_MIN_PER_CLASS)]
    chosen = language_thresholds(p, y, langs)
    low, high = GAPS[lang]
    assert low < chosen[lang] < high
    # One shared threshold cannot sit in all three gaps.
    shared = budget_threshold(p, y)
    assert sum(lo < shared < hi for lo, hi in GAPS.values()) < len(GAPS)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_language_with_too_few_of_one_class_gets_no_threshold_of_its_own(lang: str) -> None:
    rng = np.random.default_rng(4)
    p, y = _split_at(rng, 0.3, 0.6, LANGUAGE_MIN_PER_CLASS)
    few = np.flatnonzero(~y)[1:]  # one unanswerable question short
    keep = np.concatenate([few, np.flatnonzero(y)])
    assert language_thresholds(p[keep], y[keep], [lang] * len(keep)) == {}
    assert set(language_thresholds(p, y, [lang] * len(p))) == {lang}


def _model(**changes) -> AnswerabilityModel:
    rows, labels = _rows(1)
    return AnswerabilityModel.from_dict(fit_answerability(rows, labels).model.to_dict() | changes)


@pytest.mark.parametrize(
    ("lang", "with_rules", "expected"),
    [
        ("en", False, 0.45),
        ("fi", False, 0.33),
        ("sv", False, 0.36),
        ("de", False, 0.40),  # a fourth language's pack: fitted on too few, the shared one
        (None, False, 0.40),
        ("fi", True, 0.30),  # beside the word rules: the union's threshold, one for all
    ],
)
def test_serving_picks_the_questions_language_threshold(
    lang: str | None, with_rules: bool, expected: float
) -> None:
    by_language = {"en": 0.45, "fi": 0.33, "sv": 0.36}
    model = _model(threshold=0.40, threshold_with_rules=0.30, threshold_by_language=by_language)
    again = AnswerabilityModel.from_dict(model.to_dict())
    assert again.threshold_by_language == by_language
    assert again.threshold_for(with_rules, lang) == expected
    row = {name: 0.0 for name in FEATURES}
    p = again.probability(row)
    assert again.answerable(row, with_rules, lang) == (p >= expected)


def test_a_calibration_file_without_language_thresholds_uses_the_shared_one() -> None:
    data = _model().to_dict()
    del data["threshold_by_language"]
    model = AnswerabilityModel.from_dict(data)
    assert model.threshold_by_language == {}
    assert model.threshold_for(False, "fi") == model.threshold


def test_fit_with_languages_fits_a_threshold_where_a_language_has_enough_questions() -> None:
    rows, labels = _rows(5, n=450)
    langs = ["en"] * 200 + ["fi"] * 200 + ["xx"] * 50
    fit = fit_answerability(rows, labels, None, None, langs)
    assert fit.oof_by_language is not None
    assert set(fit.model.threshold_by_language) == {"en", "fi"}
    assert fit.oof_by_language["xx"]["own_threshold"] is False
    assert fit.oof_by_language["xx"]["threshold"] == fit.model.threshold
    assert sum(v["n"] for v in fit.oof_by_language.values()) == 450
    # The reported figures are those of each row's own language's threshold.
    weighted = sum(
        v["refusal_accuracy"] * v["n_unanswerable"] for v in fit.oof_by_language.values()
    )
    assert weighted / fit.n_unanswerable == pytest.approx(fit.oof_refusal_accuracy)
    assert fit.model.to_dict() == fit_answerability(rows, labels, None, None, langs).model.to_dict()
