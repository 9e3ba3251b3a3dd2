"""The data every channel shares: chunks, search hits, sources and answers."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

Lang = Literal["en", "fi", "sv"]
LANGS: tuple[str, ...] = ("en", "fi", "sv")


class Turn(BaseModel):
    """One message of a conversation: role and content only."""

    role: Literal["user", "assistant"]
    content: str


class Chunk(BaseModel):
    """A retrievable piece of a document, with what a citation needs."""

    chunk_id: str
    doc_id: str
    text: str
    title: str = ""
    lang: str = "en"
    section: str = ""
    url: str = ""
    as_of: str = ""
    position: int = 0
    translation_of: str = ""
    source_path: str = ""


class SearchHit(BaseModel):
    """A chunk with its fused score and rank."""

    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    bm25_rank: int | None = None


class Source(BaseModel):
    """A numbered citation: the chunk a statement came from and the quote it rests on."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    url: str
    lang: str
    section: str
    as_of: str
    quote: str
    score: float


class HistoryUse(BaseModel):
    """How much of the conversation fed follow-up resolution (bounded, see assistant/bounds.py)."""

    given: int = Field(description="Earlier messages the request carried or the session held.")
    used: int = Field(
        description="The most recent of them that were read (MAX_HISTORY_TURNS, MAX_HISTORY_CHARS)."
    )
    truncated: bool = Field(
        description="True when older messages were left out or the oldest one read was cut short."
    )


class Answer(BaseModel):
    """What the assistant says, in one shape for the CLI, the API, the bot and the evals."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    question: str
    standalone_question: str
    answer: str
    language: Lang
    refused: bool
    sources: list[Source] = Field(default_factory=list)
    next_step: str | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
    history: HistoryUse | None = Field(
        None, description="How much of the conversation was read; absent without history."
    )
