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

The memory also keeps which units answered each answerable exemplar (those holding its key
facts, by unit key): `votes` tells the lead ranking which of a new question's units answered the
train questions closest to it, the way a help desk remembers which page answered a question put
in other words.

It also keeps each exemplar's content terms and language: `exemplar_unseen` is the weighted share
of a new question's content terms that none of its UNSEEN_K closest answerable same-language
exemplars uses. A question that borrows the words of answered ones (whatever its wording) tends to
be answerable; one that adds a word nobody's answered question needed (a logo's colour, an
office's opening hours) tends to ask a detail the documents lack. Held out on retired blind sets
(docs/EVALUATION.md, "Measured after the run, for the next attempt") it moved the decision off
its curve: ROC AUC 0.969 -> 0.972.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

K = 3  # neighbours averaged per label
VOTE_K = 5  # neighbours whose answering units vote
# How fast a neighbour's vote fades with its similarity below the closest one's: e5 similarities
# are bunched (0.80 right against 0.76 wrong), so 0.02 apart already counts for much less.
VOTE_TEMPERATURE = 0.02
UNSEEN_K = 5  # answerable neighbours whose words count as seen (10 measured the same)
EXEMPLAR_FEATURES = (
    "exemplar_answerable",
    "exemplar_unanswerable",
    "exemplar_margin",
    "exemplar_unseen",
)


