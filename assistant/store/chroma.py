"""Chroma as the vector store: embedded (`PersistentClient`) or a server (`HttpClient`).

Embedded Chroma is safe with one process per directory only, so this process takes an exclusive
lock first; a second process is refused at once with a message, never left hanging.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from assistant.schema import Chunk, Contact
from assistant.settings import Settings
from assistant.store import StoreError, StoreUnavailable
from assistant.store.manifest import Manifest
from assistant.store.unit_vectors import UnitVectors

log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")
_META_KEYS = (
    "doc_id",
    "title",
    "lang",
    "section",
    "url",
    "as_of",
    "position",
    "translation_of",
    "source_path",
)

_owned: dict[str, object] = {}
_owned_lock = threading.Lock()


def claim_directory(path: Path) -> None:
    """Make this process the only owner of an embedded store directory (idempotent per process)."""
    from filelock import FileLock, Timeout

    path.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _owned_lock:
        if key in _owned:
            return
        lock = FileLock(str(path / ".owner.lock"), thread_local=False)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            pid_file = path / ".owner.pid"
            owner = pid_file.read_text().strip() if pid_file.exists() else "another process"
            raise StoreError(
                f"The embedded index at {path} is in use by process {owner} (the API or the bot). "
                "Only one process may open it: use the running API's POST /v1/admin/reindex, stop "
                "that process first, or run Chroma as a server (CHROMA_HOST)."
            ) from None
        (path / ".owner.pid").write_text(str(os.getpid()))
        _owned[key] = lock


def release_directory(path: Path) -> None:
    """Give up ownership (tests and shutdown); another process may then open the store."""
    with _owned_lock:
        lock = _owned.pop(str(path.resolve()), None)
    if lock is not None:
        lock.release()  # type: ignore[attr-defined]


def _unavailable(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Any failure of a Chroma call becomes StoreUnavailable (the API's 503), logged once here.

    chromadb raises whatever its HTTP client raises when the server is gone (connection refused,
    reset, a 5xx while it restarts); callers should not have to know those types.
    """

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            store = args[0]
            where = getattr(store, "location", "?")
            log.warning(
                "Chroma %s failed at %s: %s: %s", method.__name__, where, type(exc).__name__, exc
            )
            raise StoreUnavailable(
                f"The vector store at {where} failed ({type(exc).__name__})."
            ) from exc

    return call


def _to_meta(chunk: Chunk) -> dict[str, str | int]:
    """Chroma metadata holds scalars only: `urls` and `contact` travel as JSON strings."""
    meta: dict[str, str | int] = {key: getattr(chunk, key) for key in _META_KEYS}
    meta["urls"] = json.dumps(chunk.urls, ensure_ascii=False)
    meta["contact"] = chunk.contact.model_dump_json() if chunk.contact else ""
    return meta


def _from_meta(chunk_id: str, text: str, meta: dict) -> Chunk:
    """The chunk as stored; metadata written before `urls`/`contact` existed still reads."""
    fields = {k: meta[k] for k in _META_KEYS if k in meta}
    if meta.get("urls"):
        fields["urls"] = json.loads(meta["urls"])
    if meta.get("contact"):
        fields["contact"] = Contact.model_validate_json(meta["contact"])
    return Chunk(chunk_id=chunk_id, text=text, **fields)


def _locked(exc: BaseException) -> bool:
    """SQLite's "database is locked": another connection of this process's embedded Chroma
    (its own background work, or a store on the same directory just closed) holds the write lock
    for a moment. Seen once in a fresh-clone CI run, on a loaded machine."""
    return "database is locked" in str(exc)


@retry(
    retry=retry_if_exception(_locked),
    stop=stop_after_attempt(6),
    wait=wait_exponential(multiplier=0.05, max=1.0),  # at most about 1.5 s in all
    reraise=True,
)
def _modify(collection, configuration: dict) -> None:
    """collection.modify, tried again while the database is briefly locked (bounded)."""
    collection.modify(configuration=configuration)


