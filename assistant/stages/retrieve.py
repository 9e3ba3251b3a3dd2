"""Retrieve: the standalone question's vector and the passages that may be quoted.

In: the standalone question, the answer's language and, for a follow-up the rewrite left as
asked, the earlier question it may lean on. Out: the query vector (reused by the later stages)
and the hybrid search's hits, less the passages that instruct a model or carry stray links
(assistant/answer/guard.py), which are never quoted, cited or sent to an LLM.
"""

from __future__ import annotations

import numpy as np

from assistant.answer import guard
from assistant.embeddings import EmbeddingProvider
from assistant.retrieval.hybrid import HybridSearcher, rrf
from assistant.schema import SearchHit

# Hits the evidence selection reads (its own chunk limit applies after the guard).
HITS = 8
# A follow-up left as asked ("who is developing the area?") is also searched
# with the earlier question after it; its vector joins the question's own at this weight, so the
# question's own words still lead and a change of topic keeps its topic. Measured on the 863
# training questions with history (train.jsonl and the retired blind sets, with the calibration
# fitted without it): key facts 0.907 -> 0.939 (20 answered right that were not, 1 the other
# way), refusal 0.942 equal; weights 0.3 / 0.6 / 1.0 gave 0.924 / 0.939 / 0.939, refusal 0.930
# at 1.0. Searching with the earlier question without moving the vector: 0.911.
CONTEXT_WEIGHT = 0.5


class Retrieve:
    def __init__(self, embedder: EmbeddingProvider, searcher: HybridSearcher) -> None:
        self.embedder = embedder
        self.searcher = searcher

    def __call__(
        self, standalone: str, lang: str, context: str | None = None
    ) -> tuple[np.ndarray, list[SearchHit]]:
        qvec = self.embedder.embed_query_vector(standalone)
        hits = self.searcher.search(standalone, lang, HITS, vector=qvec)
        if context:
            qvec, hits = self._with_context(f"{standalone} {context}", lang, qvec, hits)
        return qvec, guard.usable(hits)

    def _with_context(
        self, query: str, lang: str, qvec: np.ndarray, hits: list[SearchHit]
    ) -> tuple[np.ndarray, list[SearchHit]]:
        """Both searches' hits by reciprocal-rank fusion (each keeps the ranks its own search
        gave it, the question's own first), and the two vectors' weighted mean, unit length."""
        cvec = self.embedder.embed_query_vector(query)
        more = self.searcher.search(query, lang, HITS, vector=cvec)
        by_id = {h.chunk.chunk_id: h for h in [*more, *hits]}
        fused = rrf(
            [[h.chunk.chunk_id for h in hits], [h.chunk.chunk_id for h in more]],
            self.searcher.rrf_k,
        )
        order = sorted(fused, key=lambda cid: -fused[cid])[:HITS]
        merged = [
            by_id[cid].model_copy(update={"rank": rank, "score": round(fused[cid], 6)})
            for rank, cid in enumerate(order, start=1)
        ]
        blended = qvec + CONTEXT_WEIGHT * cvec
        return (blended / np.linalg.norm(blended)).astype(qvec.dtype), merged