@dataclass(frozen=True)
class Exemplars:
    """Unit-length question vectors, their answerable labels and their groups."""

    vectors: np.ndarray  # (n, d) float32
    answerable: np.ndarray  # (n,) bool
    groups: tuple[str, ...]
    k: int = K
    # per exemplar, {unit key: share of its key-fact groups the unit holds}; empty if unanswerable
    answers: tuple[dict[str, float], ...] = ()
    # per exemplar, its language and the content terms of its question (TermWeights.content)
    langs: tuple[str, ...] = ()
    terms: tuple[frozenset[str], ...] = ()
    # The last question's similarities, (its vector's bytes, sims): `features` (understand) and
    # `votes` (the lead ranking) read the same question; one tuple, swapped whole, so threads
    # answering other questions at once never see one question's key with another's sims.
    _last: tuple[bytes, np.ndarray] | None = field(default=None, compare=False, repr=False)
    _by_lang: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def similarities(self, qvec: np.ndarray) -> np.ndarray:
        """Cosine similarity of the question to every exemplar (unit-length vectors)."""
        q = np.asarray(qvec, dtype=np.float32)
        key = q.tobytes()
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        sims = self.vectors @ q
        sims.flags.writeable = False
        object.__setattr__(self, "_last", (key, sims))
        return sims

    def __post_init__(self) -> None:
        # Column-major: `similarities` reads the whole memory once a question, and BLAS
        # multiplies a column-major matrix by a vector faster than a row-major one (10,409 x 384
        # on this host: 0.36 against 1.2 ms on one thread, 0.26 against 0.44 ms on two).
        object.__setattr__(self, "vectors", np.asfortranarray(self.vectors, dtype=np.float32))
        n = len(self.vectors)
        if self.langs and (len(self.langs) != n or len(self.terms) != n):
            raise ValueError("exemplars: vectors, languages and terms differ in length")
        # The answerable exemplars of each language, found once: `unseen` runs per question.
        langs = np.asarray(self.langs)
        for lang in sorted(set(self.langs)):
            self._by_lang[lang] = np.flatnonzero((langs == lang) & self.answerable)

    def features(
        self,
        qvec: np.ndarray,
        exclude_group: str | None = None,
        terms: Mapping[str, float] | None = None,
        lang: str | None = None,
    ) -> dict[str, float]:
        """Mean similarity to the k closest answerable and unanswerable exemplars, their
        difference, and the share of the question's weighted content `terms` (in `lang`) that its
        closest answerable exemplars do not use; `exclude_group` leaves out a question's own
        group (used while fitting)."""
        sims = self.similarities(qvec)
        keep = self._kept(exclude_group)
        yes = _top_mean(sims[keep & self.answerable], self.k)
        no = _top_mean(sims[keep & ~self.answerable], self.k)
        return {
            "exemplar_answerable": yes,
            "exemplar_unanswerable": no,
            "exemplar_margin": yes - no,
            "exemplar_unseen": self._unseen(sims, terms or {}, lang, keep),
        }

    def _unseen(
        self, sims: np.ndarray, terms: Mapping[str, float], lang: str | None, keep: np.ndarray
    ) -> float:
        """Weighted share of `terms` that none of the UNSEEN_K kept answerable exemplars in
        `lang` closest by `sims` uses; 0.0 without terms or without exemplars in that language."""
        total = sum(terms.values())
        index = self._by_lang.get(lang or "")
        if total <= 0 or index is None:
            return 0.0
        index = index[keep[index]]
        if index.size == 0:
            return 0.0
        near = index[_closest(sims[index], UNSEEN_K)]
        seen = frozenset().union(*(self.terms[i] for i in near))
        return float(sum(w for t, w in terms.items() if t not in seen) / total)

    def _kept(self, exclude_group: str | None) -> np.ndarray:
        if exclude_group is None:
            return np.ones(len(self.groups), dtype=bool)
        return np.array([g != exclude_group for g in self.groups], dtype=bool)

    def votes(
        self, qvec: np.ndarray, exclude_group: str | None = None
    ) -> dict[str, tuple[float, float]]:
        """{unit key: (vote, similarity)} over the VOTE_K closest exemplars: the vote is the
        similarity-weighted share of them that the unit answered, the similarity that of the
        closest one it answered. Units no neighbour answered are absent."""
        if not self.answers:
            return {}
        sims = self.similarities(qvec)
        index = np.flatnonzero(self._kept(exclude_group))
        if index.size == 0:
            return {}
        near = index[_closest(sims[index], VOTE_K)]
        weights = np.exp((sims[near] - sims[near[0]]) / VOTE_TEMPERATURE)
        total = float(weights.sum())
        out: dict[str, tuple[float, float]] = {}
        for e, w in zip(near, weights, strict=True):
            for key, share in self.answers[e].items():
                vote, sim = out.get(key, (0.0, 0.0))
                out[key] = (vote + float(w) * share / total, max(sim, float(sims[e])))
        return out

    def to_dict(self) -> dict:
        # float16 bytes: compact, and exact across runs on one CPU (the embedder is
        # deterministic there; other CPUs round differently: calibrate.embedder_fingerprint).
        packed = np.ascontiguousarray(self.vectors.astype("<f2")).tobytes()
        return {
            "k": self.k,
            "dim": int(self.vectors.shape[1]),
            "vectors_f16_base64": base64.b64encode(packed).decode("ascii"),
            "answerable": [bool(a) for a in self.answerable],
            "groups": list(self.groups),
            "answers": [dict(sorted(a.items())) for a in self.answers],
            "langs": list(self.langs),
            "terms": [sorted(t) for t in self.terms],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Exemplars:
        raw = np.frombuffer(base64.b64decode(data["vectors_f16_base64"]), dtype="<f2")
        vectors = raw.reshape(-1, int(data["dim"])).astype(np.float32)
        answerable = np.asarray(data["answerable"], dtype=bool)
        answers = tuple(dict(a) for a in data.get("answers", ()))
        if len(answerable) != len(vectors) or len(data["groups"]) != len(vectors):
            raise ValueError("exemplars: vectors, labels and groups differ in length")
        if answers and len(answers) != len(vectors):
            raise ValueError("exemplars: vectors and answers differ in length")
        langs = tuple(data.get("langs", ()))
        terms = tuple(frozenset(t) for t in data.get("terms", ()))
        return cls(
            vectors, answerable, tuple(data["groups"]), int(data["k"]), answers, langs, terms
        )

    @classmethod
    def build(
        cls,
        vectors: list[np.ndarray],
        answerable: list[bool],
        groups: list[str],
        answers: list[dict[str, float]] | None = None,
        langs: list[str] | None = None,
        terms: list[Mapping[str, float] | frozenset[str]] | None = None,
    ) -> Exemplars:
        """Stored as float16 and read back, so fitting measures what serving will read."""
        matrix = np.vstack(vectors).astype("<f2").astype(np.float32)
        return cls(
            matrix,
            np.asarray(answerable, dtype=bool),
            tuple(groups),
            K,
            tuple(answers or ()),
            tuple(langs or ()),
            tuple(frozenset(t) for t in terms or ()),
        )


def _top_mean(values: np.ndarray, k: int) -> float:
    """Mean of the k largest, summed in ascending order (as a full sort would give them, so the
    figure is the same to the bit), found by a partition: the memory holds thousands."""
    if values.size == 0:
        return 0.0
    return float(np.sort(values[_closest(values, k)]).mean())


def _closest(sims: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest, largest first, ties in position order: what a stable argsort
    of -sims gives in its first k, without sorting the thousands of others."""
    if sims.size <= k:
        return np.argsort(-sims, kind="stable")
    kth = np.partition(sims, -k)[-k]
    tied = np.flatnonzero(sims >= kth)  # every value as large as the kth, ties included
    return tied[np.argsort(-sims[tied], kind="stable")][:k]
