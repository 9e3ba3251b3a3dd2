"""The index manifest: which chunks form the live index, with their texts for BM25.

Written atomically (temp file + `os.replace`) after every vector of a new index is in the store, so
vectors and BM25 switch together and a killed ingest leaves the previous index answering.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.schema import Chunk


class DocumentEntry(BaseModel):
    """One ingested document and the chunk ids it produced."""

    doc_id: str
    title: str
    lang: str
    path: str
    chunk_ids: list[str]


class SkippedFile(BaseModel):
    """A file the last ingest could not load, and why (shown by GET /v1/admin/index)."""

    path: str
    reason: str


class Manifest(BaseModel):
    """The live index of one collection."""

    collection: str
    embedding_model: str
    built_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    roots: list[str] = Field(default_factory=list)
    documents: dict[str, DocumentEntry] = Field(default_factory=dict)
    chunks: list[Chunk] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)  # unreadable files, last ingest

    @staticmethod
    def path_for(index_dir: Path, collection: str) -> Path:
        return index_dir / f"{collection}.json"

    @classmethod
    def load(cls, index_dir: Path, collection: str) -> Manifest | None:
        path = cls.path_for(index_dir, collection)
        if not path.exists():
            return None
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self, index_dir: Path) -> Path:
        """Replace the manifest in one step; readers see the old one or the new one, never half."""
        index_dir.mkdir(parents=True, exist_ok=True)
        target = self.path_for(index_dir, self.collection)
        fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.model_dump_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    def same_content(self, other: Manifest | None) -> bool:
        """True when nothing a query could see differs (the build time aside)."""
        if other is None:
            return False
        return (
            self.chunks == other.chunks
            and self.documents == other.documents
            and self.skipped == other.skipped
        )
