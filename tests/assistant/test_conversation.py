"""The conversation layer every channel calls, on each state store (memory and real Redis)."""

from __future__ import annotations

import pytest

from assistant.conversation import ConversationService
from assistant.feedback import FeedbackStore, FeedbackUnavailable
from assistant.schema import Answer
from assistant.settings import Settings


class EchoAssistant:
    def __init__(self) -> None:
        self.histories: list[list[str]] = []

    def ask(self, question, history=None, lang=None, client_lang=None) -> Answer:
        self.histories.append([t.content for t in history or []])
        return Answer(
            question=question,
            standalone_question=question,
            answer=f"A: {question}",
            language=lang or client_lang or "en",
            refused=False,
        )

    def stream(self, question, history=None, lang=None, client_lang=None):
        answer = self.ask(question, history, lang, client_lang)
        yield answer.answer
        yield answer


class BrokenFeedback(FeedbackStore):
    def record_answer(self, answer, channel):
        raise FeedbackUnavailable("record answer failed: database is locked")


@pytest.fixture
def service(state_store):
    settings = Settings(_env_file=None, memory_max_turns=2)
    feedback = FeedbackStore("sqlite://")
    yield ConversationService(settings, EchoAssistant(), feedback, state_store)
    feedback.close()


def test_follow_ups_see_the_conversation_and_answers_are_logged(service):
    key = service.key("web", "s1")
    first, recorded = service.ask("Who can apply?", channel="web", key=key)
    assert recorded and service.feedback.get_answer(first.id).channel == "web"
    service.ask("And when?", channel="web", key=key)
    assert service.assistant.histories[-1] == ["Who can apply?", "A: Who can apply?"]
    pieces = list(service.stream("How much?", channel="web", key=key))
    assert pieces[0] == "A: How much?" and isinstance(pieces[-1], Answer)
    assert [t.content for t in service.history(key)][-2:] == ["How much?", "A: How much?"]
    assert len(service.history(key)) == 4  # memory_max_turns=2 pairs
    assert service.vote(first.id, "up") == service.vote(first.id, "down")  # one vote per answer
    with pytest.raises(KeyError):
        service.vote("no-such-answer", "up")


def test_given_history_wins_and_other_channels_are_apart(service):
    service.ask("Q1", channel="telegram", key=service.key("telegram", 5))
    service.ask("Q2", channel="openai", history=[])  # no key: nothing remembered
    assert service.assistant.histories[-1] == []
    assert service.history(service.key("telegram", 6)) == []


def test_language_choice_outlives_reset(service):
    key = service.key("telegram", 7)
    service.choose_language(key, "sv")
    service.ask("Hej?", channel="telegram", key=key, client_lang=service.language(key))
    service.reset(key)
    assert service.history(key) == [] and service.language(key) == "sv"


def test_limits_warn_once_per_window(service):
    decisions = [service.allow("telegram", 2, "chat") for _ in range(4)]
    assert [d.allowed for d, _ in decisions] == [True, True, False, False]
    assert [warn for _, warn in decisions] == [False, False, True, False]


def test_a_failed_answer_log_does_not_fail_the_answer(state_store):
    settings = Settings(_env_file=None)
    feedback = BrokenFeedback("sqlite://")
    service = ConversationService(settings, EchoAssistant(), feedback, state_store)
    answer, recorded = service.ask("Q?", channel="web", key="web:x")
    assert answer.answer == "A: Q?" and not recorded
    assert service.history("web:x")  # memory is kept all the same
    feedback.close()
