"""Web session ids: issued by the server, unguessable, and only ever mapped to their own memory.

A client cannot choose an id: an id this server never issued (or one that expired) starts a new
session with a fresh id, so a short or shared id can never reach another caller's conversation.
"""

from __future__ import annotations

import secrets

from assistant.state import StateStore

# 24 random bytes = 192 bits, 32 URL-safe characters (the API accepts up to 64).
TOKEN_BYTES = 24


class SessionRegistry:
    """Issue ids and tell issued, live ids from everything else."""

    def __init__(self, store: StateStore, ttl_s: float) -> None:
        self.store = store
        self.ttl_s = ttl_s

    @staticmethod
    def _key(session_id: str) -> str:
        return f"session:{session_id}"

    def issue(self) -> str:
        """A new id, remembered for `ttl_s` idle seconds."""
        session_id = secrets.token_urlsafe(TOKEN_BYTES)
        self.store.set(self._key(session_id), "1", self.ttl_s)
        return session_id

    def resolve(self, given: str | None) -> tuple[str, bool]:
        """(id to use, whether it continues a session): a live issued id is kept and its idle
        time restarts; anything else gets a fresh id."""
        if given and self.store.expire(self._key(given), self.ttl_s):
            return given, True
        return self.issue(), False
