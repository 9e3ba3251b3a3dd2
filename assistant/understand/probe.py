"""A learned read of the question's embedding for answerability: the answerability probe.

The evidence features measure how well the retrieved text matches a question, and the exemplar
memory how close the question is to a few labelled ones. Neither reads which directions of the
multilingual embedding carry "asks for a detail the documents lack" (a processing time, a yearly
spend, a street address) across topics and wordings. A small network (one hidden layer of ReLU
units, a logistic output) over the question vector and its element-wise product with the closest
evidence unit's vector, fitted on the labelled training questions by `assistant calibrate`, does;
its log-odds is one more answerability feature.

While fitting, each training question's probe value comes from a model fitted without its fold
(folds by writing batch), so the answerability weights see what serving sees: a question the
probe was not fitted on. Measured before it was kept: leaving each of sealed13-27 out in turn
(docs/EVALUATION.md, "Twenty-eighth sealed set"); the hidden layer replaced the logistic model
after the same test over sealed13-29 ("Thirtieth sealed set"): out of fold ROC AUC 0.946 ->
0.970, and on on-topic questions the documents do not answer against answerable ones 0.907 ->
0.948.

The probe is the average of three such networks, fitted alike from different random starts
(their hidden layers side by side, output weights divided by three): one network's log-odds move
with its start, and the answerability weights read that noise as signal. Leaving each of
sealed30-41 out in turn on the same inputs: refusal 0.830 -> 0.842, false refusals 0.042 ->
0.044, ROC AUC 0.9711 -> 0.9726 (docs/EVALUATION.md, "Forty-third sealed set").

Since the forty-eighth attempt the input also holds the question's residual outside the span of
its SPAN_UNITS closest units: the part of what it asks that none of them says. An on-topic
question the documents do not answer sits close to its topic's units, so its similarity and its
product with the closest unit look answerable; what it asks beyond them (a processing time, a
yearly spend) is left in the residual. Leaving each of sealed36-47 out in turn on one
calibration's inputs, with and without the residual columns: refusal 0.798 -> 0.807 (632 -> 639
of 792), false refusals 0.036 -> 0.037 (49 -> 51 of 1,368), ROC AUC 0.9653 -> 0.9657: a small
gain, within the sets' spread (docs/EVALUATION.md, "Forty-eighth sealed set").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PROBE_FEATURE = "probe"
# Hidden units: 16 read 0.963 out of fold, 32 0.969, 64 0.970, 128 0.970 (docs/EVALUATION.md).
HIDDEN = 64
# L2 penalties tried; the one with the best out-of-fold ROC AUC is kept.
ALPHA_GRID = (0.3, 1.0, 3.0)
# Random starts of the networks averaged into one probe.
SEEDS = (0, 1, 2)


# How many of the closest evidence units span the part of the question the evidence explains.
SPAN_UNITS = 4


def residual(qvec: np.ndarray, span: np.ndarray | None) -> np.ndarray:
    """The part of the question vector outside the span of the evidence units' vectors (rows of
    `span`): what the question asks that none of its closest units says. The whole question when
    nothing was retrieved."""
    q = np.asarray(qvec, dtype=np.float64)
    if span is None or len(span) == 0:
        return q.copy()
    # least squares, not a QR basis: two units with one vector (the same sentence in two places)
    # span one line, and lstsq's cut-off keeps it one
    units = np.asarray(span, dtype=np.float64).T
    weights, *_ = np.linalg.lstsq(units, q, rcond=None)
    return q - units @ weights


def probe_input(qvec: np.ndarray, span: np.ndarray | None) -> np.ndarray:
    """The question vector, its element-wise product with the closest evidence unit's vector
    (the span's first row; zeros when nothing was retrieved), then its residual outside the
    closest units' span."""
    q = np.asarray(qvec, dtype=np.float64)
    none = span is None or len(span) == 0
    e = np.zeros_like(q) if none else np.asarray(span[0], dtype=np.float64)
    return np.concatenate([q, q * e, residual(q, span)])


@dataclass(frozen=True)
class Probe:
    """Standardisation, one hidden ReLU layer and a logistic output over `probe_input`."""

    mean: np.ndarray
    scale: np.ndarray
    hidden_weights: np.ndarray  # inputs x (HIDDEN x networks)
    hidden_bias: np.ndarray
    output_weights: np.ndarray  # HIDDEN x networks
    output_bias: float
    alpha: float

    def score(self, qvec: np.ndarray, span: np.ndarray | None) -> float:
        """Log-odds that the question is answerable from the documents; `span` holds the
        closest evidence units' vectors, closest first (None: nothing retrieved)."""
        return float(self.scores(probe_input(qvec, span)))

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for `probe_input` rows (one row or a matrix of them)."""
        z = (x - self.mean) / self.scale
        hidden = np.maximum(z @ self.hidden_weights + self.hidden_bias, 0.0)
        return hidden @ self.output_weights + self.output_bias

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "output_bias": self.output_bias,
            # Plain numbers, not encoded bytes: the calibration test compares them within a
            # tolerance, as another machine's float arithmetic moves the last digits.
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "hidden_weights": self.hidden_weights.tolist(),
            "hidden_bias": self.hidden_bias.tolist(),
            "output_weights": self.output_weights.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Probe:
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            hidden_weights=np.asarray(data["hidden_weights"], dtype=np.float64),
            hidden_bias=np.asarray(data["hidden_bias"], dtype=np.float64),
            output_weights=np.asarray(data["output_weights"], dtype=np.float64),
            output_bias=float(data["output_bias"]),
            alpha=float(data["alpha"]),
        )


@dataclass(frozen=True)
class ProbeFit:
    probe: Probe
    oof: np.ndarray  # each training question's score from a model fitted without its fold
    auc_by_alpha: dict[float, float]


def _fit_network(x: np.ndarray, y: np.ndarray, alpha: float, seed: int) -> Probe:
    """Adam with early stopping on a seeded tenth of the rows: deterministic on one CPU."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        alpha=alpha,
        max_iter=300,
        early_stopping=True,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(scaler.transform(x), y)
    return Probe(
        mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64),
        hidden_weights=model.coefs_[0].astype(np.float64),
        hidden_bias=model.intercepts_[0].astype(np.float64),
        output_weights=model.coefs_[1][:, 0].astype(np.float64),
        output_bias=float(model.intercepts_[1][0]),
        alpha=alpha,
    )


