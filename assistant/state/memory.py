"""The in-process `StateStore`: one dict behind one lock, bounded in keys, expired lazily.

What `make run` and a single API process use. State dies with the process, and two processes
do not share it (that is what the Redis implementation of the next issue is for).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.state import WindowCount

if TYPE_CHECKING:
    from limits.storage import Storage


@dataclass
class _Entry:
    value: str | int | list[str]
    expires_at: float | None


class InMemoryStateStore:
    """Thread-safe; the least recently written keys go first once `max_keys` is reached."""

    def __init__(
        self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._next_sweep = 0.0
        self._limits: Storage | None = None

    # --- internals (call with the lock held) ---

    def _live(self, key: str) -> _Entry | None:
        entry = self._items.get(key)
        if entry is not None and entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._items[key]
            return None
        return entry

    def _put(self, key: str, entry: _Entry) -> None:
        self._items[key] = entry
        self._items.move_to_end(key)
        now = self._clock()
        if now >= self._next_sweep:  # drop expired keys now and then, not on every write
            self._next_sweep = now + 1.0
            for old in [k for k, e in self._items.items() if e.expires_at and e.expires_at <= now]:
                del self._items[old]
        while len(self._items) > self.max_keys:
            self._items.popitem(last=False)

    def _deadline(self, ttl_s: float | None) -> float | None:
        return None if ttl_s is None else self._clock() + ttl_s

    # --- StateStore ---

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._live(key)
            if entry is None or isinstance(entry.value, list):
                return None
            return str(entry.value)

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        with self._lock:
            self._put(key, _Entry(str(value), self._deadline(ttl_s)))

    def expire(self, key: str, ttl_s: float) -> bool:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return False
            entry.expires_at = self._deadline(ttl_s)
            return True

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)

    def incr(self, key: str, window_s: float, amount: int = 1) -> WindowCount:
        with self._lock:
            entry = self._live(key)
            now = self._clock()
            if entry is None or not isinstance(entry.value, int):
                if amount == 0:
                    return WindowCount(0, 0.0)
                entry = _Entry(0, now + window_s)
            entry.value = int(entry.value) + amount
            self._put(key, entry)
            reset = (entry.expires_at or now) - now
            return WindowCount(int(entry.value), max(0.0, reset))

    def list_push(self, key: str, value: str, max_len: int, ttl_s: float | None = None) -> None:
        with self._lock:
            entry = self._live(key)
            items = list(entry.value) if entry and isinstance(entry.value, list) else []
            items.append(value)
            self._put(key, _Entry(items[-max_len:] if max_len > 0 else [], self._deadline(ttl_s)))

    def list_get(self, key: str) -> list[str]:
        with self._lock:
            entry = self._live(key)
            return list(entry.value) if entry and isinstance(entry.value, list) else []

    def rate_limits(self) -> Storage:
        """`limits`' own in-process storage (`memory://`): counters expire with their window."""
        with self._lock:
            if self._limits is None:
                from limits.storage import storage_from_string

                self._limits = storage_from_string("memory://")
            return self._limits

    def close(self) -> None:
        return None

    def __len__(self) -> int:
        """Live keys (tests and diagnostics)."""
        with self._lock:
            for key in list(self._items):
                self._live(key)
            return len(self._items)
