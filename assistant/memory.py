"""Bounded server-side conversation memory, shared by the API (session ids) and the bot (chats).

Keeps the last N question/answer pairs per key and forgets a conversation after M idle minutes,
so memory stays small and nothing is kept longer than a conversation needs.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.schema import Turn


@dataclass
class _Conversation:
    turns: list[Turn] = field(default_factory=list)
    language: str | None = None
    touched: float = 0.0


class ConversationMemory:
    """Thread-safe map from a conversation key to its recent turns and language."""

    def __init__(
        self,
        max_turns: int = 6,
        ttl_minutes: float = 30.0,
        max_conversations: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_turns = max_turns
        self.ttl_s = ttl_minutes * 60.0
        self.max_conversations = max_conversations
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[str, _Conversation] = OrderedDict()

    def _live(self, key: str) -> _Conversation | None:
        now = self._clock()
        for old_key in [k for k, c in self._items.items() if now - c.touched > self.ttl_s]:
            del self._items[old_key]
        return self._items.get(key)

    def history(self, key: str) -> list[Turn]:
        """The turns kept for `key`, oldest first (empty when unknown or expired)."""
        with self._lock:
            conv = self._live(key)
            return list(conv.turns) if conv else []

    def language(self, key: str) -> str | None:
        """The language of the conversation's last answer, if any."""
        with self._lock:
            conv = self._live(key)
            return conv.language if conv else None

    def add(self, key: str, question: str, answer: str, language: str | None = None) -> None:
        """Record one exchange; drops the oldest pairs beyond `max_turns`."""
        with self._lock:
            conv = self._live(key) or _Conversation()
            conv.turns += [
                Turn(role="user", content=question),
                Turn(role="assistant", content=answer),
            ]
            conv.turns = conv.turns[-2 * self.max_turns :]
            conv.language = language or conv.language
            conv.touched = self._clock()
            self._items[key] = conv
            self._items.move_to_end(key)
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)

    def set_language(self, key: str, language: str) -> None:
        """Remember a language the user chose explicitly."""
        with self._lock:
            conv = self._live(key) or _Conversation()
            conv.language = language
            conv.touched = self._clock()
            self._items[key] = conv

    def reset(self, key: str) -> None:
        """Forget the conversation entirely."""
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            self._live("")
            return len(self._items)
