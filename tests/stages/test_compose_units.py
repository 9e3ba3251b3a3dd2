"""Compose on hand-made drafts, table-driven in en, fi and sv: a lead that opens with a person
pronoun is preceded by the sentence it points back to, cited from the same chunk."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.extractive import Candidate, Selection
from assistant.answer.units import split_units
from assistant.schema import Chunk, Contact, SearchHit, Source
from assistant.stages.compose import ExtractiveComposer, fewest_pages
from assistant.stages.decide import Draft
from assistant.understand.features import Observation

# Sentences of a realistic length (the unit splitter keeps very short ones together).
CASES = [
    (
        "en",
        "Anna Virtanen has been a senior adviser at the City of Tampere since 2019. "
        "She prepared both decisions on the ecosystem agreement.",
        True,
    ),
    (
        "fi",
        "Anna Virtanen on toiminut Tampereen kaupungin erityisasiantuntijana vuodesta 2019. "
        "Hän valmisteli molemmat ekosysteemisopimusta koskevat päätökset.",
        True,
    ),
    (
        "sv",
        "Anna Virtanen är specialsakkunnig vid Tammerfors stad sedan år 2019. "
        "Hon beredde båda besluten om ekosystemavtalet.",
        True,
    ),
    (
        "en",
        "Anna Virtanen has been a senior adviser at the City of Tampere since 2019. "
        "In a press release of 2024 she explained how applications are assessed.",
        True,
    ),
    (
        "fi",
        "Anna Virtanen on toiminut Tampereen kaupungin erityisasiantuntijana vuodesta 2019. "
        "Vuoden 2024 tiedotteessa hän kertoi, miten hakemukset arvioidaan.",
        True,
    ),
    (
        "sv",
        "Anna Virtanen är specialsakkunnig vid Tammerfors stad sedan år 2019. "
        "I ett pressmeddelande år 2024 berättade hon hur ansökningarna bedöms.",
        True,
    ),
    (
        "en",
        "The City of Tampere made two decisions about the agreement in 2021. "
        "Anna Virtanen said she prepared both of them in the same office.",
        False,
    ),
    (
        "en",
        "The City of Tampere made two decisions about the agreement in 2021. "
        "Both were prepared by the same office of the city.",
        False,
    ),
    (
        "fi",
        "Tampereen kaupunki teki sopimuksesta kaksi päätöstä vuonna 2021. "
        "Molemmat valmisteli sama kaupungin toimisto.",
        False,
    ),
    (
        "sv",
        "Tammerfors stad fattade två beslut om avtalet år 2021. "
        "Båda bereddes av samma kontor vid staden.",
        False,
    ),
]


def _compose(lang: str, text: str):
    chunk = Chunk(chunk_id="doc#1", doc_id="doc", text=text, lang=lang, urls=["https://x.fi/a"])
    hit = SearchHit(chunk=chunk, score=1.0, rank=1)
    second = split_units(text)[1]
    lead = Candidate(second, hit, 0.9, 1.0, frozenset(), 1.0)
    obs = Observation("q", "q", lang, np.zeros(3), [hit], Selection())
    draft = Draft([(lead, "answer")], refused=False, reason=None, other_language=False)
    return ExtractiveComposer().compose(draft, obs, None), split_units(text)


@pytest.mark.parametrize(("lang", "text", "pronoun"), CASES)
def test_a_pronoun_lead_gets_the_sentence_it_points_back_to(lang, text, pronoun):
    (answer, sources), units = _compose(lang, text)
    first, second = units[0].text, units[1].text
    if pronoun:
        assert answer == f"{first} [1]\n\n{second} [1]"
    else:
        assert answer == f"{second} [1]"
    assert len(sources) == 1 and sources[0].quote in text


def _source(n: int, urls: list[str], contact: bool = False, lang: str = "en") -> Source:
    person = Contact(name="Anna A", role="adviser", organisation="City of X", source=urls[0])
    return Source(
        n=n,
        doc_id="d-en",
        chunk_id=f"c{n}",
        title="t",
        url=urls[0],
        lang=lang,
        section="s",
        as_of="2024-01-01",
        quote="q",
        score=1.0,
        urls=urls,
        contact=person if contact else None,
    )


A, B, C, D = (f"https://example.org/{p}" for p in "abcd")
FEWEST = [
    # (each source's section urls, contact?) -> the url each source links to
    ([[A], [B, A]], [A, A]),  # the second section's list names the first's page
    ([[A, B], [C, B]], [B, B]),  # both lists share one page: both link to it
    ([[A, B], [C, D]], [A, C]),  # nothing shared: each list's first page
    ([[A, B], [B]], [B, B]),
    ([[B], [C, B]], [B, B]),
]


@pytest.mark.parametrize(("lists", "expected"), FEWEST)
def test_an_answer_links_to_the_fewest_pages_its_sections_list(lists, expected):
    sources = fewest_pages([_source(n, urls) for n, urls in enumerate(lists, start=1)])
    assert [s.url for s in sources] == expected
    for source, urls in zip(sources, lists, strict=True):
        assert source.urls[0] == source.url and sorted(source.urls) == sorted(urls)


FI, SV, EN = (f"https://example.org/{p}" for p in ("rahoitus", "sv/finansiering", "en/funding"))
LANGUAGE_PAGES = [
    # (the quoted sentence's language, its section's urls) -> the url it links to
    ("sv", [FI, SV, EN], SV),  # the Swedish page for a Swedish sentence
    ("en", [FI, SV, EN], EN),
    ("fi", [SV, EN, FI], FI),  # no language in the path: the site's default-language page
    ("fi", [SV, EN], SV),  # none in the sentence's language: the first page, as before
]


@pytest.mark.parametrize(("lang", "urls", "expected"), LANGUAGE_PAGES)
def test_among_pages_shared_equally_the_quotes_language_wins(lang, urls, expected):
    assert fewest_pages([_source(1, urls, lang=lang)])[0].url == expected


def test_a_page_more_sources_share_outranks_the_language():
    sources = fewest_pages([_source(1, [FI, SV], lang="sv"), _source(2, [FI], lang="sv")])
    assert [s.url for s in sources] == [FI, FI]


def test_a_contact_line_keeps_the_page_that_states_the_person():
    sources = fewest_pages([_source(1, [B]), _source(2, [A, B], contact=True)])
    assert [s.url for s in sources] == [B, A]
