"""Which retrieved unit leads the answer: a ranking fitted on train.jsonl by `assistant calibrate`.

The hand-set unit score (meaning, term coverage, chunk rank) puts a unit holding the answer first
for only about two questions in three: e5 similarities are bunched, and the sentence nearest in
meaning is often about the same topic but not the fact asked for ("when was X set up?" -> what X
was). The units just below it usually hold the answer. This reranks the best `top_k` candidates by
a linear score over features the hand-set score does not use, above all whether a unit holds the
kind of fact the question's kind asks for (a date for "when", a name or phone for "who", a web
address for "where do I apply", a list for "which ones"), weighted by the kind classifier's
probabilities, and which unit is nearest the question mapped by the fitted query adapter
(understand/adapter.py: askers' words towards the documents' words). The weights are fitted
pairwise (a unit holding more of a question's key facts against one holding fewer, logistic
loss) with C chosen by the grouped out-of-fold share of answers holding every key fact.

No language knowledge here: terms come from the packs' stemmers and stop words, facts from the
fact patterns, kinds from the packs' labelled examples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant import packs
from assistant.answer.analysis import META
from assistant.understand.adapter import QueryAdapter
from assistant.understand.exemplars import Exemplars
from assistant.understand.facts import KIND_FACTS, facts_in

# Compared with the hand-set score's best; beyond the tenth unit the answer is rarely found.
TOP_K = 10
C_GRID = (0.01, 0.1, 1.0, 10.0)
FOLDS = 5
# Fitted-score margins tried for a statement of a page no chosen statement cites (fit_lead): the
# lead is the best by that score, so 0.0 admits only a tie.
JOIN_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)

FEATURES: tuple[str, ...] = (
    "score_gap",  # hand-set score minus the best one's
    "dense_gap",  # similarity to the question minus the best among the top units
    "coverage_gap",  # share of the question's terms (with headings) minus the best's
    "text_coverage",  # share of the question's terms in the unit's own words
    "heading_coverage",  # share of the question's terms in its headings
    "inverse_hit_rank",  # 1 / its chunk's retrieval rank
    "same_language",
    "defines",  # "The X are ..." for a question on X
    "recalled",  # its chunk came in by unit recall, not by the retriever
    "log_words",
    "is_list",
    "first_in_section",
    "page_share",  # share of the top units citing the same page
    "document_share",  # share of the top units from the same document
    "dense_rank",  # its place by similarity alone, / top_k
    "score_rank",  # its place by the hand-set score, / top_k
    "kind_fact",  # P(kind) of the kinds whose fact (date, amount, person, address) it holds
    "kind_list",  # P(list) if it is a list
    "kind_procedure_address",  # P(procedure) if it holds a web address
    "kind_definition",  # P(definition) if it defines the question's subject
    "memory_vote",  # how much the closest train questions were answered by this unit
    "memory_similarity",  # similarity of the closest train question it answered (0: none)
    "adapted_gap",  # similarity to the adapted question minus the best one's (0: no adapter)
    "adapted_rank",  # its place by adapted similarity, / top_k (0: no adapter)
)

# Unit texts whose facts are kept: the same units come up question after question, and a text's
# facts never change while the packs in use stay the same. Bounded like the terms cache.
FACTS_CACHE_TEXTS = 16384


def unit_facts(text: str) -> frozenset[str]:
    """facts_in(text), remembered for the unit texts seen last (per set of packs, whose number
    words count as facts)."""
    return _unit_facts(text, packs.active())


@lru_cache(maxsize=FACTS_CACHE_TEXTS)
def _unit_facts(text: str, pack_set: packs.PackSet) -> frozenset[str]:
    return facts_in(text)


def asked_fact(text: str, kinds: dict[str, float]) -> float:
    """P(kind) summed over the kinds whose fact (date, amount, person, address) the text holds:
    how likely the text holds the sort of fact the question asks for."""
    facts = unit_facts(text)
    return sum(p for kind, p in kinds.items() if facts & set(KIND_FACTS.get(kind, ())))


Terms = Callable[[str, str], frozenset[str]]
Defines = Callable[[str, dict[str, float], str], bool]


def features(
    cands: Sequence,
    lang: str,
    qterms: dict[str, float],
    kinds: dict[str, float],
    terms: Terms,
    defines: Defines,
    votes: dict[str, tuple[float, float]] | None = None,
    adapted: Sequence[float] | None = None,
) -> np.ndarray:
    """One row of FEATURES per candidate (the hand-set ranking's best `len(cands)`); `votes`
    are Exemplars.votes for the question (none: no memory), `adapted` each candidate's
    similarity to the adapted question (understand/adapter.py; none: no adapter)."""
    votes = votes or {}
    if not cands:
        return np.zeros((0, len(FEATURES)))
    k = len(cands)
    qtotal = sum(qterms.values()) or 1.0
    best_score = cands[0].score
    best_dense = max(c.dense for c in cands)
    best_cov = max(c.coverage for c in cands)
    by_dense = {id(c): i for i, c in enumerate(sorted(cands, key=lambda c: -c.dense))}
    adapted_gap, adapted_rank = _adapted(adapted, k)
    rows = []
    for i, c in enumerate(cands):
        chunk, unit = c.hit.chunk, c.unit
        own = terms(unit.text, chunk.lang)
        heads = terms(f"{unit.heading} {chunk.section}", chunk.lang)
        is_definition = defines(unit.text, qterms, chunk.lang)
        facts = unit_facts(unit.text)
        rows.append(
            [
                c.score - best_score,
                c.dense - best_dense,
                c.coverage - best_cov,
                sum(w for t, w in qterms.items() if t in own) / qtotal,
                sum(w for t, w in qterms.items() if t in heads) / qtotal,
                1.0 / c.hit.rank,
                float(chunk.lang == lang),
                float(is_definition),
                float(c.recalled),
                math.log(1 + unit.words),
                float(unit.kind == "list"),
                float(unit.order == 0),
                sum(o.hit.chunk.url == chunk.url for o in cands) / k,
                sum(o.hit.chunk.doc_id == chunk.doc_id for o in cands) / k,
                by_dense[id(c)] / k,
                i / k,
                asked_fact(unit.text, kinds),
                kinds.get("list", 0.0) * float(unit.kind == "list"),
                kinds.get("procedure", 0.0) * float("url" in facts),
                kinds.get("definition", 0.0) * float(is_definition),
                *votes.get(unit.key, (0.0, 0.0)),
                adapted_gap[i],
                adapted_rank[i],
            ]
        )
    return np.asarray(rows, dtype=np.float64)


def _adapted(adapted: Sequence[float] | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, its adapted similarity minus the best one's and its place by it, / k."""
    if adapted is None:
        return np.zeros(k), np.zeros(k)
    sims = np.asarray(adapted, dtype=np.float64)
    place = np.empty(k)
    place[np.argsort(-sims, kind="stable")] = np.arange(k) / k
    return sims - sims.max(), place


def top_units(cands: Sequence, k: int = TOP_K) -> list:
    """The hand-set ranking's best `k`, without units that describe the document itself."""
    return [c for c in cands[:k] if not describes_document(c.unit.text)]


def describes_document(text: str) -> bool:
    """META (a sentence about the document itself), remembered per unit text and pack set:
    every candidate of every question is checked."""
    cached = packs.active().derived(
        "lead:meta",
        lambda ps: lru_cache(maxsize=FACTS_CACHE_TEXTS)(lambda t: bool(META.search(t))),
    )
    return cached(text)


@dataclass(frozen=True)
class LeadModel:
    """The fitted weights: lead = argmax over the top `top_k` of features @ weights. A statement
    of a page none of the answer's statements cites may join the lead only when its fitted score
    is within `join_margin` of the lead's (None, as in files fitted before it: never)."""

    features: tuple[str, ...]
    weights: np.ndarray
    top_k: int = TOP_K
    join_margin: float | None = None

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Each row's fitted score: the lead is the first of the highest."""
        return rows @ self.weights

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "weights": self.weights.tolist(),
            "top_k": self.top_k,
            "join_margin": self.join_margin,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LeadModel:
        margin = data.get("join_margin")
        return cls(
            tuple(data["features"]),
            np.asarray(data["weights"]),
            int(data["top_k"]),
            None if margin is None else float(margin),
        )


class LeadRanker:
    """The fitted model with the kind classifier and the exemplar memory it was fitted beside,
    used on one question. `exclude_group` leaves a train question's own writing batch out of the
    memory while fitting, as serving meets a new writer's question."""

    def __init__(
        self,
        model: LeadModel,
        kind_proba: Callable[[np.ndarray], dict[str, float]],
        exemplars: Exemplars | None = None,
        exclude_group: str | None = None,
        adapter: QueryAdapter | None = None,
    ):
        if model.features != FEATURES:
            raise ValueError("the lead model was fitted on other features: run assistant calibrate")
        self.model = model
        self.kind_proba = kind_proba
        self.exemplars = exemplars
        self.exclude_group = exclude_group
        self.adapter = adapter

    def rerank(
        self,
        cands: list,
        kinds: dict[str, float],
        lang: str,
        qterms: dict[str, float],
        terms: Terms,
        defines: Defines,
        qvec: np.ndarray,
        similarity: Callable[[str, np.ndarray], float] | None = None,
    ) -> list:
        """The candidates with the fitted lead first, the others in their order; `similarity`
        (unit key, query vector) gives the adapted similarities when there is an adapter. Each
        of the top units keeps its fitted score (`Candidate.fitted`) for `near_lead`."""
        top = top_units(cands, self.model.top_k)
        if len(top) < 2:
            return cands
        votes = self.exemplars.votes(qvec, self.exclude_group) if self.exemplars else None
        adapted = (
            None
            if self.adapter is None or similarity is None
            else adapted_similarities(top, qvec, self.adapter, similarity)
        )
        rows = features(top, lang, qterms, kinds, terms, defines, votes, adapted)
        scores = self.model.scores(rows)
        for cand, fitted in zip(top, scores, strict=True):
            cand.fitted = float(fitted)
        lead = top[int(np.argmax(scores))]  # ties: the hand-set ranking's order
        if lead is cands[0]:
            return cands
        return [lead, *[c for c in cands if c is not lead]]

    def near_lead(self, cand, lead) -> bool:
        """Whether `cand` scores, by the fitted weights, within the model's join margin of the
        lead: nearly as likely to hold a key fact, whatever page it cites."""
        margin = self.model.join_margin
        return (
            margin is not None
            and cand.fitted is not None
            and lead.fitted is not None
            and cand.fitted >= lead.fitted - margin
        )


def adapted_similarities(
    top: Sequence,
    qvec: np.ndarray,
    adapter: QueryAdapter,
    similarity: Callable[[str, np.ndarray], float],
) -> list[float]:
    """The candidates' similarities (unit key, query vector) to the adapted question: the
    `adapted` input of `features`, the same while fitting as when serving."""
    adapted = adapter.adapt(qvec)
    return [similarity(c.unit.key, adapted) for c in top]


def group_folds(groups: Iterable[str]) -> dict[str, int]:
    """Each group's fold of FOLDS, by its place among the sorted group names: a writing batch
    stays in one fold, and the assignment does not depend on question order."""
    return {g: n % FOLDS for n, g in enumerate(sorted(set(groups)))}


@dataclass(frozen=True)
class LeadFit:
    model: LeadModel
    c: float
    n: int  # questions with a unit holding a key fact among their top units
    hit_by_c: dict[float, float]  # grouped out-of-fold share whose outcome holds (see fit_lead)
    baseline_hit: float  # the same share for the hand-set ranking
    join_margin: float | None = None  # chosen from JOIN_GRID (None: no grid given)
    hit_by_margin: dict[float, float] = field(default_factory=dict)  # join outcome's share, at C


# (question index, weights or None for the hand-set ranking, join margin or None) -> 1.0 when the
# outcome holds.
Outcome = Callable[[int, np.ndarray | None, float | None], float]


def _pairs(samples: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Feature differences of every pair of units of one question with different labels."""
    xs, ys = [], []
    for rows, labels in samples:
        for i in range(len(labels)):
            for j in range(len(labels)):
                if labels[i] > labels[j]:
                    xs += [rows[i] - rows[j], rows[j] - rows[i]]
                    ys += [1, 0]
    return np.asarray(xs), np.asarray(ys)


def _fit_weights(samples: Sequence[tuple[np.ndarray, np.ndarray]], c: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x, y = _pairs(samples)
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=10000, tol=1e-10)
    return model.fit(x, y).coef_[0]


def lead_hit(samples: Sequence[tuple[np.ndarray, np.ndarray]]) -> Outcome:
    """The outcome "the unit these weights lead with holds a key fact"."""

    def hit(i: int, weights: np.ndarray | None, join_margin: float | None = None) -> float:
        rows, labels = samples[i]
        return float(labels[0 if weights is None else int(np.argmax(rows @ weights))] > 0)

    return hit


def one_standard_error(hits_by_c: dict[float, list[float]]) -> float:
    """The smallest C whose out-of-fold hits fall short of the best C's by at most one standard
    error of the paired difference (the same questions, in the same order, under each C): a
    shortfall below that is noise. Paired, because the C's are compared on the same questions;
    the standard error of one C's mean would also count how hard the questions are, and let a
    fit through that loses several questions more than it gains (measured: C=0.01 at 0.906
    against the best 0.916 passed that wider test and lost dev key facts 0.916 -> 0.866)."""
    mean = {c: float(np.mean(h)) if h else 0.0 for c, h in hits_by_c.items()}
    top = max(hits_by_c, key=lambda c: (mean[c], -c))

    def within(c: float) -> bool:
        diff = np.asarray(hits_by_c[top]) - np.asarray(hits_by_c[c])
        if len(diff) == 0:
            return True
        return float(diff.mean()) <= float(diff.std() / math.sqrt(len(diff)))

    return min(c for c in hits_by_c if within(c))


def fit_lead(
    samples: Sequence[tuple[np.ndarray, np.ndarray]],
    groups: Sequence[str],
    top_k: int = TOP_K,
    outcome: Outcome | None = None,
    join_margins: Sequence[float] = (),
    join_outcome: Outcome | None = None,
) -> LeadFit:
    """Fit on (feature rows, labels) per question, labels = key-fact groups each unit holds.

    Questions whose top units hold no key fact say nothing about which should lead: left out.
    C is chosen by the out-of-fold share of questions whose `outcome` holds (default: the lead
    holds a key fact; `assistant calibrate` passes "the whole answer holds every key fact"),
    folds by group (a question's writing batch together): the smallest C within one paired
    standard error of the best (`one_standard_error`). Differences below that are noise, and a
    weakly regularised fit is ill-conditioned: its weights move with the embedder's last float
    digits. Then, with each fold's weights at that C, the join margin: the smallest of
    `join_margins` within one paired standard error of the best by `join_outcome` (default
    `outcome`; `assistant calibrate` passes "... and cites only pages stating a key fact": a
    wider margin lets more of other pages' statements in)."""
    outcome = outcome or lead_hit(samples)
    join_outcome = join_outcome or outcome
    kept = [i for i, s in enumerate(samples) if s[1].max(initial=0) > 0]
    fold_of = group_folds(groups[i] for i in kept)
    folds = [
        (
            [samples[i] for i in kept if fold_of[groups[i]] != f],
            [i for i in kept if fold_of[groups[i]] == f],
        )
        for f in range(FOLDS)
    ]
    folds = [(train, test) for train, test in folds if train and test]
    hits_by_c: dict[float, list[float]] = {}
    fold_weights: dict[float, list[np.ndarray]] = {}
    for c in C_GRID:
        hits = hits_by_c.setdefault(c, [])
        for train, test in folds:
            weights = _fit_weights(train, c)
            fold_weights.setdefault(c, []).append(weights)
            hits += [outcome(i, weights, None) for i in test]
    hit_by_c = {c: float(np.mean(h)) if h else 0.0 for c, h in hits_by_c.items()}
    best = one_standard_error(hits_by_c)
    hits_by_margin = {
        margin: [
            join_outcome(i, weights, margin)
            for (_, test), weights in zip(folds, fold_weights.get(best, []), strict=True)
            for i in test
        ]
        for margin in join_margins
    }
    margin = one_standard_error(hits_by_margin) if hits_by_margin else None
    model = LeadModel(FEATURES, _fit_weights([samples[i] for i in kept], best), top_k, margin)
    baseline = float(np.mean([outcome(i, None, None) for i in kept])) if kept else 0.0
    return LeadFit(
        model,
        best,
        len(kept),
        hit_by_c,
        baseline,
        margin,
        {m: float(np.mean(h)) if h else 0.0 for m, h in hits_by_margin.items()},
    )
