"""The query adapter (assistant/understand/adapter.py): its fit moves a question towards the unit
that answers it, deterministically, and a file round trip serves what was fitted."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.understand.adapter import QueryAdapter, fit_adapter, targets_from_labels


def _synthetic(n: int = 80, d: int = 8, seed: int = 0):
    """Questions whose answering unit (index 1) is less similar to them than a unit on the same
    topic (index 0), but is always their own vector partly said in other words (a fixed
    permutation of its coordinates): a mapping W can learn."""
    rng = np.random.default_rng(seed)
    words = np.roll(np.eye(d), 1, axis=0)
    queries, units, targets = [], [], []
    for _ in range(n):
        q = rng.normal(size=d)
        q /= np.linalg.norm(q)
        topical = q + 0.2 * rng.normal(size=d)
        answer = 0.5 * q + 0.85 * q @ words
        other = rng.normal(size=d)
        cands = np.vstack([topical, answer, other])
        cands /= np.linalg.norm(cands, axis=1, keepdims=True)
        queries.append(q)
        units.append(cands)
        targets.append(np.array([0.0, 1.0, 0.0]))
    return np.vstack(queries), units, targets


def _top1(adapter: QueryAdapter, queries, units) -> float:
    firsts = [np.argmax(u @ adapter.adapt(q)) for q, u in zip(queries, units, strict=True)]
    return float(np.mean(np.asarray(firsts) == 1))


def test_fit_puts_the_answering_unit_first_where_plain_similarity_does_not():
    queries, units, targets = _synthetic()
    plain = QueryAdapter(np.zeros((8, 8), dtype=np.float32))
    assert _top1(plain, queries, units) < 0.2
    adapter = fit_adapter(queries, units, targets)
    # on questions it was not fitted on
    test_q, test_u, _ = _synthetic(seed=1)
    assert _top1(adapter, test_q, test_u) > 0.9


def test_fit_is_deterministic():
    queries, units, targets = _synthetic(n=30)
    a = fit_adapter(queries, units, targets)
    b = fit_adapter(queries, units, targets)
    assert np.array_equal(a.weights, b.weights)


def test_fit_reaches_the_same_weights_whatever_the_callers_thread_limit():
    """Converged on one BLAS thread inside the fit: the caller's BLAS thread count cannot move the
    weights (a fit cut short at 200 iterations moved by 3.4e-4 between one thread and two)."""
    from threadpoolctl import threadpool_limits

    queries, units, targets = _synthetic(n=200, d=24)
    with threadpool_limits(limits=1):
        one = fit_adapter(queries, units, targets)
    with threadpool_limits(limits=2):
        two = fit_adapter(queries, units, targets)
    assert np.abs(one.weights - two.weights).max() <= 1e-5


def test_fit_stops_by_convergence_not_by_its_iteration_cap():
    """The loss is convex in W, so a converged fit ends at the one optimum whatever the optimiser's
    path (another BLAS, another machine): doubling the cap changes nothing, cutting it does."""
    from assistant.understand.adapter import MAX_ITER

    queries, units, targets = _synthetic(n=60)
    fitted = fit_adapter(queries, units, targets).weights
    longer = fit_adapter(queries, units, targets, max_iter=2 * MAX_ITER).weights
    cut = fit_adapter(queries, units, targets, max_iter=2).weights
    assert np.array_equal(fitted, longer)
    assert np.abs(fitted - cut).max() > 1e-3


def test_stronger_l2_keeps_the_weights_smaller():
    queries, units, targets = _synthetic(n=30)
    weak = fit_adapter(queries, units, targets, l2=1e-4)
    strong = fit_adapter(queries, units, targets, l2=1.0)
    assert np.linalg.norm(strong.weights) < np.linalg.norm(weak.weights)


def test_no_questions_give_the_identity():
    adapter = fit_adapter(np.zeros((0, 4)), [], [])
    q = np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32)
    assert np.allclose(adapter.adapt(q), q)


def test_adapted_vector_is_unit_length():
    rng = np.random.default_rng(2)
    adapter = QueryAdapter(rng.normal(size=(4, 4)).astype(np.float32))
    assert np.linalg.norm(adapter.adapt(np.array([1.0, 0.0, 0.0, 0.0]))) == pytest.approx(1.0)


def test_round_trip_through_its_dict_is_exact():
    rng = np.random.default_rng(3)
    adapter = QueryAdapter(rng.normal(size=(6, 6)).astype(np.float32))
    again = QueryAdapter.from_dict(adapter.to_dict())
    assert np.array_equal(again.weights, adapter.weights)
    broken = {**adapter.to_dict(), "dim": 5}
    with pytest.raises(ValueError, match="dimension"):
        QueryAdapter.from_dict(broken)


@pytest.mark.parametrize(
    ("labels", "targets"),
    [
        ([0, 2, 1], [0.0, 1.0, 0.0]),  # the unit holding most key facts
        ([1, 0, 1], [0.5, 0.0, 0.5]),  # tied units share the target
        ([0, 0, 0], None),  # no unit holds a key fact: says nothing
        ([2], None),  # one unit: nothing to rank
    ],
)
def test_targets_are_the_units_holding_most_key_facts(labels, targets):
    out = targets_from_labels(np.asarray(labels))
    if targets is None:
        assert out is None
    else:
        assert np.allclose(out, targets)
