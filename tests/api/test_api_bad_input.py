"""Every kind of bad input gets a 4xx that says what is wrong; nothing leaks a stack trace."""

from __future__ import annotations

import httpx
import pytest

from assistant.api import create_app

from .conftest import make_settings


def post(live, path, **kwargs) -> httpx.Response:
    return httpx.post(f"{live.url}{path}", **kwargs)


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"question": ""}, 422, "question"),
        ({"question": "   \n\t "}, 422, "empty"),
        ({"question": "x" * 2001}, 422, "limit is 2000"),
        ({"question": 42}, 422, "question"),
        ({"question": ["a"]}, 422, "question"),
        ({}, 422, "question: Field required"),
        ({"question": "Hi there", "lang": "de"}, 422, "'en', 'fi' or 'sv'"),
        ({"question": "Hi there", "history": "nope"}, 422, "history"),
        (
            {"question": "Hi there", "history": [{"role": "user", "content": "a" * 20_001}]},
            422,
            "history.0.content",
        ),
        (
            {"question": "Hi there", "history": [{"role": "system", "content": "a"}]},
            422,
            "role",
        ),
        ({"question": "Hi there", "session_id": "../etc"}, 422, "session_id"),
        ({"question": "Hi there", "unexpected": 1}, 422, "unexpected"),
        ([1, 2], 422, "JSON object"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream"])
def test_bad_ask_bodies(live, path, body, status, needle):
    r = post(live, path, json=body)
    assert r.status_code == status, r.text
    payload = r.json()
    assert needle in payload["detail"]
    assert payload["error"] and payload["request_id"]


@pytest.mark.parametrize("raw", [b"{not json", b'{"question": "a",}', b"\xff\xfe", b""])
def test_invalid_json_is_400_or_422(live, raw):
    r = post(live, "/v1/ask", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert r.json()["detail"]


def test_invalid_json_says_so(live):
    r = post(live, "/v1/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["detail"]


def test_body_too_large_is_413_with_and_without_content_length(live, settings):
    big = b'{"question": "' + b"a" * (settings.max_body_bytes + 10) + b'"}'
    r = post(live, "/v1/ask", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert str(settings.max_body_bytes) in r.json()["detail"]

    def chunks():
        for i in range(0, len(big), 4096):
            yield big[i : i + 4096]

    r = post(live, "/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_bad_search_parameters(live):
    for params, needle in [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "empty"),
        ({"q": "a", "k": 0}, "k"),
        ({"q": "a", "k": "many"}, "k"),
        ({"q": "a", "lang": "xx"}, "lang"),
        ({"q": "a" * 2001}, "limit"),
    ]:
        r = httpx.get(f"{live.url}/v1/search", params=params)
        assert r.status_code == 422, (params, r.text)
        assert needle in r.json()["detail"]


def test_bad_feedback(live):
    for body, status in [
        ({"answer_id": "nope", "rating": "up"}, 404),
        ({"answer_id": "abc", "rating": "meh"}, 422),
        ({"answer_id": "", "rating": "up"}, 422),
        ({"answer_id": "abc", "rating": "up", "comment": "x" * 2001}, 422),
    ]:
        r = post(live, "/v1/feedback", json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["detail"]


def test_unknown_route_and_wrong_method(live):
    r = httpx.get(f"{live.url}/v1/nothing")
    assert r.status_code == 404 and "/docs" in r.json()["detail"]
    r = httpx.get(f"{live.url}/v1/ask")
    assert r.status_code == 405 and "POST" not in r.json()["error"]


def test_pipeline_crash_is_json_500_without_details(live, caplog):
    r = post(live, "/v1/ask", json={"question": "please explode now"})
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "internal_error" and body["request_id"]
    assert "passwd" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text


def test_chat_completions_bad_input(live):
    url = "/v1/chat/completions"
    for body in [
        {"model": "m", "messages": []},
        {"model": "m", "messages": [{"role": "system", "content": "be nice"}]},
        {"model": "m", "messages": [{"role": "user", "content": "   "}]},
        {"model": "m", "messages": [{"role": "wizard", "content": "hi"}]},
        {"model": "m", "messages": "hello"},
        {"model": "m", "messages": [{"role": "user", "content": "x" * 2001}]},
        {
            "model": "m",
            "messages": [
                {"role": "assistant", "content": " " * 20_001},
                {"role": "user", "content": "and the second one?"},
            ],
        },
    ]:
        r = post(live, url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"]


def test_starting_app_without_assistant_is_503(tmp_path):
    """Before the lifespan has built the pipeline, questions get a clear 503, not a crash."""
    from fastapi.testclient import TestClient

    app = create_app(make_settings(tmp_path))
    # no `with`: the lifespan (and so the pipeline) never starts
    client = TestClient(app, base_url="http://127.0.0.1")
    app.state.feedback = None
    r = client.get("/v1/search", params={"q": "x"})
    assert r.status_code == 503 and "starting" in r.json()["detail"]
