"""Measured features of one question's evidence, for the answerability decision.

Computed from the pipeline's own objects (the hits after the guard, the extractive selection, the
term weights) and the kind classifier's probabilities, so calibrating and serving measure exactly
the same thing. No feature looks at the question's wording through a word list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.extractive import Selection, TermWeights
from assistant.answer.lead import unit_facts
from assistant.schema import SearchHit
from assistant.understand.exemplars import EXEMPLAR_FEATURES
from assistant.understand.facts import KIND_FACTS, numbers_in
from assistant.understand.probe import PROBE_FEATURE


@dataclass
class Observation:
    """What the pipeline computed for one question, up to (not including) the decision."""

    question: str
    standalone: str
    lang: str
    qvec: np.ndarray
    hits: list[SearchHit]
    selection: Selection
    # the vectors of the closest candidates (closest first, at most probe.SPAN_UNITS; None:
    # nothing retrieved)
    evidence_span: np.ndarray | None = None


# The order is the order of the calibrated coefficients.
FEATURES: tuple[str, ...] = (
    "dense_best",  # closest unit's cosine similarity to the question
    "dense_margin",  # how far the closest unit stands out from the median candidate
    "dense_lead",  # similarity of the unit the answer would lead with
    "coverage_lead",  # weighted share of the question's content terms in the lead unit
    "coverage_evidence",  # ... in all units the answer would use
    "vocabulary",  # ... anywhere in the documents
    "missing_top",  # weight share of the most important question term the evidence lacks
    "fact_missing",  # sum over kinds of P(kind) x the answer's units lack that kind's fact
    "fact_apart",  # ... x the units holding that fact lack the question's rarest term
    "rank_agreement",  # the top hit ranks high both densely and lexically
    "lexical_share",  # share of the top hits that BM25 found at all
    "p_out_of_scope",  # the kind classifier's out-of-scope probability
    "other_language",  # the lead unit is not in the asker's language
    "content_terms",  # log(1 + number of content terms): very short questions are vague
    "number_missing",  # the question names a number (a year, a sum) that no answer unit holds
    *EXEMPLAR_FEATURES,  # closeness to labelled answerable / unanswerable questions (exemplars.py)
    PROBE_FEATURE,  # the answerability probe's log-odds over the question's embedding (probe.py)
)

TOP_HITS = 4


def answerability_features(
    question: str,
    lang: str,
    hits: Sequence[SearchHit],
    selection: Selection,
    weights: TermWeights,
    kind_proba: Mapping[str, float],
    exemplar: Mapping[str, float] | None = None,
    probe: float | None = None,
) -> dict[str, float]:
    """One value per name in FEATURES (missing evidence gives the values of 'nothing found';
    no exemplars or probe, as before calibration, give zeros for theirs)."""
    qterms = selection.question_terms or weights.content(question, lang)
    qtotal = sum(qterms.values()) or 1.0
    cands = selection.candidates
    chosen = selection.chosen
    dense = sorted((c.dense for c in cands), reverse=True)
    lead = chosen[0] if chosen else None
    covered = frozenset().union(*(c.terms for c in chosen)) if chosen else frozenset()
    missing = [w for t, w in qterms.items() if t not in covered]

    out: dict[str, float] = {
        "dense_best": dense[0] if dense else 0.0,
        "dense_margin": dense[0] - float(np.median(dense)) if dense else 0.0,
        "dense_lead": lead.dense if lead else 0.0,
        "coverage_lead": lead.coverage if lead else 0.0,
        "coverage_evidence": sum(w for t, w in qterms.items() if t in covered) / qtotal,
        "vocabulary": weights.vocabulary_coverage(question, lang),
        "missing_top": max(missing, default=0.0) / qtotal,
    }
    # The facts each unit holds are remembered per text (the lead ranking reads them too).
    held = frozenset().union(*(unit_facts(c.unit.text) for c in chosen))
    out["fact_missing"] = sum(
        float(kind_proba.get(kind, 0.0))
        for kind, needed in KIND_FACTS.items()
        if not (chosen and held & set(needed))
    )
    # A fact of the asked sort about something else ("19 applications" for the other call, a
    # phone number of another person): the units that hold it lack the question's rarest term.
    rarest = max(qterms, key=qterms.__getitem__) if qterms else None
    out["fact_apart"] = 0.0
    for kind, needed in KIND_FACTS.items():
        holders = [c for c in chosen if unit_facts(c.unit.text) & set(needed)]
        if holders and rarest is not None and not any(rarest in c.terms for c in holders):
            out["fact_apart"] += float(kind_proba.get(kind, 0.0))
    top = list(hits[:TOP_HITS])
    first = top[0] if top else None
    if first and first.dense_rank and first.bm25_rank:
        out["rank_agreement"] = 2.0 / (first.dense_rank + first.bm25_rank)
    else:
        out["rank_agreement"] = 0.0
    out["lexical_share"] = sum(h.bm25_rank is not None for h in top) / len(top) if top else 0.0
    out["p_out_of_scope"] = float(kind_proba.get("out_of_scope", 0.0))
    out["other_language"] = 1.0 if lead and lead.hit.chunk.lang != lang else 0.0
    out["content_terms"] = math.log1p(len(qterms))
    evidence = " ".join(c.unit.text for c in chosen)
    out["number_missing"] = float(
        any(n not in evidence for n in numbers_in(question)) if chosen else 0.0
    )
    for name in EXEMPLAR_FEATURES:
        out[name] = float(exemplar[name]) if exemplar else 0.0
    out[PROBE_FEATURE] = float(probe) if probe is not None else 0.0
    return {name: float(out[name]) for name in FEATURES}


def as_row(features: Mapping[str, float]) -> np.ndarray:
    return np.array([features[name] for name in FEATURES], dtype=np.float64)
