"""Rate limit (429 + Retry-After), CORS, security headers and log hygiene."""

from __future__ import annotations

import logging

import httpx

from assistant.api import create_app

from .conftest import make_settings


def test_rate_limit_per_client(live_factory, tmp_path, fake):
    settings = make_settings(tmp_path, rate_limit_enabled=True, rate_limit_per_minute=3)
    live = live_factory(create_app(settings, assistant=fake))
    codes = [
        httpx.post(f"{live.url}/v1/ask", json={"question": "What is SIX?"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    r = httpx.get(f"{live.url}/v1/search", params={"q": "x"})
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "3 per minute" in r.json()["detail"]
    # health probes and the page are not limited
    assert httpx.get(f"{live.url}/healthz").status_code == 200
    assert httpx.get(f"{live.url}/").status_code == 200


def test_rate_limit_can_be_switched_off(live):
    codes = {httpx.get(f"{live.url}/v1/search", params={"q": "x"}).status_code for _ in range(40)}
    assert codes == {200}


def test_cors_from_settings(live_factory, tmp_path, fake):
    settings = make_settings(tmp_path, cors_origins="https://chat.example.org")
    live = live_factory(create_app(settings, assistant=fake))
    ok = httpx.options(
        f"{live.url}/v1/ask",
        headers={
            "Origin": "https://chat.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert ok.headers["access-control-allow-origin"] == "https://chat.example.org"
    other = httpx.get(f"{live.url}/healthz", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


def test_security_headers_everywhere(live):
    for path in ("/", "/healthz", "/v1/nothing"):
        headers = httpx.get(f"{live.url}{path}").headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_logs_have_request_ids_and_no_user_text(live, caplog):
    question = "My secret question about the Hiedanranta district?"
    with caplog.at_level(logging.INFO):
        r = httpx.post(f"{live.url}/v1/ask", json={"question": question})
        httpx.get(f"{live.url}/v1/search", params={"q": "secret query words"})
        httpx.post(f"{live.url}/v1/ask", json={"question": "explode"})
    info = [rec for rec in caplog.records if rec.levelno >= logging.INFO]
    text = "\n".join(rec.getMessage() for rec in info)
    assert "POST /v1/ask 200" in text
    assert "Hiedanranta" not in text and "secret query" not in text
    assert r.headers["x-request-id"]
    # an incoming request id is kept when it is well formed
    rid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    echoed = httpx.get(f"{live.url}/healthz", headers={"X-Request-ID": rid})
    assert echoed.headers["x-request-id"] == rid
    forged = httpx.get(f"{live.url}/healthz", headers={"X-Request-ID": "not-a-uuid"})
    assert forged.headers["x-request-id"] != "not-a-uuid"
