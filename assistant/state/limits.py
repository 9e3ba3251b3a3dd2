"""Fixed-window limits over a `StateStore`: per-client API limits, per-chat bot limits, and the
failed-admin-key brake. The window starts at a key's first hit (not at the clock's minute), so
a burst cannot straddle a boundary to get twice the limit in a few seconds.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from assistant.state import StateStore


class Decision(NamedTuple):
    """Whether the hit is allowed, and when to try again if not (whole seconds, at least 1)."""

    allowed: bool
    retry_after_s: int
    count: int


class WindowLimiter:
    """At most `limit` hits per `window_s` seconds per key."""

    def __init__(self, store: StateStore, prefix: str, limit: int, window_s: float = 60.0) -> None:
        self.store = store
        self.prefix = prefix
        self.limit = limit
        self.window_s = window_s

    def _key(self, key: str) -> str:
        return f"limit:{self.prefix}:{key}"

    @staticmethod
    def _retry(reset_in_s: float) -> int:
        return max(1, math.ceil(reset_in_s))

    def hit(self, key: str) -> Decision:
        """Count one hit; not allowed once the window holds more than `limit` hits."""
        count, reset = self.store.incr(self._key(key), self.window_s)
        return Decision(count <= self.limit, self._retry(reset), count)

    def peek(self, key: str) -> Decision:
        """Read without counting: allowed while fewer than `limit` hits are counted."""
        count, reset = self.store.incr(self._key(key), self.window_s, amount=0)
        return Decision(count < self.limit, self._retry(reset), count)

    def once_per_window(self, key: str, ttl_s: float) -> bool:
        """True the first time in `ttl_s` seconds for `key` (one polite reply, not a flood)."""
        flag = f"{self._key(key)}:told"
        if self.store.get(flag) is not None:
            return False
        self.store.set(flag, "1", ttl_s)
        return True
