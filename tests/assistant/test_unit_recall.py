"""Unit recall at scale: the vectorised scan ranks exactly as a per-unit loop does (issue 13).

The reference below is the loop UnitRecall ran before (a Python sum over every unit's term set),
so a faster data structure cannot change which chunks a question recalls.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import extractive
from assistant.answer.extractive import TermWeights, UnitRecall, _best_first, _context
from assistant.answer.units import split_units
from assistant.retrieval.bm25 import tokenize
from assistant.schema import Chunk
from assistant.store.unit_vectors import UnitVectors

SECTIONS = {
    "en": [
        ("Funding", "The region funds pilots. Companies apply in spring. The call closes in May."),
        ("Contacts", "Jaana Niittyniemi answers funding questions. She works at the Council."),
        ("Priorities", "Sustainable industry leads. Digital health follows. Energy is third."),
    ],
    "fi": [
        ("Rahoitus", "Maakunta rahoittaa kokeiluja. Yritykset hakevat keväällä. Haku päättyy."),
        ("Yhteystiedot", "Jaana Niittyniemi vastaa rahoituksesta. Hän työskentelee liitossa."),
        ("Painopisteet", "Kestävä teollisuus johtaa. Digitaalinen terveys seuraa. Energia."),
    ],
    "sv": [
        ("Finansiering", "Regionen finansierar piloter. Företag ansöker på våren. Ansökan stängs."),
        ("Kontakter", "Jaana Niittyniemi svarar om finansiering. Hon arbetar på förbundet."),
        ("Prioriteringar", "Hållbar industri leder. Digital hälsa följer. Energi är tredje."),
    ],
}
QUESTIONS = {
    "en": "Who answers funding questions?",
    "fi": "Kuka vastaa rahoituksesta?",
    "sv": "Vem svarar om finansiering?",
}


def _index(copies: int = 1) -> tuple[list[Chunk], UnitVectors]:
    """The sections in every language (`copies` times, as more documents), random unit vectors."""
    chunks = []
    for lang, sections in SECTIONS.items():
        for copy in range(copies):
            for pos, (heading, text) in enumerate(sections):
                chunks.append(
                    Chunk(
                        chunk_id=f"{lang}{copy}#{pos}",
                        doc_id=f"{lang}{copy}",
                        lang=lang,
                        position=pos,
                        section=heading,
                        text=f"## {heading}\n\n{text}",
                    )
                )
    keys = sorted({u.key for c in chunks for u in split_units(c.text)})
    rng = np.random.default_rng(13)
    matrix = rng.normal(size=(len(keys), 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return chunks, UnitVectors(keys, matrix)


def _reference(chunks, vectors, qvec, qterms, lang, n, stable: bool) -> list[str]:
    """The per-unit loop that UnitRecall replaces: its whole sort (numpy's default, as always) up
    to RECALL_FULL_SORT_MAX units, ties by position above it."""
    rows = [
        (c, vectors.get(u.key), frozenset(tokenize(_context(c, u), c.lang)))
        for c in chunks
        if c.lang == lang
        for u in split_units(c.text)
    ]
    qtotal = sum(qterms.values()) or 1.0
    scores = [
        float(vec @ qvec) + 0.12 * sum(w for t, w in qterms.items() if t in terms) / qtotal
        for _, vec, terms in rows
    ]
    out: dict[str, None] = {}
    order = np.argsort(-np.asarray(scores), kind="stable" if stable else None)
    for i in order:
        out.setdefault(rows[i][0].chunk_id)
        if len(out) >= n:
            break
    return list(out)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_coverage_is_the_per_unit_sum_exactly(lang):
    chunks, vectors = _index()
    recall = UnitRecall(chunks, vectors)
    qterms = TermWeights(chunks).content(QUESTIONS[lang], lang)
    units = [(c, u) for c in chunks if c.lang == lang for u in split_units(c.text)]
    expected = [
        sum(w for t, w in qterms.items() if t in set(tokenize(_context(c, u), lang)))
        for c, u in units
    ]
    assert recall.coverage(qterms, lang).tolist() == expected
    assert max(expected) > 0  # the question shares terms with its language's contact sentence


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
@pytest.mark.parametrize("full_sort_max", [4096, 3])  # whole sort; partial sort (large index)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_recalled_chunks_are_the_reference_loops(monkeypatch, lang, full_sort_max, n):
    monkeypatch.setattr(extractive, "RECALL_FULL_SORT_MAX", full_sort_max)
    chunks, vectors = _index(copies=4)  # each section four times: many equal scores
    recall = UnitRecall(chunks, vectors)
    qterms = TermWeights(chunks).content(QUESTIONS[lang], lang)
    qvec = vectors.matrix[0]
    got = [c.chunk_id for c in recall.chunks(qvec, qterms, lang, n)]
    units = sum(len(split_units(c.text)) for c in chunks if c.lang == lang)
    stable = units > full_sort_max
    assert got == _reference(chunks, vectors, qvec, qterms, lang, n, stable)
    assert all(cid.startswith(lang) for cid in got)


def test_no_units_in_a_language_recall_nothing():
    chunks, vectors = _index()
    recall = UnitRecall([c for c in chunks if c.lang == "en"], vectors)
    assert recall.chunks(vectors.matrix[0], {"x": 1.0}, "fi", 3) == []
    assert recall.coverage({"x": 1.0}, "fi").size == 0


@pytest.mark.parametrize(
    ("scores", "n", "expected"),
    [
        ([0.1, 0.9, 0.5], 1, [1, 2, 0]),
        ([0.5, 0.5, 0.9, 0.5], 1, [2, 0, 1, 3]),  # ties by position
        ([0.0, -1.0, 2.0, 2.0, 1.0], 2, [2, 3, 4, 0, 1]),
    ],
)
def test_best_first_partial_sort_reads_on_in_order(monkeypatch, scores, n, expected):
    monkeypatch.setattr(extractive, "RECALL_FULL_SORT_MAX", 0)  # the partial sort, in rounds
    assert list(_best_first(np.asarray(scores), n)) == expected


@pytest.mark.parametrize("n", [1, 3, 20])
def test_best_first_over_several_rounds_is_a_stable_sort(monkeypatch, n):
    monkeypatch.setattr(extractive, "RECALL_FULL_SORT_MAX", 0)
    scores = np.round(np.random.default_rng(n).normal(size=500), 1)  # many ties
    assert list(_best_first(scores, n)) == np.argsort(-scores, kind="stable").tolist()
