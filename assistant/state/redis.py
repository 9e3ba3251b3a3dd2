"""The Redis `StateStore`: what makes API replicas stateless (`STATE_BACKEND=redis`, `REDIS_URL`).

Every operation is one round trip and atomic on the server: windowed counters are a Lua script
(INCRBY, and PEXPIRE only on the window's first hit, so later hits never stretch the window),
bounded lists are RPUSH + LTRIM + PEXPIRE in one MULTI/EXEC. Expiry is Redis's own (PX/PEXPIRE),
so state left by a replica that died still goes away. Keys carry `REDIS_KEY_PREFIX`, so several
deployments (or tests) can share one server.

Redis being down, slow or refusing raises `StateUnavailable` (a `RuntimeError` with the reason):
the API answers 503 with that reason, the bot says politely that it cannot answer just now.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from redis.exceptions import RedisError, ResponseError

from assistant.state import StateUnavailable, WindowCount

if TYPE_CHECKING:
    from limits.storage import Storage

T = TypeVar("T")

# KEYS[1] counter; ARGV[1] window (ms), ARGV[2] amount. Returns {count, ms until reset}.
_INCR_SCRIPT = """
local amount = tonumber(ARGV[2])
local window = tonumber(ARGV[1])
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then
  if amount == 0 then return {0, 0} end
  redis.call('DEL', KEYS[1])
end
if amount == 0 then
  local value = redis.call('GET', KEYS[1])
  if not value then return {0, 0} end
  return {tonumber(value), math.max(redis.call('PTTL', KEYS[1]), 0)}
end
local count = redis.call('INCRBY', KEYS[1], amount)
if count == amount then
  redis.call('PEXPIRE', KEYS[1], window)
  return {count, window}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {count, ttl}
"""


def _ms(seconds: float) -> int:
    """Redis wants whole milliseconds, at least one."""
    return max(1, math.ceil(seconds * 1000))


class RedisStateStore:
    """Thread-safe (redis-py's connection pool); one instance per process."""

    def __init__(
        self,
        url: str,
        prefix: str = "assistant:",
        timeout_s: float = 2.0,
        client: redis.Redis | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.client: redis.Redis = client or redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=30,
        )
        self._incr = self.client.register_script(_INCR_SCRIPT)
        self._limits: Storage | None = None
        self._limits_lock = threading.Lock()

    def _k(self, key: str) -> str:
        return self.prefix + key

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one command; a Redis failure becomes StateUnavailable with the reason."""
        try:
            return fn()
        except ResponseError:
            raise
        except RedisError as exc:
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise StateUnavailable(f"Redis {what} failed: {reason}") from exc

    # --- StateStore ---

    def get(self, key: str) -> str | None:
        def run() -> str | None:
            try:
                return self.client.get(self._k(key))
            except ResponseError:  # WRONGTYPE: a list under this key reads as no value
                return None

        return self._call("get", run)

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        px = None if ttl_s is None else _ms(ttl_s)
        self._call("set", lambda: self.client.set(self._k(key), str(value), px=px))

    def expire(self, key: str, ttl_s: float) -> bool:
        return bool(self._call("expire", lambda: self.client.pexpire(self._k(key), _ms(ttl_s))))

    def delete(self, *keys: str) -> None:
        if keys:
            self._call("delete", lambda: self.client.delete(*(self._k(k) for k in keys)))

    def incr(self, key: str, window_s: float, amount: int = 1) -> WindowCount:
        count, reset_ms = self._call(
            "incr", lambda: self._incr(keys=[self._k(key)], args=[_ms(window_s), int(amount)])
        )
        return WindowCount(int(count), max(0.0, int(reset_ms) / 1000.0))

    def list_push(self, key: str, value: str, max_len: int, ttl_s: float | None = None) -> None:
        name = self._k(key)

        def run() -> Any:
            with self.client.pipeline(transaction=True) as pipe:
                if max_len <= 0:
                    pipe.delete(name)
                    return pipe.execute()
                pipe.rpush(name, value)
                pipe.ltrim(name, -max_len, -1)
                if ttl_s is None:
                    pipe.persist(name)
                else:
                    pipe.pexpire(name, _ms(ttl_s))
                return pipe.execute()

        self._call("list push", run)

    def list_get(self, key: str) -> list[str]:
        def run() -> list[str]:
            try:
                return list(self.client.lrange(self._k(key), 0, -1))
            except ResponseError:  # WRONGTYPE: a plain value under this key is no list
                return []

        return self._call("list read", run)

    def ping(self) -> bool:
        """True when Redis answers (readiness); never raises."""
        try:
            return bool(self.client.ping())
        except RedisError:
            return False

    def rate_limits(self) -> Storage:
        """`limits`' Redis storage at REDIS_URL over this client's connection pool (so the same
        timeouts), under this store's key prefix; its failures surface as `StorageError`."""
        with self._limits_lock:
            if self._limits is None:
                from limits.storage import storage_from_string

                self._limits = storage_from_string(
                    self.url,
                    connection_pool=self.client.connection_pool,
                    key_prefix=f"{self.prefix}limits",
                    wrap_exceptions=True,
                )
            return self._limits

    def close(self) -> None:
        self.client.close()
