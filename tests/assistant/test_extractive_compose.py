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


# A paraphrase of a chosen statement is left out, unless it carries a figure the chosen one lacks.
PARAPHRASES = {
    "en": (
        "The hall is funded 60 % by the state and 40 % by the city.",
        "The state funds 60 % of the hall and the city 40 %.",
        "The state funds 60 % of the hall and the city 40 %, at least 25 % from its own budget.",
    ),
    "fi": (
        "Hallin rahoituksesta 60 % tulee valtiolta ja 40 % kaupungilta.",
        "Valtio rahoittaa hallista 60 % ja kaupunki 40 %.",
        "Valtio rahoittaa hallista 60 % ja kaupunki 40 %, omasta budjetistaan vähintään 25 %.",
    ),
    "sv": (
        "Hallen finansieras till 60 % av staten och till 40 % av staden.",
        "Staten finansierar 60 % av hallen och staden 40 %.",
        "Staten finansierar 60 % av hallen och staden 40 %, minst 25 % ur egen budget.",
    ),
}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_paraphrase_is_redundant_unless_it_adds_a_figure(lang):
    import numpy as np

    from assistant.answer.extractive import ExtractiveAnswerer, TermWeights
    from assistant.answer.units import unit_key
    from assistant.store.unit_vectors import UnitVectors

    chosen_text, same, more = PARAPHRASES[lang]
    vec = np.ones(4) / 2.0  # the three are "the same meaning" (cosine 1.0)
    vectors = UnitVectors([unit_key(t) for t in (chosen_text, same, more)], np.vstack([vec] * 3))
    answerer = ExtractiveAnswerer(TermWeights([]), vectors)

    def cand(text: str) -> Candidate:
        chunk = Chunk(chunk_id="h#0", doc_id="h", lang=lang, text=text, urls=["https://a.example/"])
        return Candidate(
            split_units(text)[0], SearchHit(chunk=chunk, score=1.0, rank=1), 0.5, 0, frozenset()
        )

    chosen = [cand(chosen_text)]
    assert answerer._redundant(cand(same), chosen)
    assert not answerer._redundant(cand(more), chosen)


# Two chosen statements, a third that says both together, and that one with a figure added.
TOGETHER = {
    "en": (
        "A company may put money into a project run by an eligible organisation.",
        "Such money counts as private funding.",
        "A company's money in an eligible organisation's project counts as private funding.",
        "A company's money in an eligible organisation's project counts as private funding, "
        "up to 10 %.",
    ),
    "fi": (
        "Yritys voi sijoittaa rahaa tukikelpoisen organisaation hankkeeseen.",
        "Tällainen raha lasketaan yksityiseksi rahoitukseksi.",
        "Yrityksen raha tukikelpoisen organisaation hankkeessa on yksityistä rahoitusta.",
        "Yrityksen raha tukikelpoisen organisaation hankkeessa on yksityistä rahoitusta, "
        "enintään 10 %.",
    ),
    "sv": (
        "Ett företag får satsa pengar i ett projekt som en stödberättigad organisation driver.",
        "Sådana pengar räknas som privat finansiering.",
        "Ett företags pengar i en stödberättigad organisations projekt är privat finansiering.",
        "Ett företags pengar i en stödberättigad organisations projekt är privat finansiering, "
        "högst 10 %.",
    ),
}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_what_two_chosen_statements_say_together_is_redundant(lang):
    import numpy as np

    from assistant.answer.extractive import ExtractiveAnswerer, TermWeights
    from assistant.answer.units import unit_key
    from assistant.store.unit_vectors import UnitVectors

    first, second, both, with_figure = TOGETHER[lang]
    e1, e2, e3 = np.eye(3)
    inside = (e1 + e2) / np.sqrt(2)  # cosine 0.71 to each: no paraphrase of either alone
    outside = (e1 + e2 + e3) / np.sqrt(3)  # a third of it outside their span
    texts = {first: e1, second: e2, both: inside, with_figure: inside}
    vectors = UnitVectors([unit_key(t) for t in texts], np.vstack(list(texts.values())))
    answerer = ExtractiveAnswerer(TermWeights([]), vectors)

    def cand(text: str) -> Candidate:
        chunk = Chunk(chunk_id="h#0", doc_id="h", lang=lang, text=text, urls=["https://a.example/"])
        return Candidate(
            split_units(text)[0], SearchHit(chunk=chunk, score=1.0, rank=1), 0.5, 0, frozenset()
        )

    assert answerer._redundant(cand(both), [cand(first), cand(second)])
    # one chosen statement alone does not span it
    assert not answerer._redundant(cand(both), [cand(first)])
    # a figure none of the chosen ones holds keeps it
    assert not answerer._redundant(cand(with_figure), [cand(first), cand(second)])
    # a statement with a part outside their span is kept
    vectors_out = UnitVectors(
        [unit_key(t) for t in (first, second, both)], np.vstack([e1, e2, outside])
    )
    answerer_out = ExtractiveAnswerer(TermWeights([]), vectors_out)
    assert not answerer_out._redundant(cand(both), [cand(first), cand(second)])
