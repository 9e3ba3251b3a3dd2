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


# --- state stores (issue 11): every test that takes `state_store` runs on each implementation ---


class FakeClock:
    """Monotonic seconds the test moves by hand (`advance`), so expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# One entry per StateStore implementation. The Redis one (next issue) adds its name here and a
# branch below; its `clock.advance` then has to wait in real time (Redis keeps its own clock).
STATE_STORES = ["memory"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=STATE_STORES)
def state_store(request: pytest.FixtureRequest, clock: FakeClock):
    """A fresh, empty state store of each implementation, on the test's clock."""
    if request.param == "memory":
        from assistant.state.memory import InMemoryStateStore

        store = InMemoryStateStore(max_keys=1000, clock=clock)
    else:  # pragma: no cover - a new implementation must be wired here
        raise AssertionError(f"no fixture for state store {request.param!r}")
    yield store
    store.close()
