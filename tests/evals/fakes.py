"""A scripted stand-in for `Assistant`: real `Answer`/`Source`/`Chunk` objects, canned behaviour.

Each question maps to a `Script` saying what to answer, whether to refuse, which chunks to cite
(optionally with a tampered quote) and which documents a search returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.schema import Answer, Chunk, SearchHit, Source


@dataclass
class Script:
    answer: str
    language: str = "en"
    refused: bool = False
    cite: list[str] = field(default_factory=list)  # chunk ids; quote = first sentence of the chunk
    quotes: dict[str, str] = field(default_factory=dict)  # chunk id -> quote to use instead
    retrieved: list[str] = field(default_factory=list)  # chunk ids a search returns, best first
    standalone: str = ""
    next_step: str | None = None


def first_sentence(text: str) -> str:
    return text.split(". ")[0]


class FakeAssistant:
    """Answers from a script and re-reads chunks from a dict, like the real store would."""

    def __init__(self, chunks: Sequence[Chunk], scripts: dict[str, Script]) -> None:
        self.chunks = {c.chunk_id: c for c in chunks}
        self.scripts = scripts
        self.ask_calls: list[tuple[str, dict[str, Any]]] = []
        self.search_calls: list[str] = []

    def ask(self, question: str, **kwargs: Any) -> Answer:
        self.ask_calls.append((question, kwargs))
        script = self.scripts[question]
        sources = []
        for n, chunk_id in enumerate(script.cite, start=1):
            chunk = self.chunks[chunk_id]
            quote = script.quotes.get(chunk_id, first_sentence(chunk.text))
            sources.append(
                Source(
                    n=n,
                    doc_id=chunk.doc_id,
                    chunk_id=chunk_id,
                    title=chunk.title,
                    url=chunk.url,
                    lang=chunk.lang,
                    section=chunk.section,
                    as_of=chunk.as_of,
                    quote=quote,
                    score=1.0 / n,
                )
            )
        return Answer(
            question=question,
            standalone_question=script.standalone or question,
            answer=script.answer,
            language=script.language,
            refused=script.refused,
            sources=sources,
            next_step=script.next_step,
        )

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        self.search_calls.append(query)
        script = next((s for q, s in self.scripts.items() if (s.standalone or q) == query), None)
        ids = script.retrieved if script else []
        return [
            SearchHit(chunk=self.chunks[i], score=1.0 / r, rank=r)
            for r, i in enumerate(ids[:k], start=1)
        ]

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        return {i: self.chunks[i] for i in chunk_ids if i in self.chunks}
