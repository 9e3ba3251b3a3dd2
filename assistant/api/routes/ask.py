"""POST /v1/ask and /v1/ask/stream: one question, answered with numbered sources."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, format_sse_event
from starlette.concurrency import run_in_threadpool

from assistant.api.concurrency import answer_limiter, iterate_answer, run_answer
from assistant.api.deps import (
    AssistantDep,
    ConversationsDep,
    SettingsDep,
    check_question,
    client_lang,
    resolve_session,
    session_key,
)
from assistant.api.models import AskRequest, AskResponse, ErrorResponse
from assistant.api.streaming import started
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
    _ready: AssistantDep,
    conversations: ConversationsDep,
) -> AskResponse:
    """The whole answer as JSON, with the `session_id` to send back for a follow-up.

    Give `history`, or the `session_id` of the previous response for server-side memory.
    """
    check_question(settings, body.question, [m.content for m in body.history or []])
    hint = client_lang(request)

    def work() -> AskResponse:
        session_id, history = resolve_session(body.session_id, body.history, conversations)
        answer, _ = conversations.ask(
            body.question,
            channel="web",
            key=session_key(session_id),
            history=history,
            lang=body.lang,
            client_lang=hint,
        )
        return with_session(answer, session_id)

    return await run_answer(request, work)


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
    _ready: AssistantDep,
    conversations: ConversationsDep,
) -> EventSourceResponse:
    """Text pieces first, then the final answer with its sources, id and session id."""
    check_question(settings, body.question, [m.content for m in body.history or []])
    session_id, history = await run_in_threadpool(
        resolve_session, body.session_id, body.history, conversations
    )
    hint = client_lang(request)

    items = await started(
        conversations.stream(
            body.question,
            channel="web",
            key=session_key(session_id),
            history=history,
            lang=body.lang,
            client_lang=hint,
        ),
        limiter=answer_limiter(request),
    )

    def events() -> Iterator[bytes]:
        try:
            for item in items:
                if isinstance(item, Answer):
                    yield sse("done", with_session(item, session_id))
                else:
                    yield sse("delta", {"text": str(item)})
        except Exception:
            log.exception("stream failed")
            yield sse("error", {"detail": "The answer failed; please try again."})

    return EventSourceResponse(iterate_answer(request, events()), headers=STREAM_HEADERS)
