"""Bounded server-side conversation memory, shared by the API (session ids) and the bot (chats).

Keeps the last N question/answer pairs per key and forgets a conversation after M idle minutes,
so memory stays small and nothing is kept longer than a conversation needs. The turns live in a
`StateStore` (in process by default), so replicas can share them once the store is shared.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from assistant.schema import Turn
from assistant.state import StateStore
from assistant.state.memory import InMemoryStateStore

if TYPE_CHECKING:
    from assistant.settings import Settings


class ConversationMemory:
    """Map from a conversation key to its recent turns and language, kept in a `StateStore`."""

    def __init__(
        self,
        max_turns: int = 6,
        ttl_minutes: float = 30.0,
        *,
        store: StateStore | None = None,
    ) -> None:
        self.max_turns = max_turns
        self.ttl_s = ttl_minutes * 60.0
        self.store: StateStore = store if store is not None else InMemoryStateStore()

    @classmethod
    def from_settings(cls, settings: Settings, store: StateStore) -> ConversationMemory:
        """The memory every channel uses, over the process's state store."""
        return cls(settings.memory_max_turns, settings.memory_ttl_minutes, store=store)

    @staticmethod
    def _turns_key(key: str) -> str:
        return f"conv:{key}:turns"

    @staticmethod
    def _lang_key(key: str) -> str:
        return f"conv:{key}:lang"

    def history(self, key: str) -> list[Turn]:
        """The turns kept for `key`, oldest first (empty when unknown or expired)."""
        turns: list[Turn] = []
        for raw in self.store.list_get(self._turns_key(key)):
            pair = json.loads(raw)
            turns += [
                Turn(role="user", content=pair["q"]),
                Turn(role="assistant", content=pair["a"]),
            ]
        return turns

    def language(self, key: str) -> str | None:
        """The language of the conversation's last answer, if any."""
        return self.store.get(self._lang_key(key))

    def add(self, key: str, question: str, answer: str, language: str | None = None) -> None:
        """Record one exchange; drops the oldest pairs beyond `max_turns`."""
        pair = json.dumps({"q": question, "a": answer}, ensure_ascii=False)
        self.store.list_push(self._turns_key(key), pair, self.max_turns, self.ttl_s)
        if language:
            self.store.set(self._lang_key(key), language, self.ttl_s)
        else:
            self.store.expire(self._lang_key(key), self.ttl_s)

    def set_language(self, key: str, language: str) -> None:
        """Remember a language the user chose explicitly."""
        self.store.set(self._lang_key(key), language, self.ttl_s)
        self.store.expire(self._turns_key(key), self.ttl_s)

    def reset(self, key: str) -> None:
        """Forget the conversation entirely."""
        self.store.delete(self._turns_key(key), self._lang_key(key))
