"""POST /v1/chat/completions and GET /v1/models: the assistant as an OpenAI-compatible model.

Existing chat front ends (Open WebUI, LibreChat) and the official `openai` client can then use it.
The last user message is the question, earlier user/assistant messages the history; the sources
follow the answer as numbered Markdown links.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, format_sse_event

from assistant.answer.messages import say
from assistant.api.concurrency import answer_limiter, iterate_answer, run_answer
from assistant.api.deps import (
    AssistantDep,
    ConversationsDep,
    SettingsDep,
    check_question,
    client_lang,
)
from assistant.api.models import ChatCompletionRequest
from assistant.api.routes.ask import ERRORS, STREAM_HEADERS
from assistant.api.streaming import started
from assistant.schema import Answer, Turn
from assistant.urls import safe_link_url

log = logging.getLogger("assistant.api")
router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_ID = "tampere-assistant"


def markdown_label(text: str) -> str:
    """Link text that cannot close the link or start markup: brackets, backslashes, HTML."""
    text = " ".join(text.split())
    for char in "\\[]<>`*_":
        text = text.replace(char, "\\" + char)
    return text


def sources_markdown(answer: Answer) -> str:
    """The numbered sources as Markdown links (http/https only, URL percent-encoded)."""
    if not answer.sources:
        return ""
    lines = [f"\n\n{say('sources_heading', answer.language)}:"]
    for s in answer.sources:
        label = s.title + (f" – {s.section}" if s.section and s.section != s.title else "")
        label = markdown_label(label)
        url = safe_link_url(s.url)
        link = f"[{label}]({url})" if url else label
        date = f" ({s.as_of})" if s.as_of else ""
        lines.append(f"[{s.n}] {link}{date}")
    return "\n".join(lines)


def split_messages(body: ChatCompletionRequest) -> tuple[str, list[Turn]]:
    """The last user message is the question; earlier user/assistant messages are history."""
    last_user = max((i for i, m in enumerate(body.messages) if m.role == "user"), default=None)
    if last_user is None:
        raise HTTPException(422, "messages must contain at least one message with role 'user'.")
    question = body.messages[last_user].text().strip()
    if not question:
        raise HTTPException(422, "The last user message is empty.")
    history = [
        Turn(role=m.role, content=m.text())
        for m in body.messages[:last_user]
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return question, history


def _usage() -> dict[str, int]:
    # No LLM tokens are counted on the extractive path; the fields exist for client compatibility.
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@router.get("/models", summary="The one model this server offers (OpenAI-compatible)")
async def list_models() -> dict[str, Any]:
    """Front ends call this to fill their model picker."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "tampere"}],
    }


@router.post(
    "/chat/completions",
    responses={
        200: {
            "description": "A chat.completion object, or with stream=true an SSE stream of "
            "chat.completion.chunk objects ending with `data: [DONE]`.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "properties": {"data": {"type": "string"}},
                        "required": ["data"],
                    }
                },
            },
        },
        **ERRORS,
    },
    summary="OpenAI-compatible chat completion (stream and not)",
)
async def chat_completions(
    body: ChatCompletionRequest,
    request: Request,
    settings: SettingsDep,
    _ready: AssistantDep,
    conversations: ConversationsDep,
) -> Any:
    """Answers the last user message; extra fields `answer_id` and `sources` carry citations,
    `history` how many earlier messages were read (the newest MAX_HISTORY_TURNS, bounded)."""
    question, history = split_messages(body)
    check_question(settings, question, [m.text() for m in body.messages])
    hint = client_lang(request)
    created = int(time.time())
    model = body.model or MODEL_ID

    if not body.stream:

        def work() -> Answer:
            return conversations.ask(
                question, channel="openai", history=history, lang=body.lang, client_lang=hint
            ).answer

        answer = await run_answer(request, work)
        return JSONResponse(
            {
                "id": f"chatcmpl-{answer.id}",
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": answer.reply() + sources_markdown(answer),
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": _usage(),
                "answer_id": answer.id,
                "sources": [s.model_dump() for s in answer.sources],
                "history": answer.history.model_dump() if answer.history else None,
            }
        )

    completion_id = f"chatcmpl-{uuid.uuid4().hex}"

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        data = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return format_sse_event(data_str=json.dumps(data, ensure_ascii=False))

    items = await started(
        conversations.stream(
            question, channel="openai", history=history, lang=body.lang, client_lang=hint
        ),
        limiter=answer_limiter(request),
    )

    def events() -> Iterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            for item in items:
                if isinstance(item, Answer):
                    # The answer's text came in pieces; the next step (the asker's route) and
                    # the sources follow it, as every channel shows them.
                    tail = item.reply_tail() + sources_markdown(item)
                    if tail:
                        yield chunk({"content": tail})
                    yield chunk(
                        {},
                        "stop",
                        answer_id=item.id,
                        sources=[s.model_dump() for s in item.sources],
                        history=item.history.model_dump() if item.history else None,
                    )
                elif item:
                    yield chunk({"content": str(item)})
        except Exception:
            log.exception("chat completion stream failed")
            yield chunk({"content": "\n\n(The answer failed; please try again.)"}, "stop")
        yield format_sse_event(data_str="[DONE]")

    return EventSourceResponse(iterate_answer(request, events()), headers=STREAM_HEADERS)
