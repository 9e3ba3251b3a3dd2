"""Hybrid retrieval: dense and BM25 rankings fused by reciprocal rank, question language first.

Parallel translations of the same passage are not returned twice: a chunk in another language is
kept only when its document group (original plus translations) has no chunk in the question's
language among the results, so other languages serve as the fallback they should be.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.embeddings import EmbeddingProvider
from assistant.retrieval.bm25 import BM25Index
from assistant.schema import Chunk, SearchHit
from assistant.store import VectorStore
from assistant.store.manifest import Manifest


@dataclass(frozen=True)
class LiveIndex:
    """One consistent view of the index: manifest, chunks by id and BM25, swapped as a whole."""

    manifest: Manifest
    by_id: dict[str, Chunk]
    ids: list[str]
    bm25: BM25Index

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> LiveIndex:
        chunks = manifest.chunks
        return cls(
            manifest=manifest,
            by_id={c.chunk_id: c for c in chunks},
            ids=[c.chunk_id for c in chunks],
            bm25=BM25Index(chunks),
        )


# The dense search asks for this many chunks beyond the ones it keeps, so a tie at the cut is
# broken by chunk id rather than by the order the vector store met the tied chunks in.
DENSE_TIE_SLACK = 5


def group_of(chunk: Chunk) -> str:
    """The document group: an original and its translations share one."""
    return chunk.translation_of or chunk.doc_id


def rrf(rankings: list[list[str]], k: int) -> dict[str, float]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the rankings a chunk appears in."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank)
    return fused


class HybridSearcher:
    """Dense + BM25 + RRF + language preference over a swappable `LiveIndex`."""

    def __init__(
        self,
        embedder: EmbeddingProvider,
        store: VectorStore,
        live: LiveIndex,
        candidates: int = 30,
        rrf_k: int = 60,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._live = live
        self._swap_lock = threading.Lock()

    @property
    def live(self) -> LiveIndex:
        return self._live

    def swap(self, live: LiveIndex) -> None:
        """Switch to a new index in one assignment; searches under way finish on the old one."""
        with self._swap_lock:
            self._live = live

    def search(
        self,
        query: str,
        lang: str,
        k: int = 5,
        prefer_lang: bool = True,
        vector: np.ndarray | None = None,
    ) -> list[SearchHit]:
        live = self._live
        if not live.ids:
            return []
        if vector is None:
            vector = self.embedder.embed_query_vector(query)
        dense_ids = self._dense(vector, live)
        bm25_ids = [live.ids[i] for i, _ in live.bm25.search(query, lang, self.candidates)]
        fused = rrf([dense_ids, bm25_ids], self.rrf_k)
        order = sorted(fused, key=lambda cid: -fused[cid])
        if prefer_lang:
            order = self._language_first(order, live, lang)
        dense_rank = {cid: r for r, cid in enumerate(dense_ids, start=1)}
        bm25_rank = {cid: r for r, cid in enumerate(bm25_ids, start=1)}
        return [
            SearchHit(
                chunk=live.by_id[cid],
                score=round(fused[cid], 6),
                rank=rank,
                dense_rank=dense_rank.get(cid),
                bm25_rank=bm25_rank.get(cid),
            )
            for rank, cid in enumerate(order[:k], start=1)
        ]

    def _dense(self, vector: np.ndarray, live: LiveIndex) -> list[str]:
        """The nearest live chunks. The store normally holds exactly the live ids, so it is asked
        unrestricted: sending every live id with each query (a filter Chroma then applies) costs
        time linear in the index. Only when stale vectors crowd the top (an ingest under way, or
        one that died before its sweep) is the query repeated restricted to the live ids."""
        want = min(self.candidates, len(live.ids))
        asked = self.candidates + DENSE_TIE_SLACK
        dense = [(cid, sim) for cid, sim in self.store.query(vector, asked) if cid in live.by_id]
        if len(dense) < want:
            dense = self.store.query(vector, asked, among=live.ids)
            dense = [(cid, sim) for cid, sim in dense if cid in live.by_id]
        # Equal similarities by chunk id: Chroma returned two chunks at one float32 distance in
        # either order from one process to the next, and the calibration's fit moved with them.
        return [cid for cid, _ in sorted(dense, key=lambda d: (-d[1], d[0]))][: self.candidates]

    @staticmethod
    def _language_first(order: list[str], live: LiveIndex, lang: str) -> list[str]:
        same = [cid for cid in order if live.by_id[cid].lang == lang]
        covered = {group_of(live.by_id[cid]) for cid in same}
        other = [cid for cid in order if live.by_id[cid].lang != lang]
        fallback = [cid for cid in other if group_of(live.by_id[cid]) not in covered]
        return same + fallback


class HybridRetriever(BaseRetriever):
    """The searcher as a LangChain retriever, so chains can compose it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    lang: str = "en"
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.chunk.text,
                metadata={**hit.chunk.model_dump(exclude={"text"}), "score": hit.score},
                id=hit.chunk.chunk_id,
            )
            for hit in self.searcher.search(query, self.lang, self.k)
        ]
