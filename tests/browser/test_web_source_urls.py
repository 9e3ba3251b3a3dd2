"""The web page links each source to the page that states its quote (issue 10)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from tests.api.conftest import make_settings
from tests.marked_corpus import TALENT, VTT

pytestmark = pytest.mark.browser


@pytest.fixture
def marked_site(live_factory, marked_assistant, tmp_path):
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings.database_url, settings.feedback_retention_days)
    return live_factory(create_app(settings, assistant=marked_assistant, feedback=store))


@pytest.mark.parametrize(
    ("question", "url"), [("What is Talent Boost?", TALENT), ("Vad gör VTT?", VTT)]
)
def test_source_link_is_the_sections_page(page, marked_site, question: str, url: str) -> None:
    page.goto(marked_site.url)
    before = page.locator("article.msg-bot").count()
    box = page.get_by_role("textbox", name=re.compile("question|Kysymyksesi|Din fråga"))
    box.fill(question)
    box.press("Enter")
    answer = page.locator("article.msg-bot").nth(before)
    expect(answer).to_have_attribute("aria-busy", "false")
    link = answer.locator(".sources li").first.locator("a")
    expect(link).to_have_attribute("href", url)  # app.js links a source by its `url`
    assert not page.problems, page.problems
