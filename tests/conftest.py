"""Shared fixtures: the shipped corpus's real index, built once per run, and settings for tests.

The default embedder takes minutes for the whole corpus on 2 cores, so the index lives in
data/test-index (incremental: an unchanged corpus costs seconds on the next run) and every test that
needs the real pipeline shares one `Assistant`. Tests that run their own process get a copy.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.servers import (  # noqa: F401  (fixtures: a real redis-server and PostgreSQL)
    postgres_server,
    postgres_url,
    redis_server,
    redis_url,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DATA = ROOT / "data" / "test-index"


def make_settings(**overrides) -> Settings:
    """Settings that ignore the developer's .env, so tests see only what they set."""
    base = {"corpus_dir": ROOT / "corpus", "rate_limit_enabled": False}
    base.update(overrides)
    return Settings(_env_file=None, **base)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def shipped_settings() -> Settings:
    """Settings over the shipped corpus's index (built or brought up to date once per run)."""
    from ingest.indexer import Indexer

    settings = make_settings(data_dir=SHIPPED_DATA)
    Indexer(settings).run()
    return settings


@pytest.fixture(scope="session")
def real_assistant(shipped_settings: Settings):
    """The real pipeline over the shipped corpus, warmed up, shared by the whole run."""
    from assistant.pipeline import Assistant

    assistant = Assistant.from_settings(shipped_settings)
    assistant.warm_up()
    return assistant


@pytest.fixture
def shipped_copy(shipped_settings: Settings, tmp_path: Path) -> Settings:
    """Settings over a private copy of the shipped index, for tests that run another process."""
    target = tmp_path / "data"
    shutil.copytree(
        shipped_settings.data_dir,
        target,
        ignore=shutil.ignore_patterns(".owner.lock", ".owner.pid"),
    )
    return make_settings(data_dir=target)


# --- feedback databases (issue 13): tests that take `database_url` run on SQLite and PostgreSQL ---

DATABASES = ["sqlite", "postgres"]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty feedback database: a SQLite file, or a fresh database on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fb' / 'feedback.db'}"
        return
    import uuid

    import psycopg

    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = f"host=127.0.0.1 port={server.port} user={server.user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://{server.user}@127.0.0.1:{server.port}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- state stores (issue 11): every test that takes `state_store` runs on each implementation ---


class FakeClock:
    """Monotonic seconds the test moves by hand (`advance`), so expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _ClockTime:
    """Stands in for the `time` module where code reads `time.time()`: the test's clock."""

    def __init__(self, clock) -> None:
        self.clock = clock

    def time(self) -> float:
        return self.clock()


def follow_clock(monkeypatch: pytest.MonkeyPatch, clock) -> None:
    """The `limits` library's in-process storage (and our limiter's retry-after) read the test's
    clock, so a window passes without sleeping. Redis needs no such thing: RedisClock moves TTLs."""
    import limits.storage.memory

    import assistant.state.limits

    shim = _ClockTime(clock)
    monkeypatch.setattr(limits.storage.memory, "time", shim)
    monkeypatch.setattr(assistant.state.limits, "time", shim)


# One entry per StateStore implementation; `state_store` builds each on the test's clock.
STATE_STORES = ["memory", "redis"]


class RedisClock(FakeClock):
    """Time passing for a real Redis: `advance` takes the seconds off every live key's TTL (and
    deletes what runs out), which is what Redis would see after sleeping, without the wait."""

    def __init__(self, store) -> None:
        super().__init__()
        self.store = store

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        client = self.store.client
        for key in client.scan_iter(match=f"{self.store.prefix}*"):
            left = client.pttl(key)
            if left < 0:
                continue  # no expiry (or gone meanwhile)
            if left <= seconds * 1000:
                client.delete(key)
            else:
                client.pexpire(key, int(left - seconds * 1000))


@pytest.fixture(params=STATE_STORES)
def clock(request: pytest.FixtureRequest) -> FakeClock:
    """The test's clock, for the implementation `state_store` is built on (same param)."""
    if request.param == "redis":
        import uuid

        from assistant.state.redis import RedisStateStore

        url = request.getfixturevalue("redis_url")
        store = RedisStateStore(url, prefix=f"test:{uuid.uuid4().hex}:")
        request.addfinalizer(store.close)
        return RedisClock(store)
    return FakeClock()


@pytest.fixture
def state_store(clock: FakeClock, monkeypatch: pytest.MonkeyPatch):
    """A fresh, empty state store of each implementation, on the test's clock."""
    if isinstance(clock, RedisClock):
        store = clock.store
    else:
        from assistant.state.memory import InMemoryStateStore

        store = InMemoryStateStore(max_keys=1000, clock=clock)
        follow_clock(monkeypatch, clock)
    yield store
    if isinstance(clock, RedisClock):  # only this test's keys (the prefix is its own)
        keys = list(store.client.scan_iter(match=f"{store.prefix}*"))
        if keys:
            store.client.delete(*keys)
    store.close()


# --------------------------------------------------------------------------- marked corpus (i10)


@pytest.fixture(scope="session")
def marked_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over a small en/fi/sv corpus with source markers and contact blocks, indexed."""
    from ingest.indexer import Indexer
    from tests.marked_corpus import write_marked_corpus

    root = tmp_path_factory.mktemp("marked")
    corpus = write_marked_corpus(root / "corpus")
    settings = make_settings(corpus_dir=corpus, data_dir=root / "data")
    report = Indexer(settings).run()
    assert not report.errors, report.errors
    return settings


@pytest.fixture(scope="session")
def marked_assistant(marked_settings: Settings):
    """The real pipeline over the marked corpus (closed at the end of the run)."""
    from assistant.pipeline import Assistant

    assistant = Assistant.from_settings(marked_settings)
    yield assistant
    assistant.store.close()
