"""Evidence selection: the next paragraph of the lead's section joins the answer on a looser
margin only when it cites a page the answer already cites; a paragraph citing another page, of
the same site or another, is background about something else ("VTT took part in the
negotiations" after "VTT is a limited company") and does not join, however close (issue 10:
citations to the page that states the answer). Table-driven in en, fi and sv; texts invented."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.extractive import ExtractiveAnswerer, TermWeights
from assistant.answer.units import unit_key
from assistant.schema import Chunk, SearchHit
from assistant.store.unit_vectors import UnitVectors
from tests.assistant.unit_space import unit_vector

# question; the lead paragraph; the section's next paragraph (its own source marker)
CASES = {
    "en": (
        "What kind of body is the Lakeside Institute?",
        "The Lakeside Institute is a limited company owned by the state.",
        "The Lakeside Institute also took part in the talks on the regional plan.",
    ),
    "fi": (
        "Millainen toimija Rantainstituutti on?",
        "Rantainstituutti on valtion omistama osakeyhtiö.",
        "Rantainstituutti osallistui myös alueen suunnitelman neuvotteluihin.",
    ),
    "sv": (
        "Vad är Strandinstitutet för slags organ?",
        "Strandinstitutet är ett aktiebolag som ägs av staten.",
        "Strandinstitutet deltog också i förhandlingarna om den regionala planen.",
    ),
}


def _select(lang: str, next_url: str, next_sim: float = 0.74) -> list[str]:
    question, lead, nxt = CASES[lang]
    first = Chunk(
        chunk_id="org#0",
        doc_id="org",
        lang=lang,
        section="Institute",
        text=lead,
        position=0,
        urls=["https://institute.example/about"],
    )
    second = Chunk(
        chunk_id="org#1",
        doc_id="org",
        lang=lang,
        section="Institute",
        text=nxt,
        position=1,
        urls=[next_url],
    )
    # The next paragraph is 0.06 less close: within the next-paragraph margin, not the plain one.
    sims = {lead: 0.80, nxt: next_sim}
    vectors = UnitVectors(
        [unit_key(t) for t in sims],
        np.vstack([unit_vector(s, i + 1, 3) for i, s in enumerate(sims.values())]),
    )
    answerer = ExtractiveAnswerer(TermWeights([first, second]), vectors)
    hits = [SearchHit(chunk=first, score=1.0, rank=1), SearchHit(chunk=second, score=0.9, rank=1)]
    chosen = answerer.select(question, np.array([1.0, 0.0, 0.0]), hits, lang).chosen
    return [c.unit.text for c in chosen]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_the_next_paragraph_citing_the_leads_page_completes_the_lead(lang):
    _, lead, nxt = CASES[lang]
    assert _select(lang, "https://www.institute.example/about/") == [lead, nxt]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
@pytest.mark.parametrize(
    "url", ["https://www.institute.example/history", "https://agreement.example/page"]
)
def test_the_next_paragraph_citing_another_page_is_left_out(lang, url):
    _, lead, _ = CASES[lang]
    assert _select(lang, url) == [lead]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_pages_paragraph_closer_than_the_lead_is_still_left_out(lang):
    _, lead, _ = CASES[lang]
    assert _select(lang, "https://www.institute.example/history", next_sim=0.80) == [lead]
