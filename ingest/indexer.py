"""Documents to chunks to vectors: incremental, idempotent and atomic.

- Chunk ids come from the document id and a hash of the chunk's text, so an unchanged corpus embeds
  nothing and an edited section embeds only its own chunks.
- New vectors are added first; the manifest (the list of live chunks, BM25's input) is replaced in
  one step (`os.replace` of a file, or one record in a Chroma server: `IndexRecords`); only then
  are vectors no longer referenced deleted. A crash at any point leaves
  either the old or the new index live, and the next run sweeps what the crash left behind.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant import packs
from assistant.answer.units import split_units, unit_key
from assistant.embeddings import EmbeddingProvider, get_embedder
from assistant.schema import Chunk
from assistant.settings import Settings
from assistant.store import VectorStore, open_index_records, open_store
from assistant.store.manifest import DocumentEntry, Manifest, SkippedFile
from assistant.store.records import IndexRecords
from ingest.chunking import chunk_document
from ingest.documents import LoadError
from ingest.loaders import IngestLimits, load_path

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What a run did, for the CLI, the admin API and the tests."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    removed: int = 0
    embedded: int = 0
    embedded_units: int = 0
    changed: bool = False
    seconds: float = 0.0
    collection: str = ""
    errors: list[LoadError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "added": self.added,
            "removed": self.removed,
            "embedded": self.embedded,
            "embedded_units": self.embedded_units,
            "changed": self.changed,
            "seconds": round(self.seconds, 3),
            "collection": self.collection,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors],
        }


def source_paths(
    settings: Settings, paths: list[Path] | None = None, remembered: list[str] | None = None
) -> list[Path]:
    """corpus/, EXTRA_DOCS_DIRS, folders ingested before (still present) and any new paths."""
    roots = [settings.corpus_dir, *settings.extra_docs_dirs, *(paths or [])]
    roots += [Path(r) for r in remembered or [] if Path(r).exists()]
    unique: dict[str, Path] = {}
    for root in roots:
        unique.setdefault(str(root.resolve()), root)
    return list(unique.values())


def collect_chunks(
    paths: list[Path], limits: IngestLimits | None = None
) -> tuple[list[Chunk], dict[str, DocumentEntry], list[LoadError]]:
    """Load and chunk every readable document; unreadable ones are reported, not fatal."""
    chunks: list[Chunk] = []
    documents: dict[str, DocumentEntry] = {}
    errors: list[LoadError] = []
    for root in paths:
        if not root.exists():
            errors.append(LoadError(path=str(root), reason="no such file or folder"))
            continue
        docs, errs = load_path(root, limits)
        errors.extend(errs)
        for doc in docs:
            if doc.doc_id in documents:
                errors.append(
                    LoadError(path=doc.path, reason=f"duplicate document id {doc.doc_id!r}")
                )
                continue
            try:
                doc_chunks = chunk_document(doc)
            except Exception as exc:  # one document the chunker cannot take never stops the rest
                log.exception("chunking %s failed", doc.path)
                errors.append(LoadError(path=doc.path, reason=f"cannot chunk: {exc!r}"[:240]))
                continue
            chunks.extend(doc_chunks)
            documents[doc.doc_id] = DocumentEntry(
                doc_id=doc.doc_id,
                title=doc.title,
                lang=doc.lang,
                path=doc.path,
                chunk_ids=[c.chunk_id for c in doc_chunks],
            )
    return chunks, documents, errors


class Indexer:
    """Builds or updates one collection's index; cheap to construct, work happens in `run`."""

    def __init__(
        self,
        settings: Settings,
        embedder: EmbeddingProvider | None = None,
        store: VectorStore | None = None,
    ) -> None:
        self.settings = settings
        packs.use_settings(settings)  # a document's language must be one a pack serves
        self.embedder = embedder or get_embedder(settings)
        self.store = store or open_store(settings, self.embedder.name)
        self.records: IndexRecords = open_index_records(settings, self.store)

    def run(self, paths: list[Path] | None = None, progress: bool = False) -> IngestReport:
        started = time.perf_counter()
        settings = self.settings
        report = IngestReport(collection=self.store.collection_name)
        old = self.records.load_manifest()
        roots = source_paths(settings, paths, old.roots if old else None)
        chunks, documents, report.errors = collect_chunks(
            roots, IngestLimits.from_settings(settings)
        )
        for error in report.errors:
            log.warning("skipped %s: %s", error.path, error.reason)
        new = Manifest(
            collection=self.store.collection_name,
            embedding_model=self.embedder.name,
            roots=[str(r.resolve()) for r in roots if r.resolve() != settings.corpus_dir.resolve()],
            documents=documents,
            chunks=chunks,
            skipped=[SkippedFile(path=e.path, reason=e.reason) for e in report.errors],
        )
        old_ids = {c.chunk_id for c in old.chunks} if old else set()
        new_ids = {c.chunk_id for c in chunks}
        stored = self.store.ids()
        to_embed = [c for c in chunks if c.chunk_id not in stored]
        report.documents, report.chunks = len(documents), len(chunks)
        report.added, report.removed = len(new_ids - old_ids), len(old_ids - new_ids)

        batch = settings.embedding_batch_size
        batches = [to_embed[i : i + batch] for i in range(0, len(to_embed), batch)]
        bar = None
        if progress and to_embed:
            from tqdm import tqdm

            bar = tqdm(total=len(to_embed), unit="chunk", desc="embedding", file=sys.stderr)
        for number, items in enumerate(batches, start=1):
            vectors = self.embedder.embed_passages([c.text for c in items])
            self.store.upsert(items, vectors)
            report.embedded += len(items)
            if bar:
                bar.update(len(items))
            self._maybe_pause(number)
        if bar:
            bar.close()

        # Text unchanged but metadata moved (title, position): keep the vector.
        if old is not None:
            before = {c.chunk_id: c for c in old.chunks}
            moved = [c for c in chunks if c.chunk_id in before and before[c.chunk_id] != c]
            if moved:
                self.store.update_metadata(moved)

        # Answer units' vectors: old and new kept until the manifest switches, then pruned.
        unit_keys = {u.key: u.text for c in chunks for u in split_units(c.text)}
        # A contact's topics get a vector too: refusals pick the person whose topics fit best.
        profiles = [c.contact.profile() for c in chunks if c.contact is not None]
        unit_keys |= {unit_key(profile): profile for profile in profiles}
        stored_units = self.records.unit_keys()
        missing = [k for k in unit_keys if k not in stored_units]
        if missing:
            matrix = self.embedder.embed_passages([unit_keys[k] for k in missing])
            self.records.add_units(missing, matrix)
        report.embedded_units = len(missing)

        report.changed = not new.same_content(old)
        if report.changed:
            self.records.save_manifest(new)  # the commit point
        self._maybe_pause(len(batches) + 1)
        stale = sorted(stored - new_ids)
        if stale:
            self.store.delete(stale)
        if len(stored_units) + len(missing) > len(unit_keys):
            self.records.prune_units(set(unit_keys))
        report.seconds = time.perf_counter() - started
        return report

    def _maybe_pause(self, step: int) -> None:
        """Test hook: stop at a known point so a test can SIGKILL the process there."""
        if self.settings.ingest_pause_after_batch == step:
            print(f"PAUSED after step {step}", flush=True)
            while True:
                time.sleep(1)


def ensure_index(settings: Settings, progress: bool = True) -> IngestReport:
    """Build the index if missing, update it if the documents changed; a no-op otherwise."""
    report = Indexer(settings).run(progress=progress)
    if report.changed:
        log.info("index updated: %s", report.as_dict())
    return report
