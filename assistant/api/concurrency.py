"""Answers run in worker threads, at most ANSWER_CONCURRENCY at once; the rest wait on the loop.

The pipeline is synchronous CPU work (regex, BM25, the embedder), so it never runs on the event
loop: /healthz, /readyz, the web page and the Telegram bot's polling stay responsive. Bounding it
with its own limiter (not Starlette's shared 40-thread pool) means a burst of questions waits as
cheap coroutines instead of 40 threads fighting over the GIL and the cores, and leaves the shared
pool free for the small blocking calls (readiness, feedback) that must not queue behind answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

T = TypeVar("T")


def answer_limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's limiter, made on first use inside the event loop."""
    state = request.app.state
    limiter = getattr(state, "answer_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(state.settings.answer_concurrency)
        state.answer_limiter = limiter
    return limiter


async def run_answer(request: Request, fn: Callable[[], T]) -> T:
    """`fn()` in a worker thread, within the answer limiter."""
    return await anyio.to_thread.run_sync(fn, limiter=answer_limiter(request))


class _Done(Exception):
    """StopIteration cannot cross a thread boundary through anyio; this stands in for it."""


def _next(iterator: Iterator[T]) -> T:
    try:
        return next(iterator)
    except StopIteration:
        raise _Done from None


async def iterate_answer(request: Request, iterator: Iterator[T]) -> AsyncIterator[T]:
    """Each step of a streamed answer in a worker thread, within the answer limiter."""
    limiter = answer_limiter(request)
    while True:
        try:
            item = await anyio.to_thread.run_sync(_next, iterator, limiter=limiter)
        except _Done:
            return
        yield item
