"""TermWeights.known: a term is in the documents alone or as the parts of a compound they do not
write themselves (Finnish and Swedish form compounds freely: a plain question must not look
off-topic for it). Table-driven in en, fi and sv; the documents are invented."""

from __future__ import annotations

import pytest

from assistant.answer.extractive import COMPOUND_MAX, TermWeights
from assistant.retrieval.bm25 import tokenize
from assistant.schema import Chunk

DOCS = {
    "en": "The harbour authority runs the ferry terminal. Its board meets in spring.",
    "fi": "Satama ylläpitää lauttaterminaalia. Lautta kulkee. Hallitus kokoontuu keväällä. Sopimus "
    "koskee innovaatiotoimintaa.",
    "sv": "Ett hamnverk driver färjeterminalen. Styrelsen möts på våren. Avtalet gäller "
    "innovationer och ekosystem.",
}

# (lang, word as a user writes it, known?)
CASES = [
    ("en", "harbour", True),  # a document word
    ("en", "harbourboard", True),  # two document words written together
    ("en", "sauna", False),
    ("en", "saunaterminal", False),  # one part unknown: not a compound of the documents
    ("fi", "lauttaterminaalissa", True),  # an inflected document word
    ("fi", "satamahallitus", True),  # satama + hallitus, never written so
    ("fi", "satamalauttaterminaali", True),  # satama + lautta + terminaali
    ("fi", "koirapuisto", False),
    ("fi", "hallituskoira", False),
    ("sv", "färjeterminalen", True),
    ("sv", "hamnverksstyrelsen", True),  # a linking -s- between the parts
    ("sv", "innovationsekosystemet", True),
    ("sv", "spårvagnsbiljett", False),
]


@pytest.mark.parametrize(("lang", "word", "known"), CASES)
def test_known_terms_and_compounds(lang: str, word: str, known: bool):
    weights = TermWeights([Chunk(chunk_id=f"{lang}#0", doc_id=lang, text=DOCS[lang], lang=lang)])
    terms = tokenize(word, lang)
    assert len(terms) == 1, terms
    assert weights.known(terms[0]) is known


def test_a_term_longer_than_the_bound_is_never_split():
    text = "alpha beta gamma delta"
    weights = TermWeights([Chunk(chunk_id="x#0", doc_id="x", text=text, lang="en")])
    long_term = "alpha" * (COMPOUND_MAX // 5 + 1)
    assert len(long_term) > COMPOUND_MAX
    assert not weights.known(long_term)
    assert weights.known("alphabeta")


# (lang, question, the content terms it stands for, as the documents write them)
PART_CASES = [
    ("en", "Who leads the harbourboard?", "harbour board lead"),
    ("fi", "Mikä on satamahallitus?", "satama hallitus"),
    ("sv", "Vad gör hamnverksstyrelsen?", "hamnverk styrelsen"),
    ("sv", "Vilken spårvagnsbiljett?", "spårvagnsbiljett"),  # not the documents' parts: kept
]


@pytest.mark.parametrize(("lang", "question", "terms"), PART_CASES)
def test_a_compound_stands_as_its_known_parts(lang: str, question: str, terms: str):
    weights = TermWeights([Chunk(chunk_id=f"{lang}#0", doc_id=lang, text=DOCS[lang], lang=lang)])
    assert set(weights.content(question, lang)) == set(tokenize(terms, lang))


# (lang, question, its words less the function words, in the order the question writes them)
ORDER_CASES = [
    ("en", "Does the ferry board meet the harbour board?", "ferry board meet harbour"),
    (
        "fi",
        "Kokoontuuko hallitus satamassa vai lautalla?",
        "Kokoontuuko hallitus satamassa lautalla",
    ),
    (
        "sv",
        "Möts styrelsen vid färjeterminalen eller hamnverket?",
        "Möts styrelsen färjeterminalen hamnverket",
    ),
]


@pytest.mark.parametrize(("lang", "question", "terms"), ORDER_CASES)
def test_content_terms_keep_the_questions_order(lang: str, question: str, terms: str):
    """The terms come in the question's order, never a set's: sums over their weights then add in
    one order in every process (a set's order follows the string hash seed)."""
    weights = TermWeights([Chunk(chunk_id=f"{lang}#0", doc_id=lang, text=DOCS[lang], lang=lang)])
    got = list(weights.content(question, lang))
    assert got == tokenize(terms, lang)
