"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.feedback import MAX_COMMENT_CHARS
from assistant.schema import Answer, Lang

SESSION_ID_DOC = (
    "Session id issued by this server: send back the `session_id` of the previous response to "
    "continue that conversation (server-side memory of the last turns, forgotten after "
    "MEMORY_TTL_MINUTES idle minutes). Ids are random (192 bits) and only the server makes them: "
    "an id it never issued, or one that expired, starts a new conversation under a new id."
)

# The static ceiling of one message; MAX_MESSAGE_CHARS (settings) may only lower it.
MESSAGE_MAX_CHARS = 20_000


class Message(BaseModel):
    """One earlier message of the conversation, oldest first."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(
        max_length=MESSAGE_MAX_CHARS,
        description="At most MAX_MESSAGE_CHARS characters (default and ceiling 20000).",
    )


class AskRequest(BaseModel):
    """A question, with either the conversation so far (`history`) or a server-side `session_id`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "What are the strategic priorities of the agreement?", "lang": "en"}
            ]
        },
    )

    question: str = Field(
        min_length=1,
        description="The question; at most MAX_QUESTION_CHARS characters (default 2000).",
    )
    history: list[Message] | None = Field(
        None,
        description=(
            "Earlier messages, oldest first, each within MAX_MESSAGE_CHARS. Any number is "
            "accepted (within the body cap); the newest MAX_HISTORY_TURNS messages and "
            "MAX_HISTORY_CHARS characters are read, and the answer's `history` says how many. "
            "When given it wins over session_id's server-side memory."
        ),
    )
    lang: Lang | None = Field(
        None,
        description=(
            "Answer language (a served language pack's code, e.g. en, fi or sv); omit to answer "
            "in the question's language."
        ),
    )
    session_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description=SESSION_ID_DOC + " Omit it to start a conversation.",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty or only whitespace")
        return value.strip()


class AskResponse(Answer):
    """The answer, plus the session id to send with the next question of this conversation."""

    session_id: str = Field(
        description=(
            "The conversation's session id: the one sent, when this server issued it and it is "
            "still live; otherwise a new one. Send it back as `session_id` with a follow-up."
        ),
        examples=["3q2-7wzE0mQx5f1hN9rVb8KcT4yLpJ6a"],
    )


class FeedbackRequest(BaseModel):
    """A thumb on an answer the API gave, by the answer's id."""

    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS)


class FeedbackResponse(BaseModel):
    """The stored feedback's id."""

    id: int
    answer_id: str
    rating: Literal["up", "down"]


class OpenAIError(BaseModel):
    """OpenAI's error object, used on the OpenAI-compatible paths."""

    message: str
    type: str
    param: str | None = None
    code: int | str | None = None


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body: a machine code and a sentence saying what is wrong."""

    error: str | OpenAIError = Field(
        description="A short code; on /v1/chat/* and /v1/models OpenAI's error object."
    )
    detail: str
    request_id: str | None = None


class ChatMessage(BaseModel):
    """An OpenAI chat message; content may be text or a list of content parts."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(max_length=MESSAGE_MAX_CHARS)] | list[dict[str, Any]] | None = (
        Field(
            None,
            description=(
                "Text, or content parts; at most MAX_MESSAGE_CHARS characters of text per message "
                "(default and ceiling 20000), the last user message at most MAX_QUESTION_CHARS."
            ),
        )
    )

    def text(self) -> str:
        """The message's text, whatever shape the content came in."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        parts = [p.get("text", "") for p in self.content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's chat completion request that a retrieval assistant uses."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": "tampere-assistant",
                    "messages": [{"role": "user", "content": "What is Sustainable Industry X?"}],
                }
            ]
        },
    )

    model: str = Field("tampere-assistant", max_length=200)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    lang: Lang | None = Field(None, description="Extension: force the answer language.")


class ReindexStatus(BaseModel):
    """The state of the last re-index started through the API."""

    state: Literal["idle", "running", "done", "failed"]
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
