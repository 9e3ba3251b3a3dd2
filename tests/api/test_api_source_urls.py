"""The cited URL is the section's page through /v1/ask and /v1/chat/completions (issue 10).

The real pipeline over the small marked corpus (tests/marked_corpus.py): two sections cite
different pages, so a link to the document's first listed page would fail here.
"""

from __future__ import annotations

import re

import httpx
import pytest

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from tests.marked_corpus import AGREEMENT, TALENT, VTT

from .conftest import make_settings

QUESTIONS = [
    ("What is Talent Boost?", TALENT),
    ("Mitä VTT tekee?", VTT),
    ("Vad är Talent Boost?", TALENT),
]


@pytest.fixture
def marked_live(live_factory, marked_assistant, tmp_path):
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings.database_url, settings.feedback_retention_days)
    return live_factory(create_app(settings, assistant=marked_assistant, feedback=store))


@pytest.mark.parametrize(("question", "page"), QUESTIONS)
def test_ask_cites_the_sections_page(marked_live, question: str, page: str) -> None:
    r = httpx.post(f"{marked_live.url}/v1/ask", json={"question": question}, timeout=60)
    assert r.status_code == 200, r.text
    first = r.json()["sources"][0]
    assert first["url"] == page and first["urls"][0] == page
    assert "[1]" in r.json()["answer"]


@pytest.mark.parametrize(("question", "page"), QUESTIONS)
def test_chat_completions_links_the_sections_page(marked_live, question: str, page: str) -> None:
    body = {"model": "tampere-assistant", "messages": [{"role": "user", "content": question}]}
    r = httpx.post(f"{marked_live.url}/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    content = r.json()["choices"][0]["message"]["content"]
    links = dict(re.findall(r"^\[(\d+)\] \[[^\]]*\]\((\S+)\)", content, re.MULTILINE))
    assert links["1"] == page, content
    assert AGREEMENT not in links.values()  # no section here is stated by the agreement page
