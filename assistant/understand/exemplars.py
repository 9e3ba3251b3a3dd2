"""Labelled questions as a memory: how close a new question is to answerable and unanswerable ones.

The evidence features cannot tell an on-topic question the documents do not answer (an office's
street address, a decision's processing time) from one they do: the evidence is close either way.
How such questions are put, though, recurs. `assistant calibrate` keeps the embeddings of the
train.jsonl questions with their answerable label; a new question's mean similarity to its K
closest answerable and K closest unanswerable ones are features of the answerability model.

While fitting, each train question is measured against the others with its own group left out:
its writing batch (calibrate.writing_batch: its translations, its contrast twin, the same
writer's templates), so the fitted weights see what serving sees: a new writer's question. With
only its translations left out, out of fold false refusals read 0.014 while a new writer's
questions met 0.08-0.09.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np

K = 3  # neighbours averaged per label
EXEMPLAR_FEATURES = ("exemplar_answerable", "exemplar_unanswerable", "exemplar_margin")


@dataclass(frozen=True)
class Exemplars:
    """Unit-length question vectors, their answerable labels and their groups."""

    vectors: np.ndarray  # (n, d) float32
    answerable: np.ndarray  # (n,) bool
    groups: tuple[str, ...]
    k: int = K

    def features(self, qvec: np.ndarray, exclude_group: str | None = None) -> dict[str, float]:
        """Mean similarity to the k closest answerable and unanswerable exemplars, and their
        difference; `exclude_group` leaves out a question's own group (used while fitting)."""
        sims = self.vectors @ np.asarray(qvec, dtype=np.float32)
        keep = np.ones(len(sims), dtype=bool)
        if exclude_group is not None:
            keep = np.array([g != exclude_group for g in self.groups], dtype=bool)
        yes = _top_mean(sims[keep & self.answerable], self.k)
        no = _top_mean(sims[keep & ~self.answerable], self.k)
        return {
            "exemplar_answerable": yes,
            "exemplar_unanswerable": no,
            "exemplar_margin": yes - no,
        }

    def to_dict(self) -> dict:
        # float16 bytes: compact, and exact across runs (the embedder is deterministic).
        packed = np.ascontiguousarray(self.vectors.astype("<f2")).tobytes()
        return {
            "k": self.k,
            "dim": int(self.vectors.shape[1]),
            "vectors_f16_base64": base64.b64encode(packed).decode("ascii"),
            "answerable": [bool(a) for a in self.answerable],
            "groups": list(self.groups),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Exemplars:
        raw = np.frombuffer(base64.b64decode(data["vectors_f16_base64"]), dtype="<f2")
        vectors = raw.reshape(-1, int(data["dim"])).astype(np.float32)
        answerable = np.asarray(data["answerable"], dtype=bool)
        if len(answerable) != len(vectors) or len(data["groups"]) != len(vectors):
            raise ValueError("exemplars: vectors, labels and groups differ in length")
        return cls(vectors, answerable, tuple(data["groups"]), int(data["k"]))

    @classmethod
    def build(
        cls, vectors: list[np.ndarray], answerable: list[bool], groups: list[str]
    ) -> Exemplars:
        """Stored as float16 and read back, so fitting measures what serving will read."""
        matrix = np.vstack(vectors).astype("<f2").astype(np.float32)
        return cls(matrix, np.asarray(answerable, dtype=bool), tuple(groups))


def _top_mean(values: np.ndarray, k: int) -> float:
    if values.size == 0:
        return 0.0
    top = np.sort(values)[-k:]
    return float(top.mean())
