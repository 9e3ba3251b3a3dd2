"""A linear read of the question's embedding for answerability: the answerability probe.

The evidence features measure how well the retrieved text matches a question, and the exemplar
memory how close the question is to a few labelled ones. Neither reads which directions of the
multilingual embedding carry "asks for a detail the documents lack" (a processing time, a yearly
spend, a street address) across topics and wordings. A logistic model over the question vector
and its element-wise product with the closest evidence unit's vector, fitted on the labelled
training questions by `assistant calibrate`, does; its log-odds is one more answerability feature.

While fitting, each training question's probe value comes from a model fitted without its fold
(folds by writing batch), so the answerability weights see what serving sees: a question the
probe was not fitted on. Measured before it was kept: leaving each of sealed13-27 out in turn
(docs/EVALUATION.md, "Twenty-eighth sealed set").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PROBE_FEATURE = "probe"
# Regularisation strengths tried; the one with the best out-of-fold ROC AUC is kept.
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def probe_input(qvec: np.ndarray, evidence_vec: np.ndarray | None) -> np.ndarray:
    """The question vector, then its element-wise product with the closest evidence unit's vector
    (zeros when nothing was retrieved)."""
    q = np.asarray(qvec, dtype=np.float64)
    e = np.zeros_like(q) if evidence_vec is None else np.asarray(evidence_vec, dtype=np.float64)
    return np.concatenate([q, q * e])


@dataclass(frozen=True)
class Probe:
    """Standardisation and logistic weights over `probe_input`."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float
    c: float

    def score(self, qvec: np.ndarray, evidence_vec: np.ndarray | None) -> float:
        """Log-odds that the question is answerable from the documents."""
        return float(self.scores(probe_input(qvec, evidence_vec)))

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for `probe_input` rows (one row or a matrix of them)."""
        return ((x - self.mean) / self.scale) @ self.weights + self.intercept

    def to_dict(self) -> dict:
        return {
            "c": self.c,
            "intercept": self.intercept,
            # Plain numbers, not encoded bytes: the calibration test compares them within a
            # tolerance, as another machine's float arithmetic moves the last digits.
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Probe:
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
            intercept=float(data["intercept"]),
            c=float(data["c"]),
        )


@dataclass(frozen=True)
class ProbeFit:
    probe: Probe
    oof: np.ndarray  # each training question's score from a model fitted without its fold
    auc_by_c: dict[float, float]


def _fit_one(x: np.ndarray, y: np.ndarray, c: float) -> Probe:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=10000, tol=1e-8).fit(scaler.transform(x), y)
    return Probe(
        mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64),
        weights=model.coef_[0].astype(np.float64),
        intercept=float(model.intercept_[0]),
        c=c,
    )


def fit_probe(
    inputs: Sequence[np.ndarray], answerable: Sequence[bool], groups: Sequence[str]
) -> ProbeFit:
    """C by out-of-fold ROC AUC (folds by writing batch); the kept C refitted on every question."""
    from sklearn.metrics import roc_auc_score

    # Imported here: answerability imports the feature names, which include this module's.
    from assistant.understand.answerability import batch_folds
    from assistant.understand.classify import one_blas_thread

    x = np.vstack(inputs)
    y = np.asarray(answerable, dtype=bool)
    # The answerability model's own folds, so a question's probe value and its out-of-fold
    # probability leave out the same questions.
    folds = list(batch_folds(groups).split(x, y, np.asarray(groups)))
    with one_blas_thread():
        oof_by_c: dict[float, np.ndarray] = {}
        for c in C_GRID:
            oof = np.zeros(len(y))
            for train, test in folds:
                oof[test] = _fit_one(x[train], y[train], c).scores(x[test])
            oof_by_c[c] = oof
        auc = {c: float(roc_auc_score(y, oof)) for c, oof in oof_by_c.items()}
        best = max(C_GRID, key=lambda c: (auc[c], -c))
        probe = _fit_one(x, y, best)
    return ProbeFit(probe, oof_by_c[best], auc)
