"""Vector store behind a small protocol; Chroma (embedded or server) is the implementation.

Only this package imports chromadb. The store holds vectors, texts and metadata keyed by chunk id;
which ids form the live index is decided by the manifest (`assistant/store/manifest.py`), so a
half-finished ingest is never visible to queries. The manifest and the answer units' vectors are
`IndexRecords` (`assistant/store/records.py`): files beside embedded Chroma, records inside a
Chroma server (so API replicas keep no index on local disk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.schema import Chunk
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.store.records import IndexRecords


class StoreError(RuntimeError):
    """The store cannot be used (busy, unreachable); the message says what to do."""


class StoreUnavailable(StoreError):
    """A store call failed while serving (a Chroma server down or restarting): the API answers
    503 with a reason and recovers by itself once the store answers again."""


class VectorStore(Protocol):
    """What ingest and retrieval need from a vector store."""

    collection_name: str

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None: ...

    def update_metadata(self, chunks: list[Chunk]) -> None: ...

    def delete(self, ids: list[str]) -> None: ...

    def ids(self) -> set[str]: ...

    def get(self, ids: list[str]) -> dict[str, Chunk]: ...

    def query(
        self, vector: np.ndarray, k: int, among: list[str] | None = None
    ) -> list[tuple[str, float]]: ...

    def heartbeat(self) -> bool: ...

    def close(self) -> None: ...


def collection_name(settings: Settings, embedder_name: str) -> str:
    """The embedding model is part of the collection's identity (3-512 chars, [A-Za-z0-9._-])."""
    import re

    raw = f"{settings.collection_prefix}-{embedder_name}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")[:500]
    return name if len(name) >= 3 else f"{name}-idx"


def open_store(settings: Settings, embedder_name: str) -> VectorStore:
    """Chroma server when CHROMA_HOST is set, else embedded Chroma owned by this process."""
    from assistant.store.chroma import ChromaStore

    return ChromaStore(settings, collection_name(settings, embedder_name))


def open_index_records(settings: Settings, store: VectorStore) -> IndexRecords:
    """The manifest and unit vectors that go with `store`: in the Chroma server when CHROMA_HOST
    is set (shared by every replica), else files in DATA_DIR/index (embedded mode, as before)."""
    from assistant.store.records import LocalIndexRecords

    shared = getattr(store, "index_records", None)
    if settings.chroma_host and shared is not None:
        return shared()
    return LocalIndexRecords(settings.index_dir, store.collection_name)
