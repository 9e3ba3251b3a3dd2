"""End to end: Telegram update -> real python-telegram-bot -> the real pipeline over the shipped
corpus -> Telegram HTML at the fake Bot API.

The pipeline is wrapped only to see the `Answer` objects it returned; the bot gets them unchanged.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from assistant import languages
from bots.telegram import messages

from .fake_bot_api import FakeBotAPI
from .test_telegram_polling import buttons, parse_html

pytestmark = pytest.mark.slow


class Spy:
    """Passes every call to the real Assistant and keeps what it returned."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[dict[str, Any]] = []

    def ask(self, question, history=None, lang=None, client_lang=None):
        answer = self.inner.ask(question, history=history, lang=lang, client_lang=client_lang)
        self.calls.append(
            {
                "question": question,
                "history": list(history or []),
                "lang": lang,
                "client_lang": client_lang,
                "answer": answer,
            }
        )
        return answer


async def ask_and_receive(fake_api: FakeBotAPI, spy: Spy, chat_id: int, text: str, **kw):
    """Send one message, wait for the answer's last part (the one with the thumbs)."""
    before = len(fake_api.sent(chat_id))
    fake_api.message(text, chat_id=chat_id, **kw)
    await fake_api.wait_for(
        lambda: any("reply_markup" in p for p in fake_api.sent(chat_id)[before:]),
        timeout=120,
        what=f"the answer to {text!r}",
    )
    return spy.calls[-1]["answer"], fake_api.sent(chat_id)[before:]


def check_rendering(answer, parts: list[dict]) -> str:
    """The parts carry the answer's text escaped, and one link per source; returns the text."""
    joined = "\n\n".join(p["text"] for p in parts)
    first_paragraph = answer.answer.strip().split("\n\n")[0]
    assert html.escape(first_paragraph, quote=False) in joined
    assert all(p["parse_mode"] == "HTML" for p in parts)
    parsed = parse_html(joined)
    assert len(parsed.hrefs) == len([s for s in answer.sources if s.url]) > 0
    assert buttons(parts[-1])["👍"] == f"fb:up:{answer.id}"
    return parsed.text


async def test_english_question_is_answered_in_english(fake_api, start_bot, pipeline, feedback):
    spy = Spy(pipeline)
    await start_bot(spy)
    answer, parts = await ask_and_receive(
        fake_api,
        spy,
        51,
        "What is the innovation ecosystem agreement of Tampere about?",
        language_code="fi",  # the question's own language wins over the client's
    )
    assert answer.language == "en" and not answer.refused and answer.sources
    text = check_rendering(answer, parts)
    assert languages.detect(answer.answer) == "en"
    assert messages.text("en", "sources") in text
    assert feedback.get_answer(answer.id) is not None


async def test_finnish_question_is_answered_in_finnish(fake_api, start_bot, pipeline):
    spy = Spy(pipeline)
    await start_bot(spy)
    answer, parts = await ask_and_receive(
        fake_api,
        spy,
        52,
        "Mistä Tampereen innovaatioekosysteemisopimuksessa on kyse?",
        language_code="en",
    )
    assert answer.language == "fi" and not answer.refused and answer.sources
    text = check_rendering(answer, parts)
    assert languages.detect(answer.answer) == "fi"
    assert messages.text("fi", "sources") in text


async def test_follow_up_is_resolved_from_the_chats_memory(fake_api, start_bot, pipeline):
    spy = Spy(pipeline)
    await start_bot(spy)
    first, _ = await ask_and_receive(fake_api, spy, 53, "/focus")
    follow, parts = await ask_and_receive(fake_api, spy, 53, "Tell me more about the second one")
    history = spy.calls[-1]["history"]
    assert [t.content for t in history] == [first.question, first.answer]
    # rewritten with words the bot's previous answer (kept in the chat's memory) supplied
    added = follow.standalone_question.removeprefix(follow.question).split()
    assert added and all(word in first.answer for word in added)
    assert not follow.refused and follow.language == "en"
    check_rendering(follow, parts)


async def test_contacts_command_answers_from_the_documents_in_finnish(
    fake_api, start_bot, pipeline
):
    spy = Spy(pipeline)
    await start_bot(spy)
    answer, parts = await ask_and_receive(fake_api, spy, 54, "/contacts", language_code="fi")
    assert spy.calls[-1]["question"] == messages.text("fi", "q_contacts")
    assert answer.language == "fi" and not answer.refused and answer.sources
    check_rendering(answer, parts)


async def test_focus_command_answers_from_the_documents(fake_api, start_bot, pipeline):
    spy = Spy(pipeline)
    await start_bot(spy)
    answer, parts = await ask_and_receive(fake_api, spy, 55, "/focus", language_code="sv")
    assert spy.calls[-1]["question"] == messages.text("sv", "q_focus")
    assert answer.language == "sv" and not answer.refused and answer.sources
    check_rendering(answer, parts)
