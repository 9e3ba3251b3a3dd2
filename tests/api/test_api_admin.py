"""Admin routes: Bearer auth (no default key), feedback export, index info, live re-index."""

from __future__ import annotations

import json
import threading

import httpx

from assistant.api import create_app

from .conftest import ADMIN_KEY, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_admin_disabled_without_configured_key(live_factory, tmp_path, fake):
    settings = make_settings(tmp_path, admin_api_key="")
    live = live_factory(create_app(settings, assistant=fake))
    for method, path in [
        ("GET", "/v1/admin/feedback"),
        ("GET", "/v1/admin/index"),
        ("POST", "/v1/admin/reindex"),
    ]:
        r = httpx.request(method, f"{live.url}{path}", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 403
        assert "ADMIN_API_KEY" in r.json()["detail"]
    assert fake.reindex_calls == 0


def test_admin_needs_the_right_key(live):
    r = httpx.get(f"{live.url}/v1/admin/index")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = httpx.get(f"{live.url}/v1/admin/index", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and "not valid" in r.json()["detail"]
    r = httpx.get(f"{live.url}/v1/admin/index", headers={"Authorization": f"Basic {ADMIN_KEY}"})
    assert r.status_code == 401
    r = httpx.get(f"{live.url}/v1/admin/index", headers=AUTH)
    assert r.status_code == 200
    assert r.json()["languages"] == {"en": 2, "fi": 1, "sv": 1}


def test_feedback_round_trip_and_export(live, store):
    en = httpx.post(f"{live.url}/v1/ask", json={"question": "What are the priorities?"}).json()
    fi = httpx.post(f"{live.url}/v1/ask", json={"question": "Mitkä ovat painopisteet?"}).json()
    r = httpx.post(f"{live.url}/v1/feedback", json={"answer_id": en["id"], "rating": "up"})
    assert r.status_code == 201 and r.json()["rating"] == "up"
    r = httpx.post(
        f"{live.url}/v1/feedback",
        json={"answer_id": fi["id"], "rating": "down", "comment": "liian lyhyt"},
    )
    assert r.status_code == 201

    r = httpx.get(f"{live.url}/v1/admin/feedback", headers=AUTH)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert [row["rating"] for row in rows] == ["up", "down"]
    down = rows[1]
    assert down["lang"] == "fi" and down["question"] == "Mitkä ovat painopisteet?"
    assert down["needs_review"] is True and down["answerable"] is True
    assert down["must_include"] == [] and down["comment"] == "liian lyhyt"
    assert down["sources"] == ["agreement-en"] and down["answer"] == fi["answer"]
    assert down["created_at"] and down["id"].startswith("feedback-")

    only_down = httpx.get(f"{live.url}/v1/admin/feedback?rating=down", headers=AUTH).text
    assert len(only_down.splitlines()) == 1
    assert httpx.get(f"{live.url}/v1/admin/feedback?rating=x", headers=AUTH).status_code == 422


def test_reindex_runs_while_queries_go_on(live, fake):
    fake.reindex_gate = threading.Event()  # the re-index blocks until we let it finish
    r = httpx.post(f"{live.url}/v1/admin/reindex", headers=AUTH)
    assert r.status_code == 202 and r.json()["state"] == "running"
    assert fake.reindex_started.wait(10)
    # queries are answered while the re-index is still running
    ask = httpx.post(f"{live.url}/v1/ask", json={"question": "What are the priorities?"})
    assert ask.status_code == 200
    assert httpx.get(f"{live.url}/v1/admin/reindex", headers=AUTH).json()["state"] == "running"
    # a second one is refused while the first runs
    assert httpx.post(f"{live.url}/v1/admin/reindex", headers=AUTH).status_code == 409
    fake.reindex_gate.set()
    for _ in range(200):
        status = httpx.get(f"{live.url}/v1/admin/reindex", headers=AUTH).json()
        if status["state"] != "running":
            break
        threading.Event().wait(0.05)
    assert status["state"] == "done" and status["result"]["updated"] == 1
    # wait=true returns the finished report
    r = httpx.post(f"{live.url}/v1/admin/reindex?wait=true", headers=AUTH, timeout=30)
    assert r.json()["state"] == "done" and fake.reindex_calls == 2
