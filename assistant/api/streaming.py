"""Start a streamed answer before the response does, so early failures get a status code.

A stream's status line goes out with its first byte. The answer pipeline does all its store work
(retrieval) before it yields its first piece, so running it to that piece in a worker thread
first turns "the index (or the shared state) is down" into a 503 with a reason instead of a 200
followed by an error event, and leaves only the already computed text to stream. Any other
failure keeps its place in the stream (the routes turn it into their error event).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TypeVar

import anyio

from assistant.state import StateUnavailable
from assistant.store import StoreUnavailable

T = TypeVar("T")
_END = object()


async def started(items: Iterable[T], limiter: anyio.CapacityLimiter | None = None) -> Iterator[T]:
    """`items` with its first element already computed (exceptions raised here, not later).

    The first element is where the answer's work is done, so it runs within `limiter` (the
    API's answer limiter) like every other answer.
    """
    iterator = iter(items)
    try:
        first = await anyio.to_thread.run_sync(next, iterator, _END, limiter=limiter)
    except (StoreUnavailable, StateUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - re-raised where the stream reports its errors
        return _raising(exc)
    if first is _END:
        return iter(())
    return itertools.chain([first], iterator)  # type: ignore[list-item]


def _raising(exc: Exception) -> Iterator[T]:
    raise exc
    yield  # a generator: the exception surfaces on the first next()
