"""The Redis state store beyond the shared contract (tests/assistant/test_state.py runs that on
both stores): settings pick it, two processes' worth of clients share it, and Redis being down is
a `StateUnavailable` with the reason, never a hang or a silent empty answer."""

from __future__ import annotations

import socket
import threading

import pytest

from assistant.memory import ConversationMemory
from assistant.settings import Settings
from assistant.state import StateUnavailable, open_state_store
from assistant.state.limits import WindowLimiter
from assistant.state.redis import RedisStateStore
from assistant.state.sessions import SessionRegistry


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_settings_pick_redis_and_need_a_url(redis_url):
    store = open_state_store(_settings(state_backend="redis", redis_url=redis_url))
    try:
        assert isinstance(store, RedisStateStore) and store.ping()
    finally:
        store.close()
    with pytest.raises(ValueError, match="REDIS_URL"):
        open_state_store(_settings(state_backend="redis"))


def test_two_clients_share_sessions_memory_and_limits(redis_url):
    """What two API replicas see: one's session, turns and counts are the other's."""
    a = RedisStateStore(redis_url, prefix="share-test:")
    b = RedisStateStore(redis_url, prefix="share-test:")
    try:
        sid = SessionRegistry(a, ttl_s=60).issue()
        assert SessionRegistry(b, ttl_s=60).resolve(sid) == (sid, True)
        ConversationMemory(store=a).add("web:x", "Who can apply?", "Companies.", "en")
        assert [t.content for t in ConversationMemory(store=b).history("web:x")] == [
            "Who can apply?",
            "Companies.",
        ]
        limit_a, limit_b = (WindowLimiter(s, "api", limit=4) for s in (a, b))
        hits = [limiter.hit("198.51.100.1").allowed for limiter in (limit_a, limit_b) * 3]
        assert hits == [True, True, True, True, False, False]
    finally:
        a.client.delete(*a.client.keys("share-test:*"))
        a.close()
        b.close()


def test_counter_is_atomic_across_clients(redis_url):
    """INCR and the window's expiry are one script: 8 clients, 4000 hits, one window."""
    stores = [RedisStateStore(redis_url, prefix="atomic-test:") for _ in range(8)]

    def hammer(store: RedisStateStore) -> None:
        for _ in range(500):
            store.incr("n", 60)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    count, reset = stores[0].incr("n", 60, amount=0)
    assert count == 4000 and 0 < reset <= 60
    stores[0].delete("n")
    for s in stores:
        s.close()


def _dead_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_redis_down_raises_state_unavailable_with_the_reason():
    store = RedisStateStore(f"redis://127.0.0.1:{_dead_port()}/0", timeout_s=0.5)
    try:
        for call in (
            lambda: store.get("k"),
            lambda: store.set("k", "v", 5),
            lambda: store.incr("k", 60),
            lambda: store.list_push("k", "v", 3, 5),
            lambda: store.list_get("k"),
            lambda: store.expire("k", 5),
            lambda: WindowLimiter(store, "api", limit=3).hit("198.51.100.1"),
            lambda: WindowLimiter(store, "admin", limit=3).peek("198.51.100.1"),
        ):
            with pytest.raises(StateUnavailable, match="Redis .* failed: .*"):
                call()
        assert store.ping() is False
    finally:
        store.close()


def test_wrong_kinds_under_one_key_read_as_missing(state_store):
    """A list read as a value, a value as a list, a list as a counter: empty, as in process."""
    state_store.list_push("k", "v", 3)
    assert state_store.get("k") is None
    state_store.set("s", "text")
    assert state_store.list_get("s") == []
    assert state_store.incr("k", 60, amount=0).count == 0


def test_limits_count_in_the_same_redis_under_the_store_prefix(redis_url):
    """The `limits` library's storage is the state store's Redis (same URL and pool), its keys
    under REDIS_KEY_PREFIX, so one FLUSH of a deployment's prefix clears its limits too."""
    prefix = "limits-test:"
    store = RedisStateStore(redis_url, prefix=prefix)
    try:
        limiter = WindowLimiter(store, "api", limit=2, window_s=30)
        assert [limiter.hit("peer").allowed for _ in range(3)] == [True, True, False]
        (key,) = store.client.keys(f"{prefix}limits:*")
        assert "api" in key and "peer" in key and 0 < store.client.ttl(key) <= 30
        assert store.rate_limits().storage.connection_pool is store.client.connection_pool
    finally:
        store.client.delete(*store.client.keys(f"{prefix}*"))
        store.close()
