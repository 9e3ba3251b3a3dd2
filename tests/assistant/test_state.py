"""The StateStore contract (values with expiry, windowed counters, bounded lists), the limiter
and the session registry built on it. Every test runs on each store implementation."""

from __future__ import annotations

import threading

from assistant.settings import Settings
from assistant.state import StateStore, WindowCount, open_state_store
from assistant.state.limits import WindowLimiter
from assistant.state.memory import InMemoryStateStore
from assistant.state.sessions import SessionRegistry


def test_store_implements_the_protocol(state_store):
    assert isinstance(state_store, StateStore)
    assert isinstance(open_state_store(Settings(_env_file=None)), InMemoryStateStore)


def test_values_expire_and_can_be_extended(state_store, clock):
    state_store.set("a", "1", ttl_s=10)
    state_store.set("forever", "x")
    assert state_store.get("a") == "1"
    clock.advance(9)
    assert state_store.expire("a", 10) is True
    clock.advance(9)
    assert state_store.get("a") == "1"
    clock.advance(2)
    assert state_store.get("a") is None
    assert state_store.expire("a", 10) is False  # an expired key is not brought back
    assert state_store.get("forever") == "x"
    state_store.delete("forever", "never-there")
    assert state_store.get("forever") is None


def test_counter_window_starts_at_first_hit(state_store, clock):
    assert state_store.incr("c", 60, amount=0) == WindowCount(0, 0.0)
    assert state_store.get("c") is None  # reading does not create
    assert state_store.incr("c", 60).count == 1
    clock.advance(30)
    count, reset = state_store.incr("c", 60)
    assert count == 2 and 29 <= reset <= 30  # the window is not restarted by later hits
    assert state_store.incr("c", 60, amount=0).count == 2
    clock.advance(31)
    assert state_store.incr("c", 60) == WindowCount(1, 60.0)


def test_counter_is_atomic_under_threads(state_store):
    def hammer() -> None:
        for _ in range(500):
            state_store.incr("n", 60)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state_store.incr("n", 60, amount=0).count == 4000


def test_lists_are_bounded_ordered_and_expire(state_store, clock):
    for i in range(5):
        state_store.list_push("l", f"v{i}", max_len=3, ttl_s=10)
    assert state_store.list_get("l") == ["v2", "v3", "v4"]
    clock.advance(11)
    assert state_store.list_get("l") == []
    assert state_store.list_get("missing") == []


def test_in_memory_store_is_bounded_in_keys(clock):
    store = InMemoryStateStore(max_keys=100, clock=clock)
    for i in range(150):
        store.set(f"k{i}", "v")
    assert len(store) == 100
    assert store.get("k0") is None and store.get("k149") == "v"


def test_window_limiter_blocks_after_limit_and_says_when(state_store, clock):
    limiter = WindowLimiter(state_store, "t", limit=3, window_s=60)
    assert [limiter.hit("peer").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("other").allowed  # keys are apart
    clock.advance(20)
    decision = limiter.hit("peer")
    assert not decision.allowed and decision.retry_after_s == 40
    assert not limiter.peek("peer").allowed
    clock.advance(41)
    assert limiter.peek("peer").allowed and limiter.hit("peer").allowed


def test_once_per_window(state_store, clock):
    limiter = WindowLimiter(state_store, "t", limit=1)
    assert limiter.once_per_window("chat", 30) is True
    assert limiter.once_per_window("chat", 30) is False
    clock.advance(31)
    assert limiter.once_per_window("chat", 30) is True


def test_sessions_only_issued_ids_continue(state_store, clock):
    sessions = SessionRegistry(state_store, ttl_s=60)
    sid = sessions.issue()
    assert len(sid) >= 22  # >= 128 random bits, URL-safe
    assert sessions.resolve(sid) == (sid, True)
    for forged in ("abc", "1", "a" * 32, None, ""):
        fresh, known = sessions.resolve(forged)
        assert not known and fresh != forged and len(fresh) >= 22
    clock.advance(59)
    assert sessions.resolve(sid) == (sid, True)  # use restarts the idle time
    clock.advance(61)
    new, known = sessions.resolve(sid)
    assert not known and new != sid
    assert len({sessions.issue() for _ in range(1000)}) == 1000