def average(networks: Sequence[Probe]) -> Probe:
    """One probe whose log-odds is the mean of the networks' (same standardisation): their hidden
    layers side by side, each output weight and the output bias divided by their number."""
    first = networks[0]
    n = len(networks)
    return Probe(
        mean=first.mean,
        scale=first.scale,
        hidden_weights=np.hstack([p.hidden_weights for p in networks]),
        hidden_bias=np.concatenate([p.hidden_bias for p in networks]),
        output_weights=np.concatenate([p.output_weights for p in networks]) / n,
        output_bias=float(np.mean([p.output_bias for p in networks])),
        alpha=first.alpha,
    )


def _fit_one(x: np.ndarray, y: np.ndarray, alpha: float) -> Probe:
    """The average of one network per seed in SEEDS."""
    return average([_fit_network(x, y, alpha, seed) for seed in SEEDS])


def fit_probe(
    inputs: Sequence[np.ndarray], answerable: Sequence[bool], groups: Sequence[str]
) -> ProbeFit:
    """The penalty by out-of-fold ROC AUC (folds by writing batch); the kept one refitted on every
    question."""
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
        oof_by_alpha: dict[float, np.ndarray] = {}
        for alpha in ALPHA_GRID:
            oof = np.zeros(len(y))
            for train, test in folds:
                oof[test] = _fit_one(x[train], y[train], alpha).scores(x[test])
            oof_by_alpha[alpha] = oof
        auc = {a: float(roc_auc_score(y, oof)) for a, oof in oof_by_alpha.items()}
        # ties go to the stronger penalty
        best = max(ALPHA_GRID, key=lambda a: (auc[a], a))
        probe = _fit_one(x, y, best)
    return ProbeFit(probe, oof_by_alpha[best], auc)
