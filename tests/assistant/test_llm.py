"""The optional LLM answerer: prompts, condensing, streaming, verification and failure handling.

No real LLM anywhere: LangChain's fake chat models for the prompt logic, and a local fake server
speaking the OpenAI Chat Completions and Ollama /api/chat protocols on loopback, so the real
langchain-openai / langchain-ollama clients do the HTTP, the streaming and the timeouts.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from assistant.answer.llm import (
    LLMAnswerer,
    LLMUnavailable,
    citations,
    get_chat_model,
    verify,
)
from assistant.answer.messages import say
from assistant.schema import Chunk, Turn
from tests.conftest import free_port, make_settings

EVIDENCE = [
    Chunk(
        chunk_id="c1",
        doc_id="d1",
        title="Ekosysteemisopimus",
        section="Tavoitteet",
        lang="fi",
        text="Sopimuksen tavoitteena on vahvistaa innovaatiotoimintaa.",
    ),
    Chunk(chunk_id="c2", doc_id="d2", title="", lang="fi", text="Toinen tekstikohta."),
]
LANG_NAMES = {"en": "Answer in English.", "fi": "Vastaa suomeksi.", "sv": "Svara på svenska."}
FI_ANSWER = "Sopimuksen tavoitteena on vahvistaa innovaatiotoimintaa Tampereella [1]."


class PromptRecorder(BaseCallbackHandler):
    """Keeps the messages LangChain hands to the model: the prompt as the model sees it."""

    def __init__(self) -> None:
        self.prompts: list[list[Any]] = []

    def on_chat_model_start(self, serialized, messages, **kwargs) -> None:  # noqa: ANN001
        self.prompts.extend(messages)


def recorded(model_cls, **kwargs):
    recorder = PromptRecorder()
    return model_cls(callbacks=[recorder], **kwargs), recorder


# ----- prompts and condensing with LangChain's fake chat models -----------------------------------


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_stream_prompt_numbers_the_evidence_in_the_answer_language(lang: str) -> None:
    model, recorder = recorded(FakeListChatModel, responses=["x [1]"])
    list(LLMAnswerer(model).stream("Mikä on tavoite?", lang, EVIDENCE))

    (prompt,) = recorder.prompts
    system, question = prompt
    assert isinstance(system, SystemMessage) and isinstance(question, HumanMessage)
    assert question.content == "Mikä on tavoite?"
    text = system.content
    assert "[1] Ekosysteemisopimus - Tavoitteet\n" + EVIDENCE[0].text in text
    assert "[2]\n" + EVIDENCE[1].text in text
    assert "[3]" not in text
    assert LANG_NAMES[lang] in text
    assert say("refusal", lang) in text
    for other, name in LANG_NAMES.items():
        if other != lang:
            assert name not in text
    if lang != "en":  # no English instruction words leak into a Finnish or Swedish prompt
        for word in ("Answer", "passage", "question", "Source", "Evidence", "Question"):
            assert word not in text


def test_stream_yields_the_pieces_as_the_model_produces_them() -> None:
    model = FakeListChatModel(responses=[FI_ANSWER])
    pieces = list(LLMAnswerer(model).stream("Mikä on tavoite?", "fi", EVIDENCE))
    assert len(pieces) > 1  # the fake streams character by character
    assert "".join(pieces) == FI_ANSWER


def test_stream_failure_mid_answer_raises_llm_unavailable() -> None:
    model = FakeListChatModel(responses=[FI_ANSWER], error_on_chunk_number=5)
    got: list[str] = []
    with pytest.raises(LLMUnavailable):
        for piece in LLMAnswerer(model).stream("Mikä?", "fi", EVIDENCE):
            got.append(piece)
    assert "".join(got) == FI_ANSWER[:5]


def test_condense_rewrites_a_follow_up_from_the_history() -> None:
    history = [
        Turn(role="user", content="Mikä on ekosysteemisopimus?"),
        Turn(role="assistant", content="Sopimus on kaupungin ja valtion välinen [1]."),
    ]
    model, recorder = recorded(
        GenericFakeChatModel, messages=iter(['"Mikä on ekosysteemisopimuksen budjetti?"\n'])
    )
    out = LLMAnswerer(model).condense("Entä sen budjetti?", history, "fi")
    assert out == "Mikä on ekosysteemisopimuksen budjetti?"

    (prompt,) = recorder.prompts
    assert [type(m) for m in prompt] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    assert "suomeksi" in prompt[0].content
    assert [m.content for m in prompt[1:]] == [
        "Mikä on ekosysteemisopimus?",
        "Sopimus on kaupungin ja valtion välinen [1].",
        "Entä sen budjetti?",
    ]


def test_condense_without_history_does_not_call_the_model() -> None:
    model, recorder = recorded(GenericFakeChatModel, messages=iter(["should not be used"]))
    assert LLMAnswerer(model).condense("What is the budget?", [], "en") == "What is the budget?"
    assert recorder.prompts == []


@pytest.mark.parametrize(
    "model",
    [
        GenericFakeChatModel(messages=iter(["  \n  "])),  # empty output
        GenericFakeChatModel(messages=iter([])),  # the model fails
    ],
)
def test_condense_keeps_the_question_on_empty_output_or_error(model) -> None:
    history = [Turn(role="user", content="What is the agreement?")]
    assert LLMAnswerer(model).condense("And its budget?", history, "en") == "And its budget?"


# ----- verify -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The agreement aims to strengthen innovation in Tampere [1]. It has two parts [2].", "en"),
        (FI_ANSWER, "fi"),
        ("Avtalet ska stärka innovationsverksamheten i Tammerfors [1, 2].", "sv"),
    ],
)
def test_verify_accepts_a_cited_answer_in_the_right_language(text: str, lang: str) -> None:
    assert verify(text, 2, lang) is None


def test_verify_rejects_a_citation_outside_the_evidence() -> None:
    reason = verify("The agreement aims to strengthen innovation in Tampere [3].", 2, "en")
    assert reason is not None and "[3]" in reason
    assert verify("The agreement aims to strengthen innovation in Tampere [0].", 2, "en")
    assert verify("The agreement aims to strengthen innovation [1][2][7].", 2, "en")
    assert verify("The agreement aims to strengthen innovation in Tampere [1].", 0, "en")


def test_verify_rejects_an_answer_without_citations() -> None:
    assert verify("The agreement aims to strengthen innovation in Tampere.", 2, "en") == (
        "no citation"
    )
    assert verify("", 2, "en") == "no citation"


def test_verify_rejects_an_answer_in_the_wrong_language() -> None:
    reason = verify("The agreement aims to strengthen innovation in Tampere [1].", 2, "fi")
    assert reason is not None and "en" in reason
    assert verify(FI_ANSWER, 2, "sv") is not None


def test_citations_reads_the_usual_forms() -> None:
    assert citations("a [1]. b [2, 3]. c [4-5][6]. d [x] [ 7 ]") == [1, 2, 3, 4, 5, 6]


# ----- a fake LLM server on loopback ------------------------------------------------------------


class FakeLLMServer:
    """OpenAI /v1/chat/completions and Ollama /api/chat, with delayed tokens, in a uvicorn thread.

    `events` records, in one list shared with the test, when the server produced each token; the
    test appends its own events when pieces arrive, so the order proves (or disproves) streaming.
    """

    def __init__(
        self,
        tokens: list[str],
        token_delay: float = 0.0,
        head_delay: float = 0.0,
        status: int = 200,
    ) -> None:
        self.tokens = tokens
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

    async def _tokens(self) -> AsyncIterator[tuple[int, str]]:
        for i, token in enumerate(self.tokens):
            if i:
                await asyncio.sleep(self.token_delay)
            self.events.append(("server", i))
            yield i, token

    async def openai(self, request: Request) -> Response:
        body, error = await self._begin(request, "openai")
        if error is not None:
            return error
        base = {"id": "chatcmpl-1", "created": 0, "model": body["model"]}
        if not body.get("stream"):
            message = {"role": "assistant", "content": "".join(self.tokens)}
            return JSONResponse(
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

        async def sse() -> AsyncIterator[str]:
            async for i, token in self._tokens():
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

        async def ndjson() -> AsyncIterator[str]:
            async for _, token in self._tokens():
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
                        "eval_count": len(self.tokens),
                    }
                )
                + "\n"
            )

        return StreamingResponse(ndjson(), media_type="application/x-ndjson")


TOKENS = [
    "Sopimuksen ",
    "tavoitteena ",
    "on ",
    "vahvistaa ",
    "innovaatiotoimintaa ",
    "Tampereella ",
    "[1].",
]


def openai_answerer(port: int, **overrides) -> LLMAnswerer:
    values = {
        "llm_provider": "openai",
        "llm_base_url": f"http://127.0.0.1:{port}/v1",
        "llm_model": "fake-model",
        "llm_timeout_s": 10.0,
    }
    values.update(overrides)
    model = get_chat_model(make_settings(**values))
    assert model is not None
    return LLMAnswerer(model)


def ollama_answerer(port: int, **overrides) -> LLMAnswerer:
    values = {
        "llm_provider": "ollama",
        "llm_base_url": f"http://127.0.0.1:{port}",
        "llm_model": "fake-ollama",
        "llm_timeout_s": 10.0,
    }
    values.update(overrides)
    model = get_chat_model(make_settings(**values))
    assert model is not None
    return LLMAnswerer(model)


def collect(pieces: Iterator[str], events: list[tuple[str, int]]) -> list[str]:
    """Drain the stream, recording each piece's arrival in the server's event list."""
    got = []
    for piece in pieces:
        events.append(("client", len(got)))
        got.append(piece)
    return got


def assert_streamed(events: list[tuple[str, int]], n_tokens: int) -> None:
    """The first piece reached the caller before the server produced its last token."""
    first_client = events.index(("client", 0))
    last_server = events.index(("server", n_tokens - 1))
    assert first_client < last_server, events


def test_get_chat_model_is_none_without_a_provider() -> None:
    assert get_chat_model(make_settings(llm_provider="none")) is None


@pytest.mark.timeout(60)
def test_openai_server_streams_a_grounded_answer() -> None:
    with FakeLLMServer(TOKENS, token_delay=0.3) as server:
        answerer = openai_answerer(server.port, llm_api_key="sk-test", llm_temperature=0.2)
        pieces = collect(answerer.stream("Mikä on tavoite?", "fi", EVIDENCE), server.events)

    assert "".join(pieces) == "".join(TOKENS)
    assert_streamed(server.events, len(TOKENS))
    assert verify("".join(pieces), len(EVIDENCE), "fi") is None

    ((api, headers, body),) = server.requests
    assert api == "openai"
    assert headers["authorization"] == "Bearer sk-test"
    assert body["model"] == "fake-model"
    assert body["stream"] is True
    assert body["temperature"] == 0.2
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Vastaa suomeksi." in body["messages"][0]["content"]
    assert "[1] Ekosysteemisopimus" in body["messages"][0]["content"]
    assert body["messages"][1]["content"] == "Mikä on tavoite?"


@pytest.mark.timeout(60)
def test_openai_server_condenses_without_streaming() -> None:
    history = [
        Turn(role="user", content="What does the agreement cover?"),
        Turn(role="assistant", content="It covers innovation [1]."),
    ]
    with FakeLLMServer(["What is the budget of the agreement?"]) as server:
        out = openai_answerer(server.port).condense("And the budget?", history, "en")

    assert out == "What is the budget of the agreement?"
    ((_, headers, body),) = server.requests
    assert headers["authorization"] == "Bearer none"  # a keyless local server still gets one
    assert not body.get("stream")
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["messages"][-1]["content"] == "And the budget?"


@pytest.mark.timeout(60)
def test_openai_server_down_raises_llm_unavailable() -> None:
    port = free_port()  # nothing listens here
    answerer = openai_answerer(port, llm_timeout_s=60.0)
    with pytest.raises(LLMUnavailable) as info:
        list(answerer.stream("What is the aim?", "en", EVIDENCE))
    assert "Connection" in str(info.value)
    history = [Turn(role="user", content="What is the agreement?")]
    assert answerer.condense("And its budget?", history, "en") == "And its budget?"


@pytest.mark.timeout(60)
def test_openai_server_slower_than_the_timeout_raises_llm_unavailable() -> None:
    with FakeLLMServer(TOKENS, head_delay=3.0) as server:
        answerer = openai_answerer(server.port, llm_timeout_s=0.5)
        with pytest.raises(LLMUnavailable) as info:
            list(answerer.stream("What is the aim?", "en", EVIDENCE))
    assert "Timeout" in str(info.value)
    assert len(server.requests) == 1  # max_retries=0: no second attempt


@pytest.mark.timeout(60)
def test_openai_server_error_raises_llm_unavailable() -> None:
    with FakeLLMServer(TOKENS, status=503) as server, pytest.raises(LLMUnavailable):
        list(openai_answerer(server.port).stream("What is the aim?", "en", EVIDENCE))
    assert len(server.requests) == 1


@pytest.mark.timeout(60)
def test_ollama_server_streams_a_grounded_answer() -> None:
    with FakeLLMServer(TOKENS, token_delay=0.3) as server:
        answerer = ollama_answerer(server.port, llm_temperature=0.3)
        pieces = collect(answerer.stream("Mikä on tavoite?", "fi", EVIDENCE), server.events)

    assert "".join(pieces) == "".join(TOKENS)
    assert_streamed(server.events, len(TOKENS))
    ((api, _, body),) = server.requests
    assert api == "ollama"
    assert body["model"] == "fake-ollama"
    assert body["options"]["temperature"] == 0.3
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Vastaa suomeksi." in body["messages"][0]["content"]


@pytest.mark.timeout(60)
def test_ollama_server_down_or_slow_raises_llm_unavailable() -> None:
    with pytest.raises(LLMUnavailable):
        list(ollama_answerer(free_port(), llm_timeout_s=60.0).stream("Aim?", "en", EVIDENCE))
    with FakeLLMServer(TOKENS, head_delay=3.0) as server, pytest.raises(LLMUnavailable):
        list(ollama_answerer(server.port, llm_timeout_s=0.5).stream("Aim?", "en", EVIDENCE))
    with FakeLLMServer(TOKENS, status=500) as server, pytest.raises(LLMUnavailable):
        list(ollama_answerer(server.port).stream("Aim?", "en", EVIDENCE))
