"""BM25 query terms and ranking per language: function words do not outweigh topic words."""

from __future__ import annotations

import pytest

from assistant.retrieval.bm25 import BM25Index, query_tokens
from assistant.schema import Chunk


@pytest.mark.parametrize(
    ("lang", "query", "tokens"),
    [
        ("en", "What is the agreement about, and who signed it?", ["agreement", "sign"]),
        ("fi", "Mikä on sopimuksen juridinen luonne?", ["sopimuks", "juridin", "luon"]),
        ("sv", "Är avtalet bindande eller bara en avsikt?", ["avtal", "bind", "avsik"]),
        # Nothing but function words: the query still searches with them.
        ("en", "Who is she?", ["who", "is", "she"]),
        ("fi", "Kuka hän on?", ["kuka", "hän", "on"]),
        ("sv", "Vem är hon?", ["vem", "är", "hon"]),
    ],
)
def test_query_leaves_out_the_languages_function_words(
    lang: str, query: str, tokens: list[str]
) -> None:
    assert query_tokens(query, lang) == tokens


def _chunk(i: int, lang: str, text: str) -> Chunk:
    return Chunk(
        chunk_id=f"d-{lang}#{i}",
        doc_id=f"d-{lang}",
        lang=lang,
        title="",
        section="",
        text=text,
        url="https://example.org/",
        position=i,
    )


@pytest.mark.parametrize(
    ("lang", "query", "filler", "answer"),
    [
        (
            "en",
            "is it binding or only a memorandum?",
            "It is one or the other, or it is neither, or it is both.",
            "The parties signed a memorandum.",
        ),
        (
            "fi",
            "onko se sitova vai vain aiesopimus?",
            "Se on joko tai, vai onko se vain se, mikä on.",
            "Asiakirja on aiesopimus.",
        ),
        (
            "sv",
            "är det bindande eller bara en avsiktsförklaring?",
            "Det är det ena eller det andra, eller bara det, eller en till.",
            "Parterna skrev under en avsiktsförklaring.",
        ),
    ],
)
def test_a_topic_word_outranks_repeated_function_words(
    lang: str, query: str, filler: str, answer: str
) -> None:
    """One index holds every language, so a language's function words are rare across it; the
    text full of them must not outrank the one holding the question's topic word."""
    others = [("en", "A text in English."), ("fi", "Teksti suomeksi."), ("sv", "En text.")]
    chunks = [_chunk(0, lang, filler), _chunk(1, lang, answer)]
    chunks += [_chunk(2 + i, other, text * 3) for i, (other, text) in enumerate(others * 4)]
    best = BM25Index(chunks).search(query, lang, k=3)[0][0]
    assert chunks[best].text == answer
