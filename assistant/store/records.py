"""Where the live index's own records live: the manifest (which chunks are live, BM25's input) and
the answer units' vectors.

Embedded Chroma keeps them as files beside it (`LocalIndexRecords`, DATA_DIR/index), as it always
has. With a Chroma server (`CHROMA_HOST`) they live in the server too
(`assistant.store.chroma.ChromaIndexRecords`), so an API replica with an empty DATA_DIR can answer
and every replica sees the same index. Both keep the ingest order that makes a re-index atomic:
new unit vectors first, the manifest as the one commit point, pruning last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.store.manifest import Manifest
from assistant.store.unit_vectors import UnitVectors


class IndexRecords(Protocol):
    """The manifest and unit vectors of one collection, wherever they are kept."""

    location: str
    shared: bool  # True when other processes may commit a new index (a replica should watch)

    def load_manifest(self) -> Manifest | None:
        """The committed manifest, or None before the first ingest."""
        ...

    def save_manifest(self, manifest: Manifest) -> None:
        """Commit a new index in one step: readers see the old manifest or the new one."""
        ...

    def version(self) -> str | None:
        """A cheap token that changes with every committed manifest (None: no index yet)."""
        ...

    def unit_keys(self) -> set[str]:
        """Keys of the unit vectors stored (ingest embeds only the others)."""
        ...

    def load_units(self) -> UnitVectors:
        """Every stored unit vector."""
        ...

    def add_units(self, keys: list[str], matrix: np.ndarray) -> None:
        """Store new unit vectors (before the manifest that needs them is committed)."""
        ...

    def prune_units(self, keep: set[str]) -> None:
        """Drop unit vectors no live chunk needs (after the commit)."""
        ...


class LocalIndexRecords:
    """Files in DATA_DIR/index: `<collection>.json` and `<collection>.units.npz`."""

    shared = False

    def __init__(self, index_dir: Path, collection: str) -> None:
        self.index_dir = index_dir
        self.collection = collection
        self.location = str(index_dir)

    def load_manifest(self) -> Manifest | None:
        return Manifest.load(self.index_dir, self.collection)

    def save_manifest(self, manifest: Manifest) -> None:
        manifest.save(self.index_dir)

    def version(self) -> str | None:
        try:
            stat = Manifest.path_for(self.index_dir, self.collection).stat()
        except FileNotFoundError:
            return None
        return f"{stat.st_mtime_ns}:{stat.st_size}"

    def unit_keys(self) -> set[str]:
        return set(self.load_units().keys)

    def load_units(self) -> UnitVectors:
        return UnitVectors.load(self.index_dir, self.collection)

    def add_units(self, keys: list[str], matrix: np.ndarray) -> None:
        if keys:
            self.load_units().merged(keys, matrix).save(self.index_dir, self.collection)

    def prune_units(self, keep: set[str]) -> None:
        vectors = self.load_units()
        if any(key not in keep for key in vectors.keys):
            vectors.merged([], vectors.matrix[:0], keep=keep).save(self.index_dir, self.collection)
