"""Fixtures: a fake Bot API on loopback, and the real bot (EmbeddedBot, polling) against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.feedback import FeedbackStore
from assistant.memory import ConversationMemory
from assistant.schema import Answer, Source
from assistant.settings import Settings
from bots.telegram.embedded import EmbeddedBot

from .fake_bot_api import TOKEN, FakeBotAPI


class ScriptedAssistant:
    """Stands in for the pipeline where a test needs a given answer, a long one, or a failure."""

    def __init__(
        self,
        reply: Callable[[str], str] = lambda q: f"You asked: {q}",
        sources: list[Source] | None = None,
        fail_on: str | None = None,
    ) -> None:
        self.reply = reply
        self.sources = sources if sources is not None else [source(1)]
        self.fail_on = fail_on
        self.calls: list[dict[str, Any]] = []

    def ask(self, question, history=None, lang=None, client_lang=None) -> Answer:
        self.calls.append(
            {
                "question": question,
                "history": list(history or []),
                "lang": lang,
                "client_lang": client_lang,
            }
        )
        if self.fail_on is not None and self.fail_on in question:
            raise RuntimeError("the pipeline failed")
        return Answer(
            question=question,
            standalone_question=question,
            answer=self.reply(question),
            language=lang or client_lang or "en",
            refused=False,
            sources=self.sources,
        )


def source(n: int, title: str = "Agreement page", url: str = "https://example.org/doc") -> Source:
    return Source(
        n=n,
        doc_id=f"doc{n}",
        chunk_id=f"doc{n}#0",
        title=title,
        url=url,
        lang="en",
        section="",
        as_of="",
        quote="q",
        score=1.0,
    )


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackStore:
    store = FeedbackStore(f"sqlite:///{tmp_path / 'feedback.db'}", 90)
    yield store
    store.close()


def bot_settings(fake_api: FakeBotAPI, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": fake_api.base_url,
        "telegram_mode": "polling",
        "telegram_rate_limit_per_minute": 100,
        "data_dir": tmp_path,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
async def start_bot(fake_api: FakeBotAPI, feedback: FeedbackStore, tmp_path: Path):
    """start_bot(assistant, **settings) -> a polling EmbeddedBot; stopped after the test."""
    running: list[EmbeddedBot] = []

    async def start(assistant: Any, **overrides: Any) -> EmbeddedBot:
        settings = bot_settings(fake_api, tmp_path, **overrides)
        memory = ConversationMemory(settings.memory_max_turns, settings.memory_ttl_minutes)
        bot = EmbeddedBot(settings, assistant, feedback, memory, poll_timeout=1.0)
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


@pytest.fixture
def pipeline(request: pytest.FixtureRequest) -> Any:
    """The real Assistant over the shipped corpus (the lead's `real_assistant` fixture)."""
    try:
        return request.getfixturevalue("real_assistant")
    except pytest.FixtureLookupError:
        pytest.skip("needs the real_assistant fixture from tests/conftest.py (the pipeline)")
