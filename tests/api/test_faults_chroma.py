"""Fault: the Chroma server is SIGKILLed mid-traffic, then started again on the same port and path.

Requests get a clear 503 with a reason (no hang, no 500), /readyz says not ready, and service
resumes by itself once Chroma is back. Real `chroma run`, real ingest, real pipeline, real uvicorn.
A generous pytest timeout catches a hang; nothing is timed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from tests.api.conftest import LiveServer
from tests.api.conftest import make_settings as api_settings
from tests.conftest import free_port
from tests.ingest.test_indexer import write_corpus

QUESTION = "What does the Alpha programme support?"
REASON = "The document index cannot be reached right now"


class ChromaServer:
    """`chroma run` on a loopback port and a data path that survive a restart."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [
                    exe,
                    "run",
                    "--path",
                    str(self.path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
                if httpx.get(url, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("chroma run did not become ready: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[LiveServer, ChromaServer]]:
    from assistant.pipeline import Assistant
    from ingest.indexer import Indexer

    chroma = ChromaServer(tmp_path / "chroma-server", tmp_path / "chroma.log").start()
    try:
        settings = api_settings(
            tmp_path,
            corpus_dir=write_corpus(tmp_path / "corpus"),
            chroma_host="127.0.0.1",
            chroma_port=chroma.port,
        )
        assert Indexer(settings).run().documents == 3
        assistant = Assistant.from_settings(settings)
        assistant.warm_up()
        feedback = FeedbackStore(settings.database_url, settings.feedback_retention_days)
        live = LiveServer(create_app(settings, assistant=assistant, feedback=feedback)).start()
        try:
            yield live, chroma
        finally:
            live.stop()
            feedback.close()
            assistant.close()  # stops its index watcher (server mode)
    finally:
        chroma.stop()


def ask(live: LiveServer, path: str = "/v1/ask", **extra) -> httpx.Response:
    if path == "/v1/chat/completions":
        body = {"model": "x", "messages": [{"role": "user", "content": QUESTION}], **extra}
    else:
        body = {"question": QUESTION}
    return httpx.post(f"{live.url}{path}", json=body, timeout=60)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert REASON in response.json()["detail"]
    assert response.headers["retry-after"].isdigit()
    assert "Traceback" not in response.text and "127.0.0.1" not in response.text


@pytest.mark.server
@pytest.mark.timeout(300)
def test_chroma_killed_mid_traffic_gives_503_then_recovers(served) -> None:
    live, chroma = served
    assert ask(live).status_code == 200
    assert httpx.get(f"{live.url}/readyz").status_code == 200

    # Traffic from a few clients while the server is killed.
    statuses: list[int] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while not stop.is_set():
                r = http.post(f"{live.url}/v1/ask", json={"question": QUESTION})
                statuses.append(r.status_code)
                if r.status_code == 503:
                    assert REASON in r.json()["detail"]

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    while len(statuses) < 3:
        time.sleep(0.05)
    chroma.kill()
    deadline = time.monotonic() + 60
    while 503 not in statuses and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=90)
        assert not t.is_alive(), "a request hung"
    assert set(statuses) <= {200, 503} and 503 in statuses, statuses

    # Every answering route says why, and readiness is false.
    assert_unavailable(ask(live))
    assert_unavailable(ask(live, "/v1/ask/stream"))
    assert_unavailable(ask(live, "/v1/chat/completions"))
    assert_unavailable(ask(live, "/v1/chat/completions", stream=True))
    assert httpx.get(f"{live.url}/readyz").status_code == 503
    assert httpx.get(f"{live.url}/healthz").status_code == 200  # the process itself is fine

    # Chroma back on the same port and path: service resumes without a restart of the API.
    chroma.start()
    deadline = time.monotonic() + 60
    while httpx.get(f"{live.url}/readyz").status_code != 200:
        assert time.monotonic() < deadline, "not ready again"
        time.sleep(0.2)
    response = ask(live)
    assert response.status_code == 200
    assert "small research groups" in response.json()["answer"]
    with httpx.stream(
        "POST", f"{live.url}/v1/ask/stream", json={"question": QUESTION}, timeout=60
    ) as r:
        assert r.status_code == 200 and "small research groups" in r.read().decode()
