"""Evidence selection after the lead: another site's statement never joins the lead, not by being
nearly as close and not by holding words of another part of the question, while the lead's own
passage's next sentence still completes it (issue 10: citations to the page that states the
answer); only the lead ranking's fitted score within its fitted join margin admits it (issue 12:
the other part of a question asking two things). Table-driven in en, fi and sv; the texts are
invented."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.extractive import ExtractiveAnswerer, TermWeights
from assistant.answer.lead import FEATURES, LeadModel, LeadRanker
from assistant.answer.units import unit_key
from assistant.schema import Chunk, SearchHit
from assistant.store.unit_vectors import UnitVectors
from tests.assistant.unit_space import unit_vector

# question; the lead (a date) and its passage's next sentence (page A); another page's near
# statement on the same hall (page B)
CASES = {
    "en": (
        "When does the Lakeside hall open?",
        "The Lakeside hall opens on 1.3.2027.",
        "The Lakeside hall opening has a concert.",
        "The Lakeside hall opening was planned by the city.",
    ),
    "fi": (
        "Milloin Rantahalli avataan?",
        "Rantahalli avataan 1.3.2027.",
        "Rantahalli avataan konsertilla.",
        "Rantahalli avataan kaupungin suunnitelman mukaan.",
    ),
    "sv": (
        "När öppnar Strandhallen?",
        "Strandhallen öppnar den 1.3.2027.",
        "Strandhallen öppnar med en konsert.",
        "Strandhallen öppnar enligt stadens plan.",
    ),
}


# The same hall asked about twice: when it opens, and who planned it (another page says that).
TWO_PARTS = {
    "en": "When does the Lakeside hall open, and who planned it?",
    "fi": "Milloin Rantahalli avataan, ja kuka sen suunnitteli?",
    "sv": "När öppnar Strandhallen, och vem planerade den?",
}
PLANNED = {
    "en": "The Lakeside hall was planned by the city.",
    "fi": "Rantahallin suunnitteli kaupunki.",
    "sv": "Strandhallen planerades av staden.",
}


def _select(
    lang: str, kinds: dict[str, float], two_parts: bool = False, join_margin: float | None = None
):
    question, lead, nxt, other = CASES[lang]
    if two_parts:
        question, other = TWO_PARTS[lang], PLANNED[lang]
    page_a = Chunk(
        chunk_id="a#0",
        doc_id="a",
        lang=lang,
        section="Hall",
        text=f"{lead} {nxt}",
        urls=["https://a.example/"],
    )
    page_b = Chunk(
        chunk_id="b#0",
        doc_id="b",
        lang=lang,
        section="Hall",
        text=other,
        urls=["https://b.example/"],
    )
    # Asked about in a part of its own, the other page's statement is far from the lead's score:
    # only the words of that part it holds could admit it (they no longer do).
    sims = {lead: 0.80, nxt: 0.74, other: 0.70 if two_parts else 0.79}
    vectors = UnitVectors(
        [unit_key(t) for t in sims],
        np.vstack([unit_vector(s, i + 1, 4) for i, s in enumerate(sims.values())]),
    )
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("score_gap")] = 1.0
    ranker = LeadRanker(LeadModel(FEATURES, weights, join_margin=join_margin), lambda vec: kinds)
    answerer = ExtractiveAnswerer(TermWeights([page_a, page_b]), vectors, lead=ranker)
    hits = [SearchHit(chunk=page_a, score=1.0, rank=1), SearchHit(chunk=page_b, score=0.9, rank=2)]
    chosen = answerer.select(question, np.array([1.0, 0.0, 0.0, 0.0]), hits, lang).chosen
    return [c.unit.text for c in chosen], (lead, nxt, other)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_lead_holding_the_asked_fact_keeps_its_passage_not_another_pages_near_statement(lang):
    texts, (lead, nxt, other) = _select(lang, {"date": 0.9, "yesno": 0.1})
    assert texts[0] == lead
    assert nxt in texts
    assert other not in texts


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_sites_near_statement_does_not_join_by_closeness_alone(lang):
    texts, (lead, nxt, other) = _select(lang, {"yesno": 1.0})
    assert texts[0] == lead
    assert other not in texts


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_sites_statement_on_another_part_of_the_question_does_not_join(lang):
    # Holding the question's words the lead lacks once admitted it: over train and retired
    # sealed questions such joins seldom brought a key fact and mostly brought an aside.
    texts, (lead, nxt, other) = _select(lang, {"date": 0.5, "person": 0.5}, two_parts=True)
    assert texts[0] == lead
    assert nxt in texts
    assert other not in texts


# The fitted score here is the hand-set score's gap to the best: the other page's statement,
# 0.01 less close, scores a little below the lead.
@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_pages_statement_within_the_fitted_join_margin_joins(lang):
    texts, (lead, _, other) = _select(lang, {"yesno": 1.0}, join_margin=1.0)
    assert texts[0] == lead
    assert other in texts


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_pages_statement_beyond_the_fitted_join_margin_stays_out(lang):
    texts, (lead, _, other) = _select(lang, {"yesno": 1.0}, join_margin=0.0)
    assert texts[0] == lead
    assert other not in texts


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_within_the_join_margin_a_settled_lead_still_takes_no_less_close_statement(lang):
    # The join margin lifts only the page rule: a lead holding the asked fact still admits
    # another page's statement only at its own score or above.
    texts, (lead, nxt, other) = _select(lang, {"date": 0.9, "yesno": 0.1}, join_margin=1.0)
    assert texts[0] == lead
    assert nxt in texts
    assert other not in texts
