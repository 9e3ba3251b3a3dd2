"""Bounded inputs (assistant/bounds.py): the newest history only, a bounded standalone question."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.bounds import clip, recent_history
from assistant.schema import HistoryUse, Turn


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("Who funds the ecosystem agreement?", 20, "Who funds the"),  # cut at a space
        ("Vem finansierar avtalet om innovationsekosystem?", 30, "Vem finansierar avtalet om"),
        ("Kukarahoittaaekosysteemisopimusta?", 10, "Kukarahoit"),  # one long word: a hard cut
        ("a" + " " * 50 + "b", 10, "a"),  # a space run is dropped, not kept as the tail
    ],
)
def test_clip(text, limit, expected):
    assert clip(text, limit) == expected
    assert len(clip(text, limit)) <= limit


def _turns(*contents: str) -> list[Turn]:
    return [
        Turn(role="user" if i % 2 == 0 else "assistant", content=c) for i, c in enumerate(contents)
    ]


@pytest.mark.parametrize(
    ("contents", "max_turns", "max_chars", "kept", "use"),
    [
        # en: everything fits
        (["Who funds it?", "The state."], 20, 100, ["Who funds it?", "The state."], (2, 2, False)),
        # fi: only the newest two messages
        (
            ["Mikä on sopimus?", "Sopimus on ...", "Kuka rahoittaa?", "Valtio."],
            2,
            100,
            ["Kuka rahoittaa?", "Valtio."],
            (4, 2, True),
        ),
        # sv: the character budget cuts the oldest message read (its beginning kept)
        (
            ["Vem finansierar avtalet om ekosystemet i Tammerfors?", "Staten och staden."],
            20,
            60,
            ["Vem finansierar avtalet om ekosystemet i", "Staten och staden."],
            (2, 2, True),
        ),
        # too little of an older message would fit: it is not read at all
        (
            ["Vem finansierar avtalet om ekosystemet?", "Staten och staden."],
            20,
            30,
            ["Staten och staden."],
            (2, 1, True),
        ),
        # an over-long newest message is cut to the budget and nothing older is read
        (["old question", "x " * 5000], 20, 100, ["x " * 50], (2, 1, True)),
        # no history allowed at all
        (["Who funds it?", "The state."], 0, 100, [], (2, 0, True)),
    ],
)
def test_recent_history(contents, max_turns, max_chars, kept, use):
    turns, history_use = recent_history(_turns(*contents), max_turns, max_chars)
    assert [t.content for t in turns] == [k.rstrip() for k in kept]
    assert sum(len(t.content) for t in turns) <= max_chars
    assert history_use == HistoryUse(given=use[0], used=use[1], truncated=use[2])


def test_no_history_means_no_history_field():
    assert recent_history([], 20, 8000) == ([], None)


# ----- the real pipeline ------------------------------------------------------------------------


class SpyEmbedder:
    """The real embedder, recording the length of every text it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.lengths: list[int] = []

    def embed_query_vector(self, text: str) -> np.ndarray:
        self.lengths.append(len(text))
        return self.inner.embed_query_vector(text)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def spy(real_assistant, monkeypatch) -> SpyEmbedder:
    spy = SpyEmbedder(real_assistant.embedder)
    monkeypatch.setattr(real_assistant, "embedder", spy)
    monkeypatch.setattr(real_assistant.searcher, "embedder", spy)
    monkeypatch.setattr(real_assistant.retrieve, "embedder", spy)
    return spy


@pytest.mark.slow
def test_a_60_kb_earlier_message_never_reaches_the_embedder(real_assistant, spy):
    limit = real_assistant.settings.max_standalone_chars
    long_message = " ".join(["Which funding does the ecosystem agreement offer startups?"] * 1100)
    assert len(long_message) > 60_000
    history = [
        {"role": "user", "content": long_message},
        {"role": "assistant", "content": "The agreement funds joint projects [1]."},
    ]
    # "And that?" has no subject of its own: the rewrite appends the earlier question, bounded
    answer = real_assistant.ask("And that?", history=history)
    assert answer.answer
    assert answer.standalone_question.startswith("And that? Which funding does the ecosystem")
    assert len(answer.standalone_question) <= limit
    assert spy.lengths and max(spy.lengths) <= limit
    assert answer.history == HistoryUse(given=2, used=2, truncated=True)


@pytest.mark.slow
def test_a_long_space_run_in_the_last_answer_is_answered(real_assistant):
    """The issue's freeze: a run of spaces in an assistant message, then "the second one"."""
    history = [
        {"role": "user", "content": "What are the focus areas?"},
        {"role": "assistant", "content": "The focus areas are: a" + " " * 19_000 + "b [1]"},
    ]
    answer = real_assistant.ask("Tell me more about the second one", history=history)
    assert answer.answer and answer.history.used == 2
