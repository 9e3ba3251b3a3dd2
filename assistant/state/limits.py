"""Fixed-window limits: per-client API limits, per-chat bot limits, and the failed-admin-key brake.

Counted by the `limits` library (its fixed-window strategy) in the storage its state store hands
out at the same place: `memory://` in process, the same Redis (connection pool, timeouts and key
prefix) for `STATE_BACKEND=redis`, so replicas share every limit. The window starts at a key's
first hit (not at the clock's minute), so a burst cannot straddle a boundary to get twice the
limit in a few seconds. A Redis failure is `StateUnavailable`, as for the rest of the state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.strategies import FixedWindowRateLimiter

from assistant.state import StateStore, StateUnavailable

T = TypeVar("T")


class Decision(NamedTuple):
    """Whether the hit is allowed, and when to try again if not (whole seconds, at least 1;
    0 when allowed)."""

    allowed: bool
    retry_after_s: int


class WindowLimiter:
    """At most `limit` hits per `window_s` seconds (whole seconds, at least 1) per key."""

    def __init__(self, store: StateStore, prefix: str, limit: int, window_s: float = 60.0) -> None:
        self.store = store
        self.prefix = prefix
        self.limit = limit
        self.window_s = window_s
        self._item = RateLimitItemPerSecond(limit, max(1, math.ceil(window_s)))
        self._strategy = FixedWindowRateLimiter(store.rate_limits())

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """One `limits` call; a storage failure (Redis) becomes StateUnavailable with the reason."""
        try:
            return fn()
        except StorageError as exc:
            cause = exc.storage_error
            reason = " ".join(str(cause).split())[:200] or type(cause).__name__
            raise StateUnavailable(f"Redis rate limit {what} failed: {reason}") from exc

    def _refused(self, key: str) -> Decision:
        stats = self._call(
            "read", lambda: self._strategy.get_window_stats(self._item, self.prefix, key)
        )
        return Decision(False, max(1, math.ceil(stats.reset_time - time.time())))

    def hit(self, key: str) -> Decision:
        """Count one hit; not allowed once the window holds more than `limit` hits."""
        if self._call("hit", lambda: self._strategy.hit(self._item, self.prefix, key)):
            return Decision(True, 0)
        return self._refused(key)

    def peek(self, key: str) -> Decision:
        """Read without counting: allowed while fewer than `limit` hits are counted."""
        if self._call("read", lambda: self._strategy.test(self._item, self.prefix, key)):
            return Decision(True, 0)
        return self._refused(key)

    def once_per_window(self, key: str, ttl_s: float) -> bool:
        """True the first time in `ttl_s` seconds for `key` (one polite reply, not a flood)."""
        flag = f"limit:{self.prefix}:{key}:told"
        if self.store.get(flag) is not None:
            return False
        self.store.set(flag, "1", ttl_s)
        return True
