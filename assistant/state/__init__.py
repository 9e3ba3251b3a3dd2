"""Shared conversation and limit state behind one small interface.

Rate limits (through the `limits` library's storage that the store hands out), web sessions
and conversation memory keep their state in a `StateStore`, never in module globals, so a
second implementation (Redis, for stateless API replicas) only has to implement this Protocol;
every caller and every test stays the same. `open_state_store(settings)` picks the
implementation from `STATE_BACKEND`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:
    from limits.storage import Storage

    from assistant.settings import Settings


class StateUnavailable(RuntimeError):
    """The shared state store cannot be reached now (Redis down, slow or refusing); the message
    says why. The API answers 503 with it, the bot a polite sentence."""


class WindowCount(NamedTuple):
    """A counter inside a fixed window: the count so far and the seconds until it resets."""

    count: int
    reset_in_s: float


@runtime_checkable
class StateStore(Protocol):
    """Key-value state with expiry, atomic windowed counters and bounded lists.

    Values are strings (what Redis stores); callers encode anything richer as JSON. Every
    method is atomic with respect to the others on the same key.
    """

    def get(self, key: str) -> str | None:
        """The value, or None when missing or expired."""
        ...

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        """Store a value; it expires after `ttl_s` seconds (never when None)."""
        ...

    def expire(self, key: str, ttl_s: float) -> bool:
        """Give an existing key a new time to live; False when the key does not exist."""
        ...

    def delete(self, *keys: str) -> None:
        """Remove keys of any kind (missing keys are ignored)."""
        ...

    def incr(self, key: str, window_s: float, amount: int = 1) -> WindowCount:
        """Add `amount` to a counter whose window starts at its first hit and lasts `window_s`.

        `amount=0` reads the counter without creating it (count 0 when there is none).
        """
        ...

    def list_push(self, key: str, value: str, max_len: int, ttl_s: float | None = None) -> None:
        """Append to a list, keep only its last `max_len` items and (re)start its expiry."""
        ...

    def list_get(self, key: str) -> list[str]:
        """The list's items, oldest first (empty when missing or expired)."""
        ...

    def rate_limits(self) -> Storage:
        """The `limits` library's storage at the same place (one per store, shared by every
        limiter): `memory://` in process, this Redis's connection pool and key prefix in Redis."""
        ...

    def close(self) -> None:
        """Release connections (nothing to do in process)."""
        ...


def open_state_store(settings: Settings) -> StateStore:
    """The store `STATE_BACKEND` names: `memory` (one process) or `redis` (shared by replicas)."""
    if settings.state_backend == "memory":
        from assistant.state.memory import InMemoryStateStore

        return InMemoryStateStore(max_keys=settings.state_max_keys)
    if settings.state_backend == "redis":
        if not settings.redis_url:
            raise ValueError("STATE_BACKEND=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
        from assistant.state.redis import RedisStateStore

        return RedisStateStore(
            settings.redis_url, settings.redis_key_prefix, settings.redis_timeout_s
        )
    raise ValueError(f"unknown STATE_BACKEND {settings.state_backend!r}")


__all__ = ["StateStore", "StateUnavailable", "WindowCount", "open_state_store"]
