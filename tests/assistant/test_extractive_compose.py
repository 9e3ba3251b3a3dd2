"""Composition: which neighbouring statement gets the neighbour allowance (issue 12).

A statement continues a chosen one when it is the next unit of the same passage (same pages);
the paragraph right after it may complete it too; a paragraph from another page BEFORE it (a
section's introduction) gets no allowance, so it never rides along on closeness alone.
"""

from __future__ import annotations

import pytest

from assistant.answer.extractive import Candidate, _continues, _follows
from assistant.answer.units import split_units
from assistant.schema import Chunk, SearchHit

SECTIONS = {
    "en": ("## Validity", "The agreement runs until 31.12.2027.", "It was signed in 2021."),
    "fi": ("## Voimassaolo", "Sopimus on voimassa 31.12.2027 asti.", "Se allekirjoitettiin 2021."),
    "sv": ("## Giltighet", "Avtalet gäller till 31.12.2027.", "Det undertecknades 2021."),
}


def _candidates(lang: str) -> tuple[list[Candidate], dict[int, int]]:
    """Intro paragraph (page A), then a two-sentence paragraph (page B), one section."""
    heading, first, second = SECTIONS[lang]
    intro = Chunk(
        chunk_id="d#0",
        doc_id="d",
        lang=lang,
        position=0,
        section=heading[3:],
        text=f"{heading}\n\nThe section's introduction.",
        urls=["https://a.example/"],
    )
    body = Chunk(
        chunk_id="d#1",
        doc_id="d",
        lang=lang,
        position=1,
        section=heading[3:],
        text=f"{heading}\n\n{first} {second}",
        urls=["https://b.example/"],
    )
    out = []
    for chunk in (intro, body):
        hit = SearchHit(chunk=chunk, score=1.0, rank=1)
        out += [Candidate(u, hit, 0.5, 0.0, frozenset()) for u in split_units(chunk.text)]
    place = {id(c): i for i, c in enumerate(out)}
    return out, place


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_next_sentence_of_the_same_passage_continues_it(lang):
    (_, lead, nxt), place = _candidates(lang)
    assert _continues(nxt, lead, place) and _continues(lead, nxt, place)
    assert _follows(nxt, lead, place) and not _follows(lead, nxt, place)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_another_pages_paragraph_before_the_lead_neither_continues_nor_follows(lang):
    (intro, lead, _), place = _candidates(lang)
    assert not _continues(intro, lead, place)
    assert not _follows(intro, lead, place)
    # ... while the paragraph after another page's paragraph follows it (the next paragraph).
    assert _follows(lead, intro, place) and not _continues(lead, intro, place)
