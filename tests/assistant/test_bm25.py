"""BM25 query terms and ranking per language: function words do not outweigh topic words."""

from __future__ import annotations

import pytest

from assistant.retrieval.bm25 import BM25Index, query_tokens
from assistant.schema import Chunk


@pytest.mark.parametrize(
    ("lang", "query", "tokens"),
    [
        ("en", "Which of the grants would suit our lab?", ["grant", "would", "suit", "lab"]),
        ("fi", "Kenelle tämä avustus sopisi?", ["avustus", "sopi"]),
        ("sv", "Är stödet ett bidrag eller bara ett lån?", ["stöd", "bidrag", "lån"]),
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
            "is it a grant or only a loan?",
            "It is one or the other, or it is neither, or it is both.",
            "The aid is a loan.",
        ),
        (
            "fi",
            "onko se avustus vai vain laina?",
            "Se on joko tai, vai onko se vain se, mikä on.",
            "Tuki on laina.",
        ),
        (
            "sv",
            "är det ett bidrag eller bara ett lån?",
            "Det är ett eller det är bara det, eller ett till, eller bara ett.",
            "Stödet är ett lån.",
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
