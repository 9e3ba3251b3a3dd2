"""Kind of question and kind of asker, from the question's embedding and the packs' examples.

A multinomial logistic regression over the L2-normalised embedding: the languages share one model
(the embedding is multilingual), so a new language's pack simply adds examples. Fitting is
deterministic (lbfgs on a strictly convex loss, examples in sorted order), and the fitted weights
are stored in the calibration file, so serving never re-embeds the packs unless they changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.packs import Example, Pack

# Regularisation strengths tried by grouped cross-validation (the best is stored with the weights).
C_GRID: tuple[float, ...] = (1.0, 10.0, 100.0)
CV_FOLDS = 5

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class LinearLabeller:
    """Softmax over `vec @ coef.T + intercept`; `classes` in the order of coef's rows."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, dim)
    intercept: np.ndarray  # (n_classes,)
    c: float

    def proba(self, vec: np.ndarray) -> dict[str, float]:
        """Probability of each class for one L2-normalised vector."""
        return dict(zip(self.classes, self.proba_matrix(vec[None, :])[0].tolist(), strict=True))

    def proba_matrix(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors.astype(np.float64) @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # sklearn's binary form: one row, for classes[1]
            logits = np.hstack([np.zeros((len(vectors), 1)), logits[:, :1]])
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, vec: np.ndarray) -> str:
        probs = self.proba(vec)
        return max(self.classes, key=lambda c: probs[c])

    def to_dict(self) -> dict:
        return {
            "classes": list(self.classes),
            "c": self.c,
            "intercept": self.intercept.tolist(),
            "coef": self.coef.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> LinearLabeller:
        return cls(
            classes=tuple(data["classes"]),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            c=float(data["c"]),
        )


def one_blas_thread():
    """Small fits run 20x faster on one BLAS thread than on two contended ones (shared cores)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _model(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=10000, tol=1e-8)


def fit_labeller(vectors: np.ndarray, labels: Sequence[str], c: float) -> LinearLabeller:
    model = _model(c).fit(vectors, list(labels))
    return LinearLabeller(
        classes=tuple(str(x) for x in model.classes_),
        coef=np.asarray(model.coef_, dtype=np.float64),
        intercept=np.asarray(model.intercept_, dtype=np.float64),
        c=c,
    )


@dataclass(frozen=True)
class GroupedCV:
    """Out-of-fold accuracy when whole templates are held out, overall and per language."""

    c: float
    accuracy: float
    by_lang: dict[str, float]
    n: int
    by_c: dict[float, float]


def grouped_cv(
    vectors: np.ndarray, examples: Sequence[Example], grid: Sequence[float] = C_GRID
) -> GroupedCV:
    """GroupKFold (grouped by template) for each C; the best C's out-of-fold accuracy."""
    from sklearn.model_selection import GroupKFold, cross_val_predict

    labels = np.array([e.label for e in examples])
    groups = np.array([f"{e.lang}:{e.template}" for e in examples])
    langs = np.array([e.lang for e in examples])
    folds = min(CV_FOLDS, len(set(groups)))
    results: dict[float, np.ndarray] = {}
    for c in grid:
        results[c] = cross_val_predict(
            _model(c), vectors, labels, groups=groups, cv=GroupKFold(n_splits=folds)
        )
    by_c = {c: float((pred == labels).mean()) for c, pred in results.items()}
    best = max(grid, key=lambda c: (by_c[c], -c))  # ties: the stronger regularisation
    pred = results[best]
    by_lang = {
        lang: float((pred[langs == lang] == labels[langs == lang]).mean())
        for lang in sorted(set(langs))
    }
    return GroupedCV(best, by_c[best], by_lang, len(examples), by_c)


@dataclass(frozen=True)
class QuestionClassifier:
    """The kind-of-question and the asker labeller, used together on one question vector."""

    kind: LinearLabeller
    asker: LinearLabeller

    def kind_proba(self, vec: np.ndarray) -> dict[str, float]:
        return self.kind.proba(vec)

    def asker_proba(self, vec: np.ndarray) -> dict[str, float]:
        return self.asker.proba(vec)

    def to_dict(self) -> dict:
        return {"kind": self.kind.to_dict(), "asker": self.asker.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> QuestionClassifier:
        return cls(LinearLabeller.from_dict(data["kind"]), LinearLabeller.from_dict(data["asker"]))


def sorted_examples(packs: dict[str, Pack]) -> tuple[list[Example], list[Example]]:
    """Kind and asker examples of every pack in a fixed order (fits do not depend on file order)."""

    def key(e: Example) -> tuple[str, str, str, str]:
        return (e.lang, e.label, e.template, e.text)

    kinds = sorted((e for p in packs.values() for e in p.kinds), key=key)
    askers = sorted((e for p in packs.values() for e in p.askers), key=key)
    return kinds, askers


@dataclass(frozen=True)
class FitReport:
    kind_cv: GroupedCV
    asker_cv: GroupedCV


def fit_classifier(
    packs: dict[str, Pack], embed: Embed, cross_validate: bool = True
) -> tuple[QuestionClassifier, FitReport | None]:
    """Embed the packs' examples and fit both labellers (C chosen by grouped CV when asked)."""
    kinds, askers = sorted_examples(packs)
    if len({e.label for e in kinds}) < 2 or len({e.label for e in askers}) < 2:
        raise ValueError("the packs need examples of at least two kinds and two askers")
    kind_vecs = np.asarray(embed([e.text for e in kinds]), dtype=np.float64)
    asker_vecs = np.asarray(embed([e.text for e in askers]), dtype=np.float64)
    with one_blas_thread():
        return _fit_both(kinds, askers, kind_vecs, asker_vecs, cross_validate)


def _fit_both(kinds, askers, kind_vecs, asker_vecs, cross_validate):
    report = None
    kind_c = asker_c = C_GRID[len(C_GRID) // 2]
    if cross_validate:
        report = FitReport(grouped_cv(kind_vecs, kinds), grouped_cv(asker_vecs, askers))
        kind_c, asker_c = report.kind_cv.c, report.asker_cv.c
    classifier = QuestionClassifier(
        fit_labeller(kind_vecs, [e.label for e in kinds], kind_c),
        fit_labeller(asker_vecs, [e.label for e in askers], asker_c),
    )
    return classifier, report


def embed_queries(embedder) -> Embed:
    """The provider's batch query embedding, as the function the fits take."""

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(embedder.embed_query_vectors(list(texts)), dtype=np.float64)

    return embed
