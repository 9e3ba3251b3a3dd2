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


def _ef_search(store) -> int:
    return store._collection.configuration["hnsw"]["ef_search"]


def test_the_collection_searches_as_wide_as_the_setting(tmp_path):
    """CHROMA_EF_SEARCH reaches the collection, also one that exists with another value (an
    index built before the setting, or under another value): Chroma keeps what it was told."""
    store = open_store(make_settings(data_dir=tmp_path), "test-model")
    try:
        assert _ef_search(store) == 500
    finally:
        store.close()
    store = open_store(make_settings(data_dir=tmp_path, chroma_ef_search=120), "test-model")
    try:
        assert _ef_search(store) == 120
        _exercise(store)
    finally:
        store.close()


@pytest.mark.server
def test_the_server_collection_searches_as_wide_as_the_setting(tmp_path, chroma_server):
    settings = make_settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_server)
    assert _ef_search(open_store(settings, "test-model")) == 500
    wider = settings.model_copy(update={"chroma_ef_search": 800})
    assert _ef_search(open_store(wider, "test-model")) == 800
    assert _ef_search(open_store(settings, "test-model")) == 500


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
    try:
        hits = assistant.search("Vem stöder forskargrupper i Tammerfors?", k=2)
        assert hits[0].chunk.doc_id == "gamma-sv"
        assert assistant.ready()
    finally:
        assistant.close()


@pytest.mark.server
def test_server_mode_keeps_the_index_records_in_chroma(tmp_path, chroma_server):
    """Issue 13: with CHROMA_HOST the manifest and unit vectors live in the server, so a process
    with an empty DATA_DIR reads the same index, and a re-index elsewhere reaches it on refresh."""
    from assistant.pipeline import Assistant
    from ingest.indexer import Indexer
    from tests.ingest.test_indexer import DOCS, write_corpus

    corpus = write_corpus(tmp_path / "corpus")
    writer_settings = make_settings(
        data_dir=tmp_path / "writer",
        corpus_dir=corpus,
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
    )
    indexer = Indexer(writer_settings)
    assert indexer.run().documents == 3
    assert not (tmp_path / "writer" / "index").exists()  # nothing on local disk
    written = indexer.records.load_manifest()
    assert written is not None and len(written.chunks) >= 3

    reader_settings = writer_settings.model_copy(update={"data_dir": tmp_path / "reader"})
    reader = Assistant.from_settings(reader_settings.model_copy(update={"index_poll_s": 0}))
    try:
        assert reader.records.shared
        assert reader.index_info()["chunks"] == len(written.chunks)
        assert reader._state.live.manifest.chunks == written.chunks  # read back exactly
        units = reader._state.vectors
        assert len(units) > 0 and units.keys and units.matrix.shape[1] == 384
        assert reader.refresh() is False  # nothing new: one cheap version read

        extra = {
            "en/delta.md": (
                "delta-en",
                "en",
                "Delta programme",
                [("Delta goals", "The Delta programme funds quantum sensing pilots in Hervanta.")],
            )
        }
        write_corpus(corpus, {**DOCS, **extra})
        report = Indexer(writer_settings).run()
        assert report.changed and report.documents == 4
        assert reader.refresh() is True
        assert reader.index_info()["documents"] == 4
        assert reader.search("quantum sensing pilots", k=1)[0].chunk.doc_id == "delta-en"
        assert not (tmp_path / "reader").exists() or not any((tmp_path / "reader").rglob("*.json"))
    finally:
        reader.close()


class _FlakyCollection:
    """Raises the given errors, then succeeds: what a moment's SQLite lock looks like."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.configuration: dict | None = None

    def modify(self, configuration: dict) -> None:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        self.configuration = configuration


@pytest.mark.parametrize(
    ("errors", "calls", "raises"),
    [
        ([], 1, None),
        ([RuntimeError("database is locked")] * 2, 3, None),
        ([RuntimeError("Database error: (code: 5) database is locked")] * 6, 6, RuntimeError),
        ([ValueError("no such collection")], 1, ValueError),
    ],
)
def test_a_locked_database_is_tried_again_a_bounded_number_of_times(errors, calls, raises):
    from assistant.store.chroma import _modify

    collection = _FlakyCollection(errors)
    if raises is None:
        _modify(collection, {"hnsw": {"ef_search": 120}})
        assert collection.configuration == {"hnsw": {"ef_search": 120}}
    else:
        with pytest.raises(raises):
            _modify(collection, {"hnsw": {"ef_search": 120}})
    assert collection.calls == calls
