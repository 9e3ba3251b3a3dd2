"""Answerability features, measured on small real selections in en, fi and sv."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.extractive import Candidate, Selection, TermWeights
from assistant.answer.units import split_units
from assistant.schema import Chunk, SearchHit
from assistant.understand.features import FEATURES, answerability_features, as_row

TEXTS = {
    "en": (
        "The call closed on 6.5.2022. Applications were assessed by the Council.",
        "When did the call close?",
        "Who paints the bridges?",
    ),
    "fi": (
        "Haku päättyi 6.5.2022. Hakemukset arvioi maakunnan liitto.",
        "Milloin haku päättyi?",
        "Kuka maalaa sillat?",
    ),
    "sv": (
        "Ansökan stängde 6.5.2022. Ansökningarna bedömdes av förbundet.",
        "När stängde ansökan?",
        "Vem målar broarna?",
    ),
}


def _selection(lang: str, text: str, question: str, dense: list[float], bm25: int | None):
    chunk = Chunk(chunk_id=f"c-{lang}", doc_id=f"d-{lang}", text=text, lang=lang)
    weights = TermWeights([chunk, Chunk(chunk_id="o", doc_id="o", text="Other text.", lang=lang)])
    hit = SearchHit(chunk=chunk, score=0.03, rank=1, dense_rank=1, bm25_rank=bm25)
    qterms = weights.content(question, lang)
    qtotal = sum(qterms.values())
    from assistant.retrieval.bm25 import tokenize

    cands = []
    for unit, d in zip(split_units(text), dense, strict=True):
        terms = frozenset(tokenize(f"{unit.heading} {unit.text}", lang))
        coverage = sum(w for t, w in qterms.items() if t in terms) / qtotal
        cands.append(Candidate(unit, hit, d, coverage, terms, d))
    cands.sort(key=lambda c: -c.score)
    return Selection(chosen=cands[:1], candidates=cands, question_terms=qterms), [hit], weights


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_date_question_with_a_date_in_evidence(lang: str) -> None:
    text, question, _ = TEXTS[lang]
    selection, hits, weights = _selection(lang, text, question, [0.9, 0.8], bm25=1)
    f = answerability_features(question, lang, hits, selection, weights, {"date": 0.9})
    assert list(f) == list(FEATURES)
    assert f["dense_best"] == pytest.approx(0.9)
    assert f["dense_margin"] == pytest.approx(0.05)
    assert f["fact_missing"] == 0.0
    assert f["rank_agreement"] == 1.0 and f["lexical_share"] == 1.0
    assert f["coverage_evidence"] > 0.3
    assert f["vocabulary"] > 0.3
    assert f["other_language"] == 0.0
    assert as_row(f).shape == (len(FEATURES),)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_date_question_whose_evidence_holds_no_date(lang: str) -> None:
    text, question, _ = TEXTS[lang]
    second = text.split(". ", 1)[1]
    selection, hits, weights = _selection(lang, second, question, [0.85], bm25=None)
    f = answerability_features(
        question, lang, hits, selection, weights, {"date": 0.8, "out_of_scope": 0.1}
    )
    assert f["fact_missing"] == pytest.approx(0.8)  # P(date); P(out_of_scope) needs no fact
    assert f["rank_agreement"] == 0.0 and f["lexical_share"] == 0.0
    assert f["p_out_of_scope"] == pytest.approx(0.1)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_an_unrelated_question_covers_little(lang: str) -> None:
    text, _, unrelated = TEXTS[lang]
    selection, hits, weights = _selection(lang, text, unrelated, [0.8, 0.78], bm25=None)
    f = answerability_features(unrelated, lang, hits, selection, weights, {"person": 0.9})
    assert f["coverage_evidence"] == 0.0
    assert f["vocabulary"] == 0.0
    assert f["missing_top"] > 0.3
    assert f["fact_missing"] == pytest.approx(0.9)


def test_no_evidence_gives_the_nothing_found_values() -> None:
    weights = TermWeights([Chunk(chunk_id="o", doc_id="o", text="Some text.", lang="en")])
    f = answerability_features("Anything?", "en", [], Selection(), weights, {"date": 1.0})
    assert f["dense_best"] == 0.0 and f["dense_lead"] == 0.0
    assert f["fact_missing"] == 1.0
    assert np.isfinite(as_row(f)).all()


# a question naming a number the evidence holds, and one naming a number it does not
NUMBERS = {
    "en": ("Did the call close in 2022?", "Did the call close in 2024?"),
    "fi": ("Päättyikö haku vuonna 2022?", "Päättyikö haku vuonna 2024?"),
    "sv": ("Stängde ansökan år 2022?", "Stängde ansökan år 2024?"),
}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_number_the_question_names_and_the_evidence_lacks(lang: str) -> None:
    text = TEXTS[lang][0]
    held, missing = NUMBERS[lang]
    for question, expected in ((held, 0.0), (missing, 1.0), (TEXTS[lang][1], 0.0)):
        selection, hits, weights = _selection(lang, text, question, [0.9, 0.8], bm25=1)
        f = answerability_features(question, lang, hits, selection, weights, {"date": 0.9})
        assert f["number_missing"] == expected, question


# (lang, evidence, a date question about what the evidence dates, one about something it does not)
APART = [
    (
        "en",
        "The first call closed on 6.5.2022.",
        "When did the first call close?",
        "When did the harbourmaster retire?",
    ),
    (
        "fi",
        "Ensimmäinen haku päättyi 6.5.2022.",
        "Milloin ensimmäinen haku päättyi?",
        "Milloin satamakapteeni jäi eläkkeelle?",
    ),
    (
        "sv",
        "Den första ansökan stängde 6.5.2022.",
        "När stängde den första ansökan?",
        "När gick hamnkaptenen i pension?",
    ),
]


@pytest.mark.parametrize(("lang", "text", "bound", "apart"), APART)
def test_a_fact_of_the_asked_sort_about_something_else(lang, text, bound, apart) -> None:
    """The evidence holds a date, but not the question's rarest term: the date is another's."""
    for question, expected in ((bound, 0.0), (apart, 0.7)):
        selection, hits, weights = _selection(lang, text, question, [0.8], bm25=1)
        f = answerability_features(question, lang, hits, selection, weights, {"date": 0.7})
        assert f["fact_missing"] == 0.0
        assert f["fact_apart"] == pytest.approx(expected), question
