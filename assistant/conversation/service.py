"""`ConversationService`: what every channel does around a question, in one place.

The API, the Telegram bot and `assistant chat` each used to keep their own memory keys, locks,
rate limits, language choice, sessions, answer log and votes. Now a channel only translates its
protocol (HTTP, Bot API updates, a terminal) into calls on this service: a conversation key
(`<channel>:<id>`), a question, a vote. All state sits in the `StateStore` the service is given
(in process, or Redis for stateless replicas), the answers and votes in the `FeedbackStore`.

A new channel is one package that builds a service with `ConversationService.from_settings`
(or shares the API's) and calls `ask`/`stream`/`vote`, plus its line in the settings.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from assistant.memory import ConversationMemory
from assistant.schema import Answer, Turn
from assistant.state import StateStore, open_state_store
from assistant.state.limits import Decision, WindowLimiter
from assistant.state.sessions import SessionRegistry

if TYPE_CHECKING:
    from assistant.feedback import FeedbackStore, Rating
    from assistant.settings import Settings

log = logging.getLogger(__name__)

# An explicit language choice is a preference, not conversation: it outlives /reset and the
# memory's idle expiry, and goes after this long unused.
PREFERENCE_TTL_S = 180 * 24 * 3600.0


class Exchange(NamedTuple):
    """One answered question: the answer, and whether it reached the answer log (votes on an
    answer that is not stored would be refused, so channels hide their vote buttons then)."""

    answer: Answer
    recorded: bool


class ConversationService:
    """Memory, locks, limits, language preference, sessions, answer log and votes per channel."""

    def __init__(
        self,
        settings: Settings,
        assistant: Any,
        feedback: FeedbackStore | None,
        store: StateStore,
        *,
        memory: ConversationMemory | None = None,
    ) -> None:
        self.settings = settings
        self.assistant = assistant  # may be set later (the API loads it in its lifespan)
        self.feedback = feedback
        self.store = store
        self.memory = memory or ConversationMemory.from_settings(settings, store)
        self.sessions = SessionRegistry(store, settings.memory_ttl_minutes * 60.0)
        # Anything with observe_answer(answer, channel) and error(kind): the API's Prometheus
        # metrics (assistant/api/metrics.py); None counts nothing.
        self.metrics: Any = None
        self._limiters: dict[str, WindowLimiter] = {}
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @classmethod
    def from_settings(
        cls, settings: Settings, assistant: Any, feedback: FeedbackStore | None
    ) -> ConversationService:
        """A service over the state store STATE_BACKEND names (channels running on their own)."""
        return cls(settings, assistant, feedback, open_state_store(settings))

    # --- keys and locks ------------------------------------------------------------------------

    @staticmethod
    def key(channel: str, conversation_id: object) -> str:
        """The memory key of a conversation; channels never share one."""
        return f"{channel}:{conversation_id}"

    def lock(self, key: str) -> asyncio.Lock:
        """One lock per conversation (per process): a conversation's own questions go in order,
        so a follow-up always sees the previous answer in memory."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    # --- rate limits ---------------------------------------------------------------------------

    def limiter(self, name: str, per_window: int, window_s: float = 60.0) -> WindowLimiter:
        """The named limit (e.g. `api` per client, `telegram` per chat), counted in the store."""
        limiter = self._limiters.get(name)
        if limiter is None or (limiter.limit, limiter.window_s) != (per_window, window_s):
            limiter = WindowLimiter(self.store, name, per_window, window_s)
            self._limiters[name] = limiter
        return limiter

    def allow(self, name: str, per_window: int, who: str) -> tuple[Decision, bool]:
        """(decision, warn) for one more question from `who`: warn only once per window, so a
        polite refusal cannot become a flood."""
        limiter = self.limiter(name, per_window)
        decision = limiter.hit(who)
        warn = not decision.allowed and limiter.once_per_window(who, decision.retry_after_s)
        return decision, warn

    # --- language and sessions -----------------------------------------------------------------

    @staticmethod
    def _pref_key(key: str) -> str:
        return f"pref:{key}:lang"

    def language(self, key: str) -> str | None:
        """The conversation's last answer's language, else the language chosen for it."""
        return self.memory.language(key) or self.store.get(self._pref_key(key))

    def choose_language(self, key: str, lang: str) -> None:
        """Remember an explicit choice (it outlives `reset` and memory expiry)."""
        self.store.set(self._pref_key(key), lang, PREFERENCE_TTL_S)
        self.memory.set_language(key, lang)

    def reset(self, key: str) -> None:
        """Forget the conversation (the language choice stays: it is a preference)."""
        self.memory.reset(key)

    def history(self, key: str | None) -> list[Turn]:
        """The turns remembered for `key` (none without a key)."""
        return self.memory.history(key) if key else []

    def open_session(self, given: str | None) -> tuple[str, bool]:
        """(session id to answer with, whether it continues one): only ids this service issued
        and that are still live continue; anything else gets a fresh id and no history."""
        return self.sessions.resolve(given)

    # --- answering -----------------------------------------------------------------------------

    def record(self, answer: Answer, channel: str, key: str | None) -> bool:
        """Keep the answer for votes and the conversation's memory; never fail the answer for
        it. True when the answer reached the answer log."""
        recorded = False
        if self.feedback is not None:
            try:
                self.feedback.record_answer(answer, channel)
                recorded = True
            except Exception:  # the user still gets the answer; the failure is logged
                log.exception("could not record answer %s", answer.id)
                if self.metrics is not None:
                    self.metrics.error("answer_log")
        if self.metrics is not None:
            self.metrics.observe_answer(answer, channel)
        if key:
            self.memory.add(key, answer.question, answer.answer, answer.language)
        log.debug("answered %s lang=%s refused=%s", answer.id, answer.language, answer.refused)
        return recorded

    def ask(
        self,
        question: str,
        *,
        channel: str,
        key: str | None = None,
        history: list[Turn] | None = None,
        lang: str | None = None,
        client_lang: str | None = None,
    ) -> Exchange:
        """Answer with the conversation's memory (or the `history` given), then record it."""
        turns = history if history is not None else self.history(key)
        answer = self.assistant.ask(question, history=turns, lang=lang, client_lang=client_lang)
        return Exchange(answer, self.record(answer, channel, key))

    def stream(
        self,
        question: str,
        *,
        channel: str,
        key: str | None = None,
        history: list[Turn] | None = None,
        lang: str | None = None,
        client_lang: str | None = None,
    ) -> Iterator[str | Answer]:
        """The pipeline's stream (text pieces, then one Answer), recorded when the Answer comes."""
        turns = history if history is not None else self.history(key)
        for item in self.assistant.stream(
            question, history=turns, lang=lang, client_lang=client_lang
        ):
            if isinstance(item, Answer):
                self.record(item, channel, key)
            yield item

    def vote(
        self, answer_id: str, rating: Rating, comment: str | None = None, channel: str = "web"
    ) -> int:
        """Store a thumb on a recorded answer (one per answer; a later one replaces it).

        KeyError for an unknown answer, ValueError for a bad rating or comment,
        FeedbackUnavailable when the database cannot be written.
        """
        if self.feedback is None:
            raise KeyError(answer_id)
        return self.feedback.add_feedback(answer_id, rating, comment, channel)


__all__ = ["PREFERENCE_TTL_S", "ConversationService", "Exchange"]
