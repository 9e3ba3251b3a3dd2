"""Sessions: ids are issued by the server, returned with every answer, and only ever lead back
to their own conversation."""

from __future__ import annotations

import json
import re

import httpx

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")  # secrets.token_urlsafe(24): 192 random bits


def ask(live, question: str, **extra) -> dict:
    r = httpx.post(f"{live.url}/v1/ask", json={"question": question, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_ask_issues_a_session_id_and_continues_it(live, fake):
    first = ask(live, "What are the priorities?")
    sid = first["session_id"]
    assert TOKEN.match(sid)
    assert fake.calls[-1]["history"] == []
    second = ask(live, "And the first one?", session_id=sid)
    assert second["session_id"] == sid
    assert second["standalone_question"] == "What are the priorities? And the first one?"
    assert ask(live, "What are the priorities?")["session_id"] != sid  # each new chat its own


def test_an_id_the_server_never_issued_gets_a_fresh_conversation(live, fake):
    """Caller A picks the short id "abc"; caller B picks it too: B never sees A's question."""
    a1 = ask(live, "Who funds the Hiedanranta project?", session_id="abc")
    assert a1["session_id"] != "abc" and TOKEN.match(a1["session_id"])
    a2 = ask(live, "And when?", session_id=a1["session_id"])
    assert "Hiedanranta" in a2["standalone_question"]  # A's own follow-up works
    sid = a1["session_id"]
    near = sid[:-1] + ("y" if sid.endswith("x") else "x")  # one character off, never equal
    for forged in ("abc", "1", "a" * 32, near):
        b = ask(live, "And who else?", session_id=forged)
        assert b["session_id"] not in (forged, a1["session_id"])
        assert "Hiedanranta" not in b["standalone_question"]
        assert fake.calls[-1]["history"] == []


def test_stream_done_event_carries_the_session_id(live, fake):
    def stream(**body) -> dict:
        with httpx.stream("POST", f"{live.url}/v1/ask/stream", json=body) as r:
            assert r.status_code == 200
            blocks = r.read().decode().split("\n\n")
        done = [b for b in blocks if b.startswith("event: done")]
        return json.loads(done[0].split("data: ", 1)[1])

    first = stream(question="What are the priorities?")
    assert TOKEN.match(first["session_id"])
    second = stream(question="And the first one?", session_id=first["session_id"])
    assert second["session_id"] == first["session_id"]
    assert [t.content for t in fake.calls[-1]["history"]][0] == "What are the priorities?"


def test_sessions_are_documented_in_openapi(live):
    schema = httpx.get(f"{live.url}/openapi.json").json()
    ask_op = schema["paths"]["/v1/ask"]["post"]
    ref = ask_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    response = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "session_id" in response["required"]
    assert "follow-up" in response["properties"]["session_id"]["description"]
    request = schema["components"]["schemas"]["AskRequest"]["properties"]["session_id"]
    assert "issued by this server" in request["description"]
    assert "never issued" in request["description"]
