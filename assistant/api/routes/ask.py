"""POST /v1/ask and /v1/ask/stream: one question, answered with numbered sources."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, format_sse_event
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.api.deps import (
    AssistantDep,
    FeedbackDep,
    MemoryDep,
    SessionsDep,
    SettingsDep,
    check_question,
    client_lang,
    resolve_session,
    session_key,
)
from assistant.api.models import AskRequest, AskResponse, ErrorResponse
from assistant.api.streaming import started
from assistant.feedback import FeedbackStore
from assistant.memory import ConversationMemory
from assistant.schema import Answer

log = logging.getLogger("assistant.api")
router = APIRouter(prefix="/v1", tags=["ask"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid JSON"},
    413: {"model": ErrorResponse, "description": "Body too large"},
    422: {"model": ErrorResponse, "description": "Invalid request"},
    429: {"model": ErrorResponse, "description": "Rate limited (see Retry-After)"},
    503: {"model": ErrorResponse, "description": "The document index is unreachable for now"},
}


def after_answer(
    answer: Answer,
    channel: str,
    feedback: FeedbackStore,
    memory: ConversationMemory,
    session_id: str | None,
) -> None:
    """Keep the answer for feedback and the session's memory; never fail the answer for it."""
    try:
        feedback.record_answer(answer, channel)
    except Exception:  # the user still gets the answer; the failure is logged
        log.exception("could not record answer %s", answer.id)
    if session_id:
        memory.add(session_key(session_id), answer.question, answer.answer, answer.language)
    log.debug("answered %s lang=%s refused=%s", answer.id, answer.language, answer.refused)


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event with a JSON payload."""
    payload = data.model_dump_json() if hasattr(data, "model_dump_json") else json.dumps(data)
    return format_sse_event(data_str=payload, event=event)


# One event of the stream (OpenAPI 3.2's shape for text/event-stream); data is JSON text.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["delta", "done", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
    "required": ["data"],
}
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def with_session(answer: Answer, session_id: str) -> AskResponse:
    """The answer as the API returns it: with the conversation's session id."""
    return AskResponse(**answer.model_dump(), session_id=session_id)


@router.post(
    "/ask",
    response_model=AskResponse,
    responses=ERRORS,
    summary="Answer a question with numbered sources",
)
async def ask(
    body: AskRequest,
    request: Request,
    settings: SettingsDep,
    assistant: AssistantDep,
    feedback: FeedbackDep,
    memory: MemoryDep,
    sessions: SessionsDep,
) -> AskResponse:
    """The whole answer as JSON, with the `session_id` to send back for a follow-up.

    Give `history`, or the `session_id` of the previous response for server-side memory.
    """
    check_question(settings, body.question, len(body.history or []))
    session_id, history = resolve_session(body.session_id, body.history, sessions, memory)
    hint = client_lang(request)

    def work() -> AskResponse:
        answer = assistant.ask(body.question, history=history, lang=body.lang, client_lang=hint)
        after_answer(answer, "web", feedback, memory, session_id)
        return with_session(answer, session_id)

    return await run_in_threadpool(work)


@router.post(
    "/ask/stream",
    responses={
        200: {
            "description": (
                'Server-Sent Events: `delta` events `{"text": ...}` as the answer is written, '
                "then one `done` event with the whole answer (sources, id and `session_id`, as "
                "/v1/ask returns it), or an `error` event."
            ),
            "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
        },
        **ERRORS,
    },
    summary="Answer a question as a stream of Server-Sent Events",
)
async def ask_stream(
    body: AskRequest,
    request: Request,
    settings: SettingsDep,
    assistant: AssistantDep,
    feedback: FeedbackDep,
    memory: MemoryDep,
    sessions: SessionsDep,
) -> EventSourceResponse:
    """Text pieces first, then the final answer with its sources, id and session id."""
    check_question(settings, body.question, len(body.history or []))
    session_id, history = resolve_session(body.session_id, body.history, sessions, memory)
    hint = client_lang(request)

    items = await started(
        assistant.stream(body.question, history=history, lang=body.lang, client_lang=hint)
    )

    def events() -> Iterator[bytes]:
        try:
            for item in items:
                if isinstance(item, Answer):
                    after_answer(item, "web", feedback, memory, session_id)
                    yield sse("done", with_session(item, session_id))
                else:
                    yield sse("delta", {"text": str(item)})
        except Exception:
            log.exception("stream failed")
            yield sse("error", {"detail": "The answer failed; please try again."})

    return EventSourceResponse(iterate_in_threadpool(events()), headers=STREAM_HEADERS)
