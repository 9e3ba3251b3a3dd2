"""Bounds without breaking real use: a 4xx only beyond the body cap and the per-message caps.

A long but legitimate question and a long OpenAI conversation are answered; the number of earlier
messages is never a 4xx (the pipeline reads the newest ones and the answer's `history` says so).
"""

from __future__ import annotations

import httpx
import pytest

from assistant.api import create_app
from assistant.feedback import FeedbackStore

from .conftest import make_settings

# A real asker's long question: context first, then what they want to know (2,000 characters).
_CONTEXT = (
    "I run a small software company in Tampere with eleven employees. We build digital health "
    "tools for hospitals and we are planning a pilot together with a university research group "
    "and two municipalities in the region. We have never applied for public funding before. "
)
_ASK = "Who can apply for funding under the ecosystem agreement, and whom should I contact?"
LONG_QUESTION = (_CONTEXT * 8)[: 2000 - len(_ASK) - 1] + " " + _ASK


def _conversation(turns: int) -> list[dict]:
    """`turns` earlier messages (user and assistant taking turns), then the question."""
    messages = [{"role": "system", "content": "You are a helpful assistant."}]
    for i in range(turns):
        if i % 2 == 0:
            messages.append({"role": "user", "content": f"Question {i}: who funds project {i}?"})
        else:
            messages.append(
                {"role": "assistant", "content": f"Answer {i}: the state and the city [1]. " * 8}
            )
    messages.append({"role": "user", "content": "Who can apply for funding?"})
    return messages


def test_a_2000_character_question_is_answered(live, fake):
    assert len(LONG_QUESTION) == 2000
    r = httpx.post(f"{live.url}/v1/ask", json={"question": LONG_QUESTION}, timeout=30)
    assert r.status_code == 200, r.text
    body = {"model": "tampere-assistant", "messages": [{"role": "user", "content": LONG_QUESTION}]}
    r = httpx.post(f"{live.url}/v1/chat/completions", json=body, timeout=30)
    assert r.status_code == 200, r.text
    assert fake.calls[-1]["question"] == LONG_QUESTION


def test_a_30_turn_conversation_is_answered(live, fake):
    body = {"model": "tampere-assistant", "messages": _conversation(30)}
    r = httpx.post(f"{live.url}/v1/chat/completions", json=body, timeout=30)
    assert r.status_code == 200, r.text
    assert len(fake.calls[-1]["history"]) == 30  # the pipeline, not the API, bounds what it reads
    history = [{"role": m["role"], "content": m["content"]} for m in _conversation(30)[1:-1]]
    r = httpx.post(
        f"{live.url}/v1/ask", json={"question": "Who can apply?", "history": history}, timeout=30
    )
    assert r.status_code == 200, r.text


@pytest.fixture
def strict(live_factory, tmp_path, fake, store):
    """The app with MAX_MESSAGE_CHARS lowered: the setting, not only the static ceiling, rules."""
    settings = make_settings(tmp_path, max_message_chars=5000)
    return live_factory(create_app(settings, assistant=fake, feedback=store))


@pytest.mark.parametrize("role", ["user", "assistant", "system"])
def test_one_message_over_the_cap_is_422_on_chat_completions(strict, role):
    messages = [
        {"role": role, "content": "word " * 1001},
        {"role": "user", "content": "And the second one?"},
    ]
    r = httpx.post(
        f"{strict.url}/v1/chat/completions", json={"model": "m", "messages": messages}, timeout=30
    )
    assert r.status_code == 422, r.text
    assert "limit per message is 5000" in r.json()["detail"]
    # content parts count as one message's text
    parts = [{"type": "text", "text": "word " * 600}, {"type": "text", "text": "word " * 600}]
    messages[0]["content"] = parts
    r = httpx.post(
        f"{strict.url}/v1/chat/completions", json={"model": "m", "messages": messages}, timeout=30
    )
    assert r.status_code == 422, r.text


def test_one_history_message_over_the_cap_is_422_on_ask(strict):
    history = [{"role": "user", "content": "word " * 1001}]
    for path in ("/v1/ask", "/v1/ask/stream"):
        r = httpx.post(
            f"{strict.url}{path}", json={"question": "More?", "history": history}, timeout=30
        )
        assert r.status_code == 422, r.text
        assert "limit per message is 5000" in r.json()["detail"]


@pytest.mark.slow
def test_real_pipeline_reads_the_newest_turns_and_says_so(live_factory, real_assistant, tmp_path):
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings.database_url)
    server = live_factory(create_app(settings, assistant=real_assistant, feedback=store))
    body = {"model": "tampere-assistant", "messages": _conversation(30)}
    r = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    payload = r.json()
    assert payload["choices"][0]["message"]["content"]
    limit = real_assistant.settings.max_history_turns
    assert payload["history"]["given"] == 30
    assert payload["history"]["used"] <= limit and payload["history"]["truncated"] is True
    r = httpx.post(f"{server.url}/v1/ask", json={"question": LONG_QUESTION}, timeout=60)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["answer"] and answer["history"] is None
    assert len(answer["standalone_question"]) <= real_assistant.settings.max_standalone_chars
