"""The data every channel shares: chunks, search hits, sources and answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, model_validator
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from assistant import packs


def _served(code: str) -> str:
    """The code itself when a pack serves it; else the error a Literal of the codes would give."""
    served = packs.active().languages
    if code not in served:
        quoted = [f"'{lang}'" for lang in served]
        expected = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
        raise PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": expected}
        )
    return code


class _ServedLanguage:
    """A language code that a language pack serves, checked when it is read; the JSON schema
    lists the served codes as its enum (taken when the schema is built)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_served, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema = handler(schema)
        json_schema["enum"] = list(packs.active().languages)
        return json_schema


# The served languages come from the packs (assistant/packs), never from a list in code.
Lang = Annotated[str, _ServedLanguage()]
LANGS: Sequence[str] = packs.LANGUAGES


class Turn(BaseModel):
    """One message of a conversation: role and content only."""

    role: Literal["user", "assistant"]
    content: str


class Contact(BaseModel):
    """A contact person as the corpus's ```contact blocks give them (CONVENTIONS.md).

    Refusals and "who can help" lines are built from these fields, never from free sentences.
    """

    name: str
    role: str
    organisation: str
    phone: str = ""
    topics: list[str] = Field(default_factory=list)
    source: str = ""

    def line(self) -> str:
        """The one visible line the block becomes in the text (what a citation quotes)."""
        fields = [self.name, self.role, self.organisation, self.phone]
        return ", ".join(f for f in fields if f) + "."

    def profile(self) -> str:
        """What to ask this person about, as one text to embed (role, organisation, topics)."""
        return f"{self.role}, {self.organisation}: {', '.join(self.topics)}"


class Chunk(BaseModel):
    """A retrievable piece of a document, with what a citation needs.

    `urls` are the pages that state the chunk's text (its source marker, else the document's
    front-matter sources); `url` is always `urls[0]`. A chunk never mixes text of two markers.
    """

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
    urls: list[str] = Field(default_factory=list)
    contact: Contact | None = None

    @model_validator(mode="after")
    def _url_is_first_of_urls(self) -> Chunk:
        """Older manifests and stores know only `url`; a chunk with `urls` takes url from it."""
        if self.urls:
            self.url = self.urls[0]
        elif self.url:
            self.urls = [self.url]
        return self


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
    urls: list[str] = Field(
        default_factory=list,
        description="Pages that state the quote; the first is `url`.",
    )
    contact: Contact | None = Field(
        None, description="The contact person this source names (refusals, who can help)."
    )


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

    def reply(self) -> str:
        """What a user reads: the answer, then the next step as its own paragraph. Every channel
        shows this, and the evals score it."""
        return self.answer.strip() + self.reply_tail()

    def reply_tail(self) -> str:
        """What follows the answer's text in the reply: the next step (the asker's route), unless
        the answer already holds it."""
        step = (self.next_step or "").strip()
        return f"\n\n{step}" if step and step not in self.answer else ""
