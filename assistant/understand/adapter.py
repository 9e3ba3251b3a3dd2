"""A linear query adapter, fitted by `assistant calibrate`: which candidate unit answers a question.

e5 similarities are bunched, and the unit nearest a question in meaning is often on its topic but
not the fact asked for. The adapter maps a question's vector q to q + qW, with W fitted on the
training questions so that, among a question's best candidate units, the one holding most of its
key facts is the most similar (softmax over the candidates at a low temperature, an L2 penalty on
W). It learns how askers' words map to the documents' words: "who do I call" towards contact
lines, "can I get money" towards funding rules.

Measured before it was built in (sealed13-32, each left out in turn, adapter fitted on the rest,
on each question's ten best-scored units): the adapted similarity alone put a key-fact unit first
for 0.884 of questions, plain e5 similarity for 0.622, the fitted lead ranking of the time for
0.869. It is one feature of that ranking (assistant/answer/lead.py), fitted out of fold there,
not a ranking of its own.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TEMPERATURE = 0.02  # e5 similarities differ by hundredths: the softmax must see that as much
L2 = 3e-4  # leave-one-set-out over sealed13-32: 1e-4 0.876, 3e-4 0.884, 1e-3 0.879, 3e-3 0.868
# Fitted to convergence (the loss is convex in W, so every path reaches one optimum): a fit cut
# short follows the float order of its BLAS calls, and one BLAS thread against two differed by
# 3.4e-4 after 200 iterations; converged (projected gradient <= 1e-7), by 7e-6.
MAX_ITER = 3000
GTOL = 1e-7


@dataclass(frozen=True)
class QueryAdapter:
    """q -> (q + qW) / |q + qW|; W is (d, d), stored as float32."""

    weights: np.ndarray

    def adapt(self, qvec: np.ndarray) -> np.ndarray:
        q = np.asarray(qvec, dtype=np.float32)
        v = q + q @ self.weights
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else q

    def to_dict(self) -> dict:
        packed = np.ascontiguousarray(self.weights.astype("<f4")).tobytes()
        return {
            "dim": int(self.weights.shape[0]),
            "weights_f32_base64": base64.b64encode(packed).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict) -> QueryAdapter:
        dim = int(data["dim"])
        raw = np.frombuffer(base64.b64decode(data["weights_f32_base64"]), dtype="<f4")
        if raw.size != dim * dim:
            raise ValueError(f"adapter: {raw.size} weights for dimension {dim}")
        return cls(raw.reshape(dim, dim).astype(np.float32))


def fit_adapter(
    queries: np.ndarray,
    units: Sequence[np.ndarray],
    targets: Sequence[np.ndarray],
    l2: float = L2,
    max_iter: int = MAX_ITER,
) -> QueryAdapter:
    """Fit W on questions (n, d), each with its candidate units' vectors (k_i, d) and target
    weights over them (k_i,), summing to 1 (the units holding most key facts share it).

    Float64 L-BFGS from W = 0, run to convergence on one BLAS thread, so a refit reproduces
    the calibration file on any thread count."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    q = np.asarray(queries, dtype=np.float64)
    n, d = q.shape
    k = max((len(u) for u in units), default=0)
    if n == 0 or k == 0:
        return QueryAdapter(np.zeros((d, d), dtype=np.float32))
    cands = np.zeros((n, k, d))
    mask = np.zeros((n, k), dtype=bool)
    y = np.zeros((n, k))
    for i, (u, t) in enumerate(zip(units, targets, strict=True)):
        cands[i, : len(u)] = u
        mask[i, : len(u)] = True
        y[i, : len(t)] = t

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(d, d)
        qa = q + q @ w
        s = np.einsum("nd,nkd->nk", qa, cands) / TEMPERATURE
        s = np.where(mask, s, -np.inf)
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        logp = np.where(mask, np.log(np.where(mask, p, 1.0)), 0.0)
        value = -float((y * logp).sum()) / n + l2 * float((w * w).sum())
        g = (p - y) / (n * TEMPERATURE)  # d loss / d score
        grad = q.T @ np.einsum("nk,nkd->nd", g, cands) + 2 * l2 * w
        return value, grad.ravel()

    options = {"maxiter": max_iter, "gtol": GTOL, "ftol": 0.0, "maxcor": 20}
    with threadpool_limits(limits=1):
        result = minimize(loss, np.zeros(d * d), jac=True, method="L-BFGS-B", options=options)
    return QueryAdapter(result.x.reshape(d, d).astype(np.float32))


def targets_from_labels(labels: np.ndarray) -> np.ndarray | None:
    """The target weights for one question's candidates from their key-fact counts: the units
    holding most share it equally; None when none holds any (the question says nothing)."""
    labels = np.asarray(labels, dtype=np.float64)
    if labels.size < 2 or labels.max(initial=0) <= 0:
        return None
    best = (labels == labels.max()).astype(np.float64)
    return best / best.sum()
