"""Faults of the LLM server: down, slow, or talking garbage. The extractive answer arrives.

The real pipeline over the shipped index, a real uvicorn, and the fake LLM server on loopback
speaking through the real langchain-openai client. For every fault the JSON answer, the SSE stream
and the OpenAI-compatible stream carry exactly the answer the extractive path gives, and none of
the LLM's rejected text. A generous pytest timeout catches a hang; nothing is timed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from assistant.answer.llm import LLMAnswerer
from assistant.api import create_app
from assistant.feedback import FeedbackStore
from assistant.pipeline import Assistant
from tests.api.conftest import LiveServer
from tests.api.conftest import make_settings as api_settings
from tests.assistant.fake_llm import FakeLLMServer
from tests.conftest import free_port

QUESTION = "Until when is the agreement valid?"
GOOD = "The agreement is valid until 31.12.2027 [1]."

# fault -> (FakeLLMServer arguments or None for no server, LLM_TIMEOUT_S, rejected text)
FAULTS: dict[str, tuple[dict[str, Any] | None, float, str | None]] = {
    "down": (None, 30.0, None),
    "slower than the timeout": ({"tokens": [GOOD], "head_delay": 5.0}, 0.5, None),
    "drips past the timeout": ({"tokens": ["The agreement "] * 40, "token_delay": 0.1}, 1.0, None),
    "invalid JSON": ({"tokens": [GOOD], "garbage": True}, 30.0, None),
    "empty answer": ({"tokens": ["", " "]}, 30.0, None),
    "wrong language": (
        {"tokens": ["Sopimus on voimassa ", "31.12.2027 asti [1]."]},
        30.0,
        "Sopimus on voimassa",
    ),
    "citations to nothing": (
        {"tokens": ["The agreement is valid ", "until the end of 2027 [7]."]},
        30.0,
        "until the end of 2027",
    ),
    "server error": ({"tokens": [GOOD], "status": 500}, 30.0, None),
}


@pytest.fixture(scope="module")
def extractive(real_assistant) -> str:
    """What the extractive path answers (no LLM configured)."""
    answer = real_assistant.ask(QUESTION)
    assert "31.12.2027" in answer.answer and not answer.refused
    return answer.answer


@pytest.fixture(params=list(FAULTS))
def faulty(request, real_assistant, tmp_path) -> Iterator[tuple[LiveServer, str | None]]:
    server_args, timeout_s, rejected = FAULTS[request.param]
    with ExitStack() as stack:
        if server_args is None:
            port = free_port()  # nothing listens here
        else:
            port = stack.enter_context(FakeLLMServer(**server_args)).port
        settings = api_settings(
            tmp_path,
            llm_provider="openai",
            llm_base_url=f"http://127.0.0.1:{port}/v1",
            llm_model="fake",
            llm_timeout_s=timeout_s,
        )
        llm = LLMAnswerer.from_settings(settings)
        assistant = Assistant(
            real_assistant.settings, real_assistant.embedder, real_assistant.store, llm
        )
        feedback = FeedbackStore(settings.database_url, settings.feedback_retention_days)
        stack.callback(feedback.close)
        live = LiveServer(create_app(settings, assistant=assistant, feedback=feedback)).start()
        stack.callback(live.stop)
        yield live, rejected


def _sse_data(raw: str) -> list[str]:
    return [line[len("data:") :].strip() for line in raw.splitlines() if line.startswith("data:")]


@pytest.mark.timeout(120)
def test_the_extractive_answer_arrives_on_every_channel(faulty, extractive) -> None:
    live, rejected = faulty
    body = {"question": QUESTION}

    response = httpx.post(f"{live.url}/v1/ask", json=body, timeout=60)
    assert response.status_code == 200
    assert response.json()["answer"] == extractive

    with httpx.stream("POST", f"{live.url}/v1/ask/stream", json=body, timeout=60) as r:
        assert r.status_code == 200
        raw = r.read().decode()
    events = [json.loads(d) for d in _sse_data(raw)]
    *deltas, done = events
    assert "".join(d["text"] for d in deltas) == extractive
    assert done["answer"] == extractive

    chat = {"model": "x", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with httpx.stream("POST", f"{live.url}/v1/chat/completions", json=chat, timeout=60) as r:
        assert r.status_code == 200
        raw_chat = r.read().decode()
    chunks = [json.loads(d) for d in _sse_data(raw_chat) if d != "[DONE]"]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.startswith(extractive)

    if rejected:  # the client never saw any of the rejected reply
        for seen in (response.text, raw, raw_chat):
            assert rejected not in seen


@pytest.mark.timeout(120)
def test_a_verified_llm_answer_is_streamed_only_whole(real_assistant, tmp_path) -> None:
    """The working path: the verified reply reaches the OpenAI-compatible stream, intact."""
    with FakeLLMServer(["The agreement is valid ", "until 31.12.2027 [1]."]) as server:
        settings = api_settings(
            tmp_path,
            llm_provider="openai",
            llm_base_url=f"http://127.0.0.1:{server.port}/v1",
            llm_model="fake",
        )
        assistant = Assistant(
            real_assistant.settings,
            real_assistant.embedder,
            real_assistant.store,
            LLMAnswerer.from_settings(settings),
        )
        feedback = FeedbackStore(settings.database_url, settings.feedback_retention_days)
        live = LiveServer(create_app(settings, assistant=assistant, feedback=feedback)).start()
        try:
            chat = {
                "model": "x",
                "messages": [{"role": "user", "content": QUESTION}],
                "stream": True,
            }
            with httpx.stream(
                "POST", f"{live.url}/v1/chat/completions", json=chat, timeout=60
            ) as r:
                raw = r.read().decode()
        finally:
            live.stop()
            feedback.close()
    chunks = [json.loads(d) for d in _sse_data(raw) if d != "[DONE]"]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.startswith("The agreement is valid until 31.12.2027 [1].")
