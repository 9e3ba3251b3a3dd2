"""Chroma as the store: embedded (single owner) and the server that `chroma run` starts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.schema import Chunk
from assistant.store import open_store
from tests.conftest import free_port, make_settings


def _chunks() -> tuple[list[Chunk], np.ndarray]:
    chunks = [
        Chunk(chunk_id=f"doc#{i}", doc_id="doc", text=f"text {i}", lang="en", title="T", position=i)
        for i in range(3)
    ]
    vectors = np.eye(3, 384, dtype=np.float32)
    return chunks, vectors


def _exercise(store) -> None:
    chunks, vectors = _chunks()
    store.upsert(chunks, vectors)
    assert store.ids() == {"doc#0", "doc#1", "doc#2"}
    top = store.query(vectors[1], 2)
    assert top[0][0] == "doc#1" and top[0][1] == pytest.approx(1.0, abs=1e-4)
    assert store.query(vectors[1], 2, among=["doc#0", "doc#2"])[0][0] in {"doc#0", "doc#2"}
    got = store.get(["doc#2"])
    assert got["doc#2"].text == "text 2" and got["doc#2"].position == 2
    store.delete(["doc#0"])
    assert store.ids() == {"doc#1", "doc#2"}
    assert store.heartbeat()


def test_embedded_store(tmp_path):
    store = open_store(make_settings(data_dir=tmp_path), "test-model")
    try:
        _exercise(store)
    finally:
        store.close()


@pytest.fixture
def chroma_server(tmp_path: Path):
    exe = shutil.which("chroma") or str(Path(os.sys.executable).with_name("chroma"))
    port = free_port()
    log = open(tmp_path / "chroma.log", "w")  # noqa: SIM115 - open for the server's lifetime
    proc = subprocess.Popen(
        [
            exe,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not become ready: " + (tmp_path / "chroma.log").read_text())
    yield port
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


@pytest.mark.server
def test_server_store(tmp_path, chroma_server):
    settings = make_settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_server)
    store = open_store(settings, "test-model")
    assert store.location.startswith("http://127.0.0.1:")
    _exercise(store)


@pytest.mark.server
def test_index_and_answer_through_the_server(tmp_path, chroma_server):
    """The whole path (ingest, search, ask) with vectors in the Chroma server."""
    from assistant.pipeline import Assistant
    from ingest.indexer import Indexer
    from tests.ingest.test_indexer import write_corpus

    corpus = write_corpus(tmp_path / "corpus")
    settings = make_settings(
        data_dir=tmp_path / "data",
        corpus_dir=corpus,
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
    )
    assert Indexer(settings).run().documents == 3
    assistant = Assistant.from_settings(settings)
    hits = assistant.search("Vem stöder forskargrupper i Tammerfors?", k=2)
    assert hits[0].chunk.doc_id == "gamma-sv"
    assert assistant.ready()
