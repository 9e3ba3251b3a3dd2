"""A fake LLM server on loopback: OpenAI /v1/chat/completions and Ollama /api/chat.

The real langchain-openai / langchain-ollama clients talk to it over HTTP, so streaming, timeouts
and broken replies are exercised the way a real server would cause them. The reply is a fixed
list of tokens or a function of the request (a model that "obeys" what its prompt says), and
`garbage=True` answers with bytes that are not JSON.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Reply = list[str] | Callable[[dict[str, Any]], list[str]]


def prompt_text(body: dict[str, Any]) -> str:
    """Everything the model was sent (both APIs put the messages under "messages")."""
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


class FakeLLMServer:
    """OpenAI /v1/chat/completions and Ollama /api/chat, with delayed tokens, in a uvicorn thread.

    `events` records, in one list shared with the test, when the server produced each token; the
    test appends its own events when pieces arrive, so the order proves (or disproves) streaming.
    """

    def __init__(
        self,
        tokens: Reply,
        token_delay: float = 0.0,
        head_delay: float = 0.0,
        status: int = 200,
        garbage: bool = False,
    ) -> None:
        self.tokens = tokens
        self.garbage = garbage
        self.token_delay = token_delay
        self.head_delay = head_delay
        self.status = status
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.events: list[tuple[str, int]] = []
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self.openai, methods=["POST"]),
                Route("/api/chat", self.ollama, methods=["POST"]),
            ]
        )
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> FakeLLMServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    async def _begin(self, request: Request, api: str) -> tuple[dict[str, Any], Response | None]:
        body = await request.json()
        self.requests.append((api, dict(request.headers), body))
        await asyncio.sleep(self.head_delay)
        if self.status != 200:
            return body, JSONResponse({"error": {"message": "boom"}}, status_code=self.status)
        return body, None

    def reply(self, body: dict[str, Any]) -> list[str]:
        return self.tokens(body) if callable(self.tokens) else self.tokens

    async def _tokens(self, body: dict[str, Any]) -> AsyncIterator[tuple[int, str]]:
        for i, token in enumerate(self.reply(body)):
            if i:
                await asyncio.sleep(self.token_delay)
            self.events.append(("server", i))
            yield i, token

    async def openai(self, request: Request) -> Response:
        body, error = await self._begin(request, "openai")
        if error is not None:
            return error
        base = {"id": "chatcmpl-1", "created": 0, "model": body["model"]}
        if self.garbage:
            if body.get("stream"):
                return StreamingResponse(
                    iter(["data: {this is not json\n\n", "data: [DONE]\n\n"]),
                    media_type="text/event-stream",
                )
            return Response("{this is not json", media_type="application/json")
        if not body.get("stream"):
            message = {"role": "assistant", "content": "".join(self.reply(body))}
            return JSONResponse(
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

        async def sse() -> AsyncIterator[str]:
            async for i, token in self._tokens(body):
                delta = {"role": "assistant", "content": token} if i == 0 else {"content": token}
                chunk = {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                yield f"data: {json.dumps(chunk)}\n\n"
            last = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            yield f"data: {json.dumps(last)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    async def ollama(self, request: Request) -> Response:
        body, error = await self._begin(request, "ollama")
        if error is not None:
            return error
        base = {"model": body["model"], "created_at": "2024-01-01T00:00:00Z"}
        if self.garbage:
            return Response("{this is not json\n", media_type="application/x-ndjson")

        async def ndjson() -> AsyncIterator[str]:
            async for _, token in self._tokens(body):
                message = {"role": "assistant", "content": token}
                yield json.dumps({**base, "message": message, "done": False}) + "\n"
            yield (
                json.dumps(
                    {
                        **base,
                        "message": {"role": "assistant", "content": ""},
                        "done": True,
                        "done_reason": "stop",
                        "prompt_eval_count": 1,
                        "eval_count": len(self.reply(body)),
                    }
                )
                + "\n"
            )

        return StreamingResponse(ndjson(), media_type="application/x-ndjson")
