"""Asking the questions and turning each answer into a per-question record.

The runner asks as a user would: the question and its history, never the expected language. It
works with anything shaped like `Assistant` (the project, the `st` variant, the baselines), so every
configuration is measured by exactly the same code.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from tqdm import tqdm

from assistant.schema import Answer, Chunk, SearchHit
from evals import metrics
from evals.judge import FaithfulnessJudge
from evals.questions import Question


class Responder(Protocol):
    """The part of `Assistant` the evaluation uses."""

    def ask(self, question: str, history: Any = None) -> Answer: ...

    def search(self, query: str, k: int = 5) -> list[SearchHit]: ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]: ...


def evaluate_question(
    responder: Responder, q: Question, judge: FaithfulnessJudge | None = None
) -> dict[str, Any]:
    """Ask one question and score the answer; an exception is recorded as a failed answer."""
    error = None
    started = time.perf_counter()
    try:
        answer = responder.ask(q.question, history=list(q.history) or None)
    except Exception as exc:  # one broken answer must not hide the other results
        answer = None
        error = f"{type(exc).__name__}: {exc}"
    latency_ms = round((time.perf_counter() - started) * 1000, 1)

    text = answer.reply() if answer else ""
    refused = bool(answer and answer.refused)
    sources = list(answer.sources) if answer else []
    missing = metrics.missing_groups(text, q.must_include) if q.answerable else []
    if answer is None:
        missing = [list(g) for g in q.must_include]
    detected = metrics.answer_language(text, [s.title for s in sources]) if text else None

    flags: list[bool] = []
    if sources:
        chunks = responder.get_chunks([s.chunk_id for s in sources])
        flags = metrics.check_citations(sources, chunks)

    cited_urls = [s.url for s in sources]
    off_gold = metrics.bad_urls(cited_urls, q.source_urls) if q.source_urls else []
    urls_valid = (not off_gold) if q.source_urls and cited_urls else None

    hit_rank, retrieved = None, []
    if q.sources:
        query = (answer.standalone_question if answer else "") or q.question
        try:
            hits = responder.search(query, k=metrics.HIT_K)
        except Exception as exc:
            hits = []
            error = error or f"search: {type(exc).__name__}: {exc}"
        retrieved = [h.chunk.doc_id for h in hits]
        hit_rank = metrics.first_hit_rank(retrieved, q.sources)

    record: dict[str, Any] = {
        "id": q.id,
        "lang": q.lang,
        "answer": text,
        "language": detected,
        "refused": refused,
        "passed": metrics.passed(q.answerable, refused, missing) and answer is not None,
        "missing": missing,
        "latency_ms": latency_ms,
        # beyond the required keys: what the report needs to show a failure in full
        "question": q.question,
        "history": [t.model_dump() for t in q.history],
        "answerable": q.answerable,
        "must_include": q.must_include,
        "language_match": detected == q.lang,
        "citations_valid": all(flags) if flags else None,
        "sources": [
            {
                **s.model_dump(include={"n", "doc_id", "chunk_id", "title", "url", "quote"}),
                "valid": ok,
            }
            for s, ok in zip(sources, flags, strict=True)
        ],
        "gold_sources": q.sources,
        "gold_urls": q.source_urls,
        "citation_urls_valid": urls_valid,
        "off_gold_urls": off_gold,
        "retrieved": retrieved,
        "hit_rank": hit_rank,
        "error": error,
    }
    if judge is not None:
        record["faithful"] = judge.score(q.question, answer) if answer else None
    return record


def failed(record: dict[str, Any]) -> bool:
    """A record the report lists: wrong outcome, wrong language, bad citation or URL, an error."""
    return (
        not record["passed"]
        or not record["language_match"]
        or record["citations_valid"] is False
        or record.get("citation_urls_valid") is False
        or record["error"] is not None
    )


def evaluate(
    responder: Responder,
    questions: Sequence[Question],
    label: str = "project",
    judge: FaithfulnessJudge | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """One record per question, in order, with a progress bar on stderr."""
    bar = tqdm(questions, desc=label, unit="q", disable=not progress, leave=False)
    return [evaluate_question(responder, q, judge) for q in bar]
