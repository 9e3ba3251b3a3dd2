"""Fixtures for the API tests: settings in a temp dir, the fake assistant, a live uvicorn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from assistant.api import create_app
from assistant.api.server import uvicorn_options
from assistant.feedback import FeedbackStore
from assistant.settings import Settings

from .fakes import FakeAssistant

ADMIN_KEY = "test-admin-key-0123456789"


class LiveServer:
    """A real uvicorn serving `app` on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # As `assistant serve` runs it: uvicorn itself trusts no forwarded header.
        config = uvicorn.Config(app, log_level="warning", lifespan="on", **uvicorn_options())
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings isolated in tmp_path, ignoring any .env in the working tree."""
    values = {
        "data_dir": tmp_path / "data",
        "rate_limit_enabled": False,
        "admin_api_key": ADMIN_KEY,
        "feedback_retention_days": 30,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
def store(settings: Settings) -> Iterator[FeedbackStore]:
    s = FeedbackStore(settings.database_url, settings.feedback_retention_days)
    yield s
    s.close()


@pytest.fixture
def live_factory() -> Iterator[Callable[..., LiveServer]]:
    """Start live servers for apps; all are stopped at the end of the test."""
    servers: list[LiveServer] = []

    def start(app) -> LiveServer:
        server = LiveServer(app).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live(live_factory, settings, fake, store) -> LiveServer:
    """The app with the fake assistant on a real uvicorn."""
    return live_factory(create_app(settings, assistant=fake, feedback=store))
