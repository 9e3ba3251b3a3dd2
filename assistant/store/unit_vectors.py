"""Vectors of answer units (sentences and lists), computed at ingest so answers need no embedding.

Keyed by a hash of the unit's text, so re-ingest embeds only units it has not seen. Saved atomically
beside the manifest.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np


class UnitVectors:
    """An immutable key -> vector lookup."""

    def __init__(self, keys: list[str], matrix: np.ndarray) -> None:
        self.keys = keys
        self.matrix = matrix
        self._row = {key: i for i, key in enumerate(keys)}

    @staticmethod
    def path_for(index_dir: Path, collection: str) -> Path:
        return index_dir / f"{collection}.units.npz"

    @classmethod
    def empty(cls, dim: int = 384) -> UnitVectors:
        return cls([], np.zeros((0, dim), dtype=np.float32))

    @classmethod
    def load(cls, index_dir: Path, collection: str) -> UnitVectors:
        path = cls.path_for(index_dir, collection)
        if not path.exists():
            return cls.empty()
        with np.load(path, allow_pickle=False) as data:
            return cls([str(k) for k in data["keys"]], data["matrix"].astype(np.float32))

    def get(self, key: str) -> np.ndarray | None:
        row = self._row.get(key)
        return None if row is None else self.matrix[row]

    def similarity(self, key: str, query: np.ndarray) -> float:
        """Cosine similarity of a unit with a query vector (both normalised); 0 when unknown."""
        vec = self.get(key)
        return float(vec @ query) if vec is not None else 0.0

    def __contains__(self, key: str) -> bool:
        return key in self._row

    def __len__(self) -> int:
        return len(self.keys)

    def merged(
        self, keys: list[str], matrix: np.ndarray, keep: set[str] | None = None
    ) -> UnitVectors:
        """A new lookup with these added; only `keep` keys survive when given."""
        all_keys = self.keys + keys
        all_rows = np.vstack([self.matrix, matrix]) if len(keys) else self.matrix
        if keep is not None:
            rows = [i for i, k in enumerate(all_keys) if k in keep]
            all_keys = [all_keys[i] for i in rows]
            all_rows = all_rows[rows] if rows else all_rows[:0]
        return UnitVectors(all_keys, all_rows)

    def save(self, index_dir: Path, collection: str) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".units-", suffix=".npz")
        os.close(fd)
        try:
            with open(tmp, "wb") as handle:
                np.savez(handle, keys=np.array(self.keys, dtype=str), matrix=self.matrix)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path_for(index_dir, collection))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