class ChromaStore:
    """Vectors are computed by our own embedder and passed in; Chroma never embeds anything."""

    def __init__(self, settings: Settings, collection_name: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.collection_name = collection_name
        self._path: Path | None = None
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_host:
            self.location = f"http://{settings.chroma_host}:{settings.chroma_port}"
            try:
                self._client = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                )
            except Exception as exc:  # chromadb raises plain Exception/ValueError when unreachable
                raise StoreError(f"Chroma server at {self.location} is unreachable: {exc}") from exc
        else:
            assert settings.chroma_path is not None
            self.location = str(settings.chroma_path)
            claim_directory(settings.chroma_path)
            self._path = settings.chroma_path
            self._client = chromadb.PersistentClient(
                path=str(settings.chroma_path), settings=chroma_settings
            )
        # embedding_function=None: Chroma's default would download an ONNX model at first use.
        self._collection = self._client.get_or_create_collection(
            collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self._tune_search(settings.chroma_ef_search)

    def _tune_search(self, ef_search: int) -> None:
        """Set the collection's ef_search (mutable in Chroma, kept by it) when it differs: a
        wider HNSW search keeps recall up as the collection grows; every replica sets the same."""
        try:
            current = (self._collection.configuration or {}).get("hnsw") or {}
        except Exception:  # noqa: BLE001 - a server without configuration support keeps its own
            return
        if current.get("ef_search") != ef_search:
            _modify(self._collection, {"hnsw": {"ef_search": ef_search}})

    @_unavailable
    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=np.asarray(vectors, dtype=np.float32),
            documents=[c.text for c in chunks],
            metadatas=[_to_meta(c) for c in chunks],
        )

    @_unavailable
    def update_metadata(self, chunks: list[Chunk]) -> None:
        """Metadata moved (title, position) but the text did not: keep the vector."""
        self._collection.update(
            ids=[c.chunk_id for c in chunks], metadatas=[_to_meta(c) for c in chunks]
        )

    @_unavailable
    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 500):
            self._collection.delete(ids=ids[start : start + 500])

    @_unavailable
    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    @_unavailable
    def get(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        got = self._collection.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas"])
        return {
            cid: _from_meta(cid, text or "", meta or {})
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    @_unavailable
    def query(
        self, vector: np.ndarray, k: int, among: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; `among` restricts to the live ids."""
        if among is not None and not among:
            return []
        result = self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=max(1, min(k, len(among) if among is not None else k)),
            ids=among,
            include=["distances"],
        )
        return [
            (cid, 1.0 - float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def close(self) -> None:
        """Release the embedded directory so another process may own it."""
        if self._path is not None:
            release_directory(self._path)

    def heartbeat(self) -> bool:
        try:
            self._client.heartbeat()
            return True
        except Exception:
            return False

    def describe(self) -> str:
        return json.dumps({"collection": self.collection_name, "location": self.location})

    def index_records(self) -> ChromaIndexRecords:
        """The manifest and unit vectors kept in this Chroma (server mode: shared by replicas)."""
        return ChromaIndexRecords(self)


# Chroma refuses records without a vector (it would embed the document with its default model):
# the manifest's record carries this constant one-dimensional one.
_NO_VECTOR = [1.0]
_HEAD_ID = "head"


class ChromaIndexRecords:
    """The index's own records in two collections beside the chunks' one.

    `<collection>-manifest` holds one record: the manifest without chunk texts (the ordered live
    chunk ids, documents, roots, skipped files) as its document, and a fresh `version` in its
    metadata, which replicas poll cheaply (metadata only). The chunks themselves are read back
    from the chunks' collection, so no text is stored twice. `<collection>-units` holds the
    answer units' vectors, keyed by unit key. Upserting the head is the commit point.
    """

    shared = True

    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self.location = store.location
        self._client = store._client
        self._manifest = self._client.get_or_create_collection(
            f"{store.collection_name}-manifest", embedding_function=None
        )
        self._units = self._client.get_or_create_collection(
            f"{store.collection_name}-units", embedding_function=None
        )
        self._batch = max(100, min(5000, int(self._client.get_max_batch_size())))

    @_unavailable
    def version(self) -> str | None:
        got = self._manifest.get(ids=[_HEAD_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        return str((got["metadatas"][0] or {}).get("version") or "")

    @_unavailable
    def save_manifest(self, manifest: Manifest) -> None:
        head = manifest.model_dump(mode="json", exclude={"chunks"})
        head["chunk_ids"] = [c.chunk_id for c in manifest.chunks]
        version = f"{manifest.built_at}/{uuid.uuid4().hex}"
        self._manifest.upsert(
            ids=[_HEAD_ID],
            embeddings=[_NO_VECTOR],
            documents=[json.dumps(head, ensure_ascii=False)],
            metadatas=[{"version": version, "built_at": manifest.built_at}],
        )

    def load_manifest(self) -> Manifest | None:
        """The head, then its chunks from the chunks' collection. A re-index that commits and
        deletes the old chunks between the two reads is met by reading the new head again."""
        for _ in range(3):
            head = self._head()
            if head is None:
                return None
            ids: list[str] = head.pop("chunk_ids")
            chunks = self._chunks(ids)
            if len(chunks) == len(ids):
                return Manifest.model_validate({**head, "chunks": [chunks[i] for i in ids]})
        raise StoreUnavailable(
            f"The index at {self.location} changed while it was read; its chunks are incomplete."
        )

    @_unavailable
    def _head(self) -> dict | None:
        got = self._manifest.get(ids=[_HEAD_ID], include=["documents"])
        if not got["ids"]:
            return None
        return json.loads(got["documents"][0])

    def _chunks(self, ids: list[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for start in range(0, len(ids), self._batch):
            found.update(self.store.get(ids[start : start + self._batch]))
        return found

    @_unavailable
    def unit_keys(self) -> set[str]:
        keys: set[str] = set()
        for offset in itertools.count(0, self._batch):
            got = self._units.get(include=[], limit=self._batch, offset=offset)
            keys.update(got["ids"])
            if len(got["ids"]) < self._batch:
                return keys
        return keys  # pragma: no cover - the loop returns

    @_unavailable
    def load_units(self) -> UnitVectors:
        keys: list[str] = []
        rows: list[np.ndarray] = []
        for offset in itertools.count(0, self._batch):
            got = self._units.get(include=["embeddings"], limit=self._batch, offset=offset)
            if got["ids"]:
                keys.extend(got["ids"])
                rows.append(np.asarray(got["embeddings"], dtype=np.float32))
            if len(got["ids"]) < self._batch:
                break
        if not keys:
            return UnitVectors.empty()
        return UnitVectors(keys, np.vstack(rows))

    @_unavailable
    def add_units(self, keys: list[str], matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix, dtype=np.float32)
        for start in range(0, len(keys), self._batch):
            end = start + self._batch
            self._units.upsert(ids=keys[start:end], embeddings=matrix[start:end])

    @_unavailable
    def prune_units(self, keep: set[str]) -> None:
        stale = sorted(self.unit_keys() - keep)
        for start in range(0, len(stale), self._batch):
            self._units.delete(ids=stale[start : start + self._batch])
