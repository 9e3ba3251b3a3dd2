"""Answers run off the event loop with bounded concurrency (assistant/api/concurrency.py).

Correctness only (timings belong to benchmarks/): at most ANSWER_CONCURRENCY answers compute at
once, the rest wait without blocking /healthz or /readyz, and every concurrent ask on the real
pipeline gets the same answer it gets alone.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from tests.conftest import ROOT

from .conftest import make_settings
from .fakes import FakeAssistant


class BlockingAssistant(FakeAssistant):
    """Each answer waits for `release`; records how many ran at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0

    def ask(self, question, history=None, lang=None, client_lang=None):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            assert self.release.wait(60), "never released"
            return super().ask(question, history, lang, client_lang)
        finally:
            with self._lock:
                self.running -= 1


def _wait_for(condition, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_answers_are_bounded_and_probes_stay_free(live_factory, tmp_path, store):
    blocking = BlockingAssistant()
    settings = make_settings(tmp_path, answer_concurrency=2)
    live = live_factory(create_app(settings, assistant=blocking, feedback=store))
    questions = [f"Who can apply for funding, case {i}?" for i in range(6)]
    with ThreadPoolExecutor(len(questions)) as pool:
        futures = [
            pool.submit(
                httpx.post, f"{live.url}/v1/ask", json={"question": q, "lang": "en"}, timeout=60
            )
            for q in questions
        ]
        _wait_for(lambda: blocking.running == 2)
        # two answers hold both slots, four wait: the probes are still served
        assert httpx.get(f"{live.url}/healthz", timeout=10).status_code == 200
        assert httpx.get(f"{live.url}/readyz", timeout=10).status_code == 200
        assert blocking.running == 2
        blocking.release.set()
        responses = [f.result(timeout=60) for f in futures]
    assert [r.status_code for r in responses] == [200] * 6
    assert sorted(r.json()["question"] for r in responses) == sorted(questions)
    assert blocking.most == 2


@pytest.mark.slow
def test_concurrent_asks_get_the_answers_they_get_alone(live_factory, real_assistant, tmp_path):
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings.database_url)
    live = live_factory(create_app(settings, assistant=real_assistant, feedback=store))
    rows = [json.loads(line) for line in (ROOT / "evals/questions/dev.jsonl").open()]
    questions = [r["question"] for r in rows if not r.get("history")][:16]

    def ask(question: str) -> dict:
        r = httpx.post(f"{live.url}/v1/ask", json={"question": question}, timeout=120)
        assert r.status_code == 200, r.text
        return r.json()

    alone = {q: ask(q) for q in questions}
    with ThreadPoolExecutor(len(questions)) as pool:
        together = dict(zip(questions, pool.map(ask, questions), strict=True))
    for q in questions:
        a, b = alone[q], together[q]
        assert b["question"] == q
        assert (b["answer"], b["language"], b["refused"]) == (
            a["answer"],
            a["language"],
            a["refused"],
        )
        assert [s["chunk_id"] for s in b["sources"]] == [s["chunk_id"] for s in a["sources"]]
