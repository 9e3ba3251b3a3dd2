"""Evidence selection: a lone lead statement gets the closest other statement of its own page when
that one is nearly as close (`lone_margin`), never another page's. Table-driven in en, fi and sv;
the texts are invented."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.extractive import ExtractiveAnswerer, TermWeights
from assistant.answer.units import unit_key
from assistant.schema import SearchHit
from assistant.store.unit_vectors import UnitVectors
from tests.assistant.unit_space import page_chunk, unit_vector

# question; the lead; a statement of the same page in another section; another page's statement
CASES = {
    "en": (
        "What does the Lakeside hall offer?",
        "The Lakeside hall offers a concert stage.",
        "The Lakeside hall also rents out rooms for courses.",
        "Parking near the Lakeside hall is free on Sundays.",
    ),
    "fi": (
        "Mitä Rantahalli tarjoaa?",
        "Rantahalli tarjoaa konserttilavan.",
        "Rantahalli vuokraa myös kurssitiloja.",
        "Rantahallin lähellä pysäköinti on sunnuntaisin ilmaista.",
    ),
    "sv": (
        "Vad erbjuder Strandhallen?",
        "Strandhallen erbjuder en konsertscen.",
        "Strandhallen hyr också ut rum för kurser.",
        "Parkeringen vid Strandhallen är gratis på söndagar.",
    ),
}


def _select(
    lang: str,
    same_page: float,
    other_page: float,
    lone_margin: float = 0.15,
    own_url: str = "https://a.example/",
    echo: bool = False,
):
    question, lead, own, other = CASES[lang]
    page_a = "https://a.example/"
    chunks = [
        page_chunk("a#0", lang, lead, page_a, "Hall"),
        page_chunk("a#1", lang, own, own_url, "Courses", position=5),
        page_chunk("b#0", lang, other, "https://b.example/", "Harbour"),
    ]
    sims = {lead: 0.80, own: same_page, other: other_page}
    if echo:
        # The lead again, worded as in another document of the same page: it adds nothing.
        chunks.append(page_chunk("c#0", lang, f"{lead} ", page_a, "Hall"))
    vectors = UnitVectors(
        [unit_key(t) for t in sims],
        np.vstack([unit_vector(s, i + 1, 4) for i, s in enumerate(sims.values())]),
    )
    answerer = ExtractiveAnswerer(TermWeights(chunks), vectors, lone_margin=lone_margin)
    # The same rank for every hit: only meaning and the page decide.
    hits = [SearchHit(chunk=c, score=1.0, rank=1) for c in chunks]
    chosen = answerer.select(question, np.array([1.0, 0.0, 0.0, 0.0]), hits, lang).chosen
    return [c.unit.text for c in chosen], (lead, own, other)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_lone_lead_gets_its_own_pages_nearly_as_close_statement(lang):
    texts, (lead, own, other) = _select(lang, same_page=0.75, other_page=0.60)
    assert texts == [lead, own]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_without_the_lone_margin_the_lead_stays_alone(lang):
    texts, (lead, own, other) = _select(lang, same_page=0.75, other_page=0.60, lone_margin=0.0)
    assert texts == [lead]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_far_statement_of_the_same_page_does_not_join(lang):
    texts, (lead, own, other) = _select(lang, same_page=0.55, other_page=0.50)
    assert texts == [lead]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_pages_closer_statement_never_joins_a_lone_lead(lang):
    texts, (lead, own, other) = _select(lang, same_page=0.75, other_page=0.78)
    assert other not in texts
    assert texts == [lead, own]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_the_same_page_written_without_its_trailing_slash_is_the_same_page(lang):
    texts, (lead, own, other) = _select(
        lang, same_page=0.75, other_page=0.60, own_url="https://www.a.example"
    )
    assert texts == [lead, own]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_statement_repeating_the_lead_is_passed_over_for_the_next_one(lang):
    texts, (lead, own, other) = _select(lang, same_page=0.75, other_page=0.60, echo=True)
    assert texts == [lead, own]
