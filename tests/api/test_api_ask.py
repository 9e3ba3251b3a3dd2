"""/v1/ask and /v1/ask/stream over a real uvicorn: answers, streaming in pieces, sessions."""

from __future__ import annotations

import json
import threading

import httpx


def sse_events(response: httpx.Response):
    """Parse a text/event-stream response into (event, data) pairs as they arrive."""
    event, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def test_ask_returns_answer_with_sources_and_stores_it(live, store):
    r = httpx.post(f"{live.url}/v1/ask", json={"question": "What are the priorities?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"id", "answer", "language", "refused", "sources", "next_step"}
    assert body["language"] == "en" and body["refused"] is False
    assert body["sources"][0]["n"] == 1 and body["sources"][0]["url"].startswith("https://")
    assert store.get_answer(body["id"]).question == "What are the priorities?"
    assert r.headers["x-request-id"]


def test_explicit_lang_and_accept_language_hint(live, fake):
    r = httpx.post(f"{live.url}/v1/ask", json={"question": "Sustainable Industry X", "lang": "sv"})
    assert r.json()["language"] == "sv"
    r = httpx.post(
        f"{live.url}/v1/ask",
        json={"question": "SIX?"},
        headers={"Accept-Language": "de-DE, fi;q=0.9, en;q=0.5"},
    )
    assert fake.calls[-1]["client_lang"] == "fi" and fake.calls[-1]["lang"] is None
    assert r.json()["language"] == "fi"


def test_stream_arrives_in_pieces_before_the_answer_is_complete(live, fake, store):
    fake.stream_gate = threading.Event()
    pieces: list[str] = []
    final = None
    with httpx.stream(
        "POST", f"{live.url}/v1/ask/stream", json={"question": "What are the priorities?"}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for event, data in sse_events(r):
            if event == "delta":
                pieces.append(json.loads(data)["text"])
                fake.stream_gate.set()  # only now may the server produce the rest
            elif event == "done":
                final = json.loads(data)
    # The gate was opened by the client after it had read the first piece: had the response
    # been buffered, the server would have waited out its timeout instead.
    assert fake.gate_released is True
    assert len(pieces) > 3
    assert "".join(pieces) == final["answer"]
    assert final["sources"][0]["n"] == 1 and final["id"]
    assert store.get_answer(final["id"]) is not None


def test_stream_failure_becomes_an_error_event(live):
    with httpx.stream("POST", f"{live.url}/v1/ask/stream", json={"question": "explode"}) as r:
        events = list(sse_events(r))
    assert events[-1][0] == "error"
    assert "passwd" not in events[-1][1] and "Traceback" not in events[-1][1]


def test_session_memory_and_history_wins(live, fake):
    url = f"{live.url}/v1/ask"
    sid = httpx.post(url, json={"question": "What are the priorities?"}).json()["session_id"]
    follow = httpx.post(url, json={"question": "And the first one?", "session_id": sid})
    assert follow.json()["session_id"] == sid
    remembered = fake.calls[-1]["history"]
    assert [t.role for t in remembered] == ["user", "assistant"]
    assert remembered[0].content == "What are the priorities?"
    # explicit history wins over the session's memory
    history = [
        {"role": "user", "content": "What is Sustainable Industry X?"},
        {"role": "assistant", "content": "A priority."},
    ]
    httpx.post(url, json={"question": "More?", "session_id": sid, "history": history})
    assert [t.content for t in fake.calls[-1]["history"]] == [h["content"] for h in history]
    # another session sees nothing
    httpx.post(url, json={"question": "More?", "session_id": "other"})
    assert fake.calls[-1]["history"] == []


def test_search(live):
    r = httpx.get(f"{live.url}/v1/search", params={"q": "priorities", "k": 2, "lang": "en"})
    assert r.status_code == 200
    hits = r.json()
    assert [h["rank"] for h in hits] == [1, 2]
    assert hits[0]["chunk"]["doc_id"] == "agreement-en"


def test_health_ready_docs_and_page(live, fake):
    assert httpx.get(f"{live.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{live.url}/readyz").status_code == 200
    fake.is_ready = False
    assert httpx.get(f"{live.url}/readyz").status_code == 503
    docs = httpx.get(f"{live.url}/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    spec = httpx.get(f"{live.url}/openapi.json").json()
    assert "30 days" in spec["info"]["description"]  # the retention setting, in the API docs
    page = httpx.get(f"{live.url}/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert 'data-retention-days="30"' in page.text
    assert "<script>" not in page.text.replace('<script src="/static/app.js" defer></script>', "")
    for asset in ("/static/app.js", "/static/app.css"):
        assert httpx.get(f"{live.url}{asset}").status_code == 200
