"""Proxies, hosts, the admin brake and log lines, over a real uvicorn run as `assistant serve`
runs it (uvicorn trusts no forwarded header itself; TRUSTED_PROXIES decides)."""

from __future__ import annotations

import logging
import re

import httpx

from assistant.api import create_app
from assistant.state.memory import InMemoryStateStore
from tests.conftest import follow_clock

from .conftest import ADMIN_KEY, make_settings


def ask_as(client: httpx.Client, forwarded_for: str) -> int:
    r = client.post(
        "/v1/ask", json={"question": "What is SIX?"}, headers={"X-Forwarded-For": forwarded_for}
    )
    return r.status_code


def test_forwarded_for_is_ignored_by_default(live_factory, tmp_path, fake):
    """45 requests from 127.0.0.1, each claiming another client: the limit (30) still holds."""
    settings = make_settings(tmp_path, rate_limit_enabled=True, rate_limit_per_minute=30)
    live = live_factory(create_app(settings, assistant=fake))
    with httpx.Client(base_url=live.url) as client:
        codes = [ask_as(client, f"203.0.113.{i}") for i in range(45)]
    assert codes == [200] * 30 + [429] * 15


def test_forwarded_for_counts_from_a_trusted_proxy(live_factory, tmp_path, fake):
    """Behind a proxy listed in TRUSTED_PROXIES each forwarded client has its own bucket."""
    settings = make_settings(
        tmp_path,
        rate_limit_enabled=True,
        rate_limit_per_minute=30,
        trusted_proxies="127.0.0.0/8",
    )
    live = live_factory(create_app(settings, assistant=fake))
    with httpx.Client(base_url=live.url) as client:
        assert {ask_as(client, f"203.0.113.{i}") for i in range(45)} == {200}
        one_client = [ask_as(client, "198.51.100.7") for _ in range(31)]
    assert one_client == [200] * 30 + [429]


def test_wrong_admin_keys_brake_the_peer_until_the_window_passes(
    live_factory, tmp_path, fake, monkeypatch
):
    now = [1000.0]
    store = InMemoryStateStore(clock=lambda: now[0])
    follow_clock(monkeypatch, lambda: now[0])  # the brake is counted by `limits` in memory
    settings = make_settings(
        tmp_path, admin_max_failures=3, admin_failure_window_s=600, trusted_proxies="127.0.0.1"
    )
    live = live_factory(create_app(settings, assistant=fake, store=store))

    def admin(key: str, peer: str = "198.51.100.1") -> httpx.Response:
        return httpx.get(
            f"{live.url}/v1/admin/index",
            headers={"Authorization": f"Bearer {key}", "X-Forwarded-For": peer},
        )

    assert admin(ADMIN_KEY).status_code == 200
    assert [admin(f"guess-{i}").status_code for i in range(3)] == [401, 401, 401]
    blocked = admin(ADMIN_KEY)  # even the right key, while the window lasts
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 600
    assert "wrong admin keys" in blocked.json()["detail"]
    assert admin(ADMIN_KEY, peer="198.51.100.2").status_code == 200  # per peer
    now[0] += 601
    assert admin(ADMIN_KEY).status_code == 200


def test_foreign_host_header_gets_400(live_factory, tmp_path, fake):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 cannot talk to the API."""
    settings = make_settings(tmp_path, allowed_hosts="chat.example.org")
    live = live_factory(create_app(settings, assistant=fake))
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        r = httpx.get(f"{live.url}/healthz", headers={"Host": host})
        assert r.status_code == 400, host
        r = httpx.post(f"{live.url}/v1/ask", json={"question": "x?"}, headers={"Host": host})
        assert r.status_code == 400, host
    for host in (f"127.0.0.1:{live.port}", f"localhost:{live.port}", "chat.example.org"):
        assert httpx.get(f"{live.url}/healthz", headers={"Host": host}).status_code == 200, host


def test_crlf_in_a_request_path_cannot_forge_a_log_line(live, caplog):
    with caplog.at_level(logging.INFO, logger="assistant.api.access"):
        r = httpx.get(
            f"{live.url}/v1/nothing%0d%0a2024-01-01 00:00:00 INFO [-] assistant.api: FORGED%0aX"
        )
    assert r.status_code == 404
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "assistant.api.access"]
    (line,) = [m for m in lines if "nothing" in m]
    assert "\n" not in line and "\r" not in line
    assert "\\r\\n2024-01-01" in line and "FORGED\\nX" in line


def test_source_links_in_openai_markdown_are_http_only_and_escaped(live, fake):
    def content(url: str) -> str:
        fake.source_url = url
        r = httpx.post(
            f"{live.url}/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "What are the priorities?"}]},
        )
        assert r.status_code == 200
        return r.json()["choices"][0]["message"]["content"]

    for hostile in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "//x"):
        text = content(hostile)
        assert "](" not in text, text  # no link at all, only the title
        assert "Innovation ecosystem agreement" in text
    text = content('https://example.org/a b)"c<d>')
    (target,) = re.findall(r"\]\(([^)]*)\)", text)
    assert target == "https://example.org/a%20b%29%22c%3Cd%3E"
    assert text.rstrip().endswith("(2021-04-28)")  # nothing leaked past the link
