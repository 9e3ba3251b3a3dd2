"""The API over the Redis state store: a session continues on another app (replica) sharing
Redis, the rate limit counts across both, and Redis going down is a 503 that says why."""

from __future__ import annotations

import httpx

from assistant.api import create_app
from assistant.state.redis import RedisStateStore
from tests.servers import RedisServer

from .conftest import make_settings


def _redis_settings(tmp_path, url: str, **overrides):
    return make_settings(tmp_path, state_backend="redis", redis_url=url, **overrides)


def test_two_replicas_share_sessions_and_the_rate_limit(live_factory, tmp_path, fake, redis_url):
    prefix = f"replicas-{tmp_path.name}:"
    settings = _redis_settings(
        tmp_path,
        redis_url,
        redis_key_prefix=prefix,
        rate_limit_enabled=True,
        rate_limit_per_minute=6,
    )
    one = live_factory(create_app(settings, assistant=fake))
    two = live_factory(create_app(settings, assistant=fake))
    first = httpx.post(f"{one.url}/v1/ask", json={"question": "Who can apply for funding?"})
    assert first.status_code == 200
    sid = first.json()["session_id"]
    follow = httpx.post(f"{two.url}/v1/ask", json={"question": "And when?", "session_id": sid})
    assert follow.status_code == 200 and follow.json()["session_id"] == sid
    assert [t.content for t in fake.calls[-1]["history"]] == [
        "Who can apply for funding?",
        first.json()["answer"],
    ]
    codes = [httpx.get(f"{u}/v1/models").status_code for u in (one.url, two.url) * 3]
    assert codes == [200, 200, 200, 200, 429, 429]  # 2 asks + 4 here: the 7th and 8th wait
    client = RedisStateStore(redis_url, prefix=prefix)
    client.client.delete(*client.client.keys(f"{prefix}*"))
    client.close()


def test_redis_down_is_503_with_the_reason(live_factory, tmp_path, fake):
    server = RedisServer().start()
    try:
        settings = _redis_settings(tmp_path, server.url, redis_timeout_s=0.5)
        live = live_factory(create_app(settings, assistant=fake))
        ok = httpx.post(f"{live.url}/v1/ask", json={"question": "Who can apply?"})
        assert ok.status_code == 200
    finally:
        server.stop()
    for path in ("/v1/ask", "/v1/ask/stream"):
        r = httpx.post(f"{live.url}{path}", json={"question": "Who can apply?"}, timeout=10)
        assert r.status_code == 503, (path, r.text)
        assert r.headers["retry-after"]
        detail = r.json()["detail"]
        assert "conversation state store cannot be reached" in detail and "Redis" in detail
    assert httpx.get(f"{live.url}/healthz").status_code == 200


def test_rate_limit_with_redis_down_is_503_not_a_crash(live_factory, tmp_path, fake):
    server = RedisServer().start()
    settings = _redis_settings(tmp_path, server.url, redis_timeout_s=0.5, rate_limit_enabled=True)
    live = live_factory(create_app(settings, assistant=fake))
    server.stop()
    r = httpx.get(f"{live.url}/v1/models", timeout=10)
    assert r.status_code == 503
    assert "Redis" in r.json()["detail"] and r.json()["error"] == "unavailable"
