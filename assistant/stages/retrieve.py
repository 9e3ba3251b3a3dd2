"""Retrieve: the standalone question's vector and the passages that may be quoted.

In: the standalone question and the answer's language. Out: the query vector (reused by the
later stages) and the hybrid search's hits, less the passages that instruct a model or carry stray
links (assistant/answer/guard.py), which are never quoted, cited or sent to an LLM.
"""

from __future__ import annotations

import numpy as np

from assistant.answer import guard
from assistant.embeddings import EmbeddingProvider
from assistant.retrieval.hybrid import HybridSearcher
from assistant.schema import SearchHit

# Hits the evidence selection reads (its own chunk limit applies after the guard).
HITS = 8


class Retrieve:
    def __init__(self, embedder: EmbeddingProvider, searcher: HybridSearcher) -> None:
        self.embedder = embedder
        self.searcher = searcher

    def __call__(self, standalone: str, lang: str) -> tuple[np.ndarray, list[SearchHit]]:
        qvec = self.embedder.embed_query_vector(standalone)
        hits = self.searcher.search(standalone, lang, HITS, vector=qvec)
        return qvec, guard.usable(hits)
