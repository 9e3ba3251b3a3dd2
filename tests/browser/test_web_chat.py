"""The chat page in headless chromium: ask, watch the stream, read sources, give a thumb."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from tests.api.conftest import make_settings
from tests.api.fakes import FakeAssistant

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_site(live_factory, tmp_path):
    fake = FakeAssistant()
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings.database_url, settings.feedback_retention_days)
    server = live_factory(create_app(settings, assistant=fake, feedback=store))
    server.fake, server.store = fake, store
    return server


@pytest.fixture
def real_site(live_factory, real_assistant, tmp_path):
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings.database_url, settings.feedback_retention_days)
    server = live_factory(create_app(settings, assistant=real_assistant, feedback=store))
    server.store = store
    return server


def last_answer(page):
    return page.locator("article.msg-bot").last


def ask(page, question: str) -> None:
    before = page.locator("article.msg-bot").count()
    box = page.get_by_role("textbox", name=re.compile("question|Kysymyksesi|Din fråga"))
    box.fill(question)
    box.press("Enter")  # keyboard submit
    expect(page.locator("article.msg-bot").nth(before)).to_have_attribute("aria-busy", "false")


def test_page_streams_pieces_before_the_answer_is_done(page, fake_site):
    fake_site.fake.stream_gate = threading.Event()
    page.goto(fake_site.url)
    page.get_by_role("textbox", name="Your question").fill("What are the priorities?")
    page.get_by_role("button", name="Ask", exact=True).click()
    body = last_answer(page).locator(".answer-text")
    # the first piece is on screen while the server still holds back the rest
    page.wait_for_function(
        "() => document.querySelector('article.msg-bot .answer-text').textContent.trim() === 'The'"
    )
    assert last_answer(page).get_attribute("aria-busy") == "true"
    assert last_answer(page).locator(".sources").count() == 0
    fake_site.fake.stream_gate.set()
    last_answer(page).locator(".sources li").first.wait_for()
    assert body.inner_text().startswith("The strategic priorities")
    assert fake_site.fake.gate_released is True
    assert not page.problems, page.problems


def test_everything_from_answers_is_escaped(page, fake_site):
    page.goto(fake_site.url)
    ask(page, "Show <b>markup</b> please")
    answer = last_answer(page)
    assert "<img src=x onerror=alert(1)>" in answer.locator(".answer-text").inner_text()
    assert answer.locator("img, b, script").count() == 0
    assert '<script>alert("t")</script>' in answer.locator(".sources").inner_text()
    assert not page.problems, page.problems


def test_labels_languages_and_accessibility_basics(page, fake_site):
    page.goto(fake_site.url)
    assert "AI assistant answering from published documents" in page.locator("#notice").inner_text()
    assert "30 days" in page.locator("#privacy").text_content()
    assert page.get_by_role("combobox", name="Language").input_value() == "auto"
    picker = page.get_by_role("combobox", name=re.compile("^(Language|Kieli|Språk)$"))
    picker.select_option("fi")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.get_by_role("button", name="Kysy", exact=True).is_visible()
    assert "tekoälyavustaja" in page.locator("#notice").inner_text()
    assert "30 päivän" in page.locator("#privacy").text_content()
    picker.select_option("sv")
    assert page.get_by_role("button", name="Fråga", exact=True).is_visible()
    assert "30 dagar" in page.locator("#privacy").text_content()
    # every control has an accessible name
    for control in page.locator("button, select, textarea, a").all():
        name = control.evaluate(
            "el => (el.labels && el.labels[0] ? el.labels[0].textContent : '')"
            " || el.getAttribute('aria-label') || el.textContent"
        )
        assert name.strip(), control.evaluate("el => el.outerHTML")
    # a suggested question is one click (or Enter) away
    picker.select_option("en")
    page.locator(".suggestion").first.focus()
    page.keyboard.press("Enter")
    last_answer(page).locator(".sources li").first.wait_for()
    assert not page.problems, page.problems
    assert page.requests and all(u.startswith(fake_site.url + "/") for u in page.requests)


def test_phone_width_has_no_horizontal_scroll(browser, fake_site, artifacts):
    context = browser.new_context(
        locale="fi-FI", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    page.goto(fake_site.url)
    assert page.locator("html").get_attribute("lang") == "fi"  # auto follows the browser
    ask(page, "Mitkä ovat painopisteet?")
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0
    page.screenshot(path=str(artifacts / "web-chat-phone.png"), full_page=True)
    context.close()


@pytest.mark.slow
def test_real_english_and_finnish_with_thumbs_down(page, real_site, artifacts):
    page.goto(real_site.url)
    ask(page, "What are the strategic priorities of the Tampere ecosystem agreement?")
    en = last_answer(page)
    assert en.get_attribute("lang") == "en"
    assert en.locator(".sources li").count() >= 1
    first = en.locator(".sources li").first
    assert first.locator("blockquote").inner_text().strip()
    assert first.locator("a").get_attribute("href").startswith("http")
    assert re.search(r"as of \d{4}-\d{2}-\d{2}", first.inner_text())

    page.get_by_role("combobox", name="Language").select_option("fi")
    assert page.get_by_role("combobox", name="Kieli").input_value() == "fi"
    ask(page, "Mitkä ovat Tampereen ekosysteemisopimuksen strategiset painopisteet?")
    fi = last_answer(page)
    assert fi.get_attribute("lang") == "fi"
    assert fi.locator(".sources li").count() >= 1
    assert "Lähteet" in fi.locator(".sources h3").inner_text()

    answer_id = fi.get_attribute("data-answer-id")
    thumbs_down = fi.get_by_role("button", name="Ei hyödyllinen")
    thumbs_down.focus()
    page.keyboard.press("Enter")
    fi.locator(".feedback-status", has_text="Kiitos").wait_for()
    assert thumbs_down.get_attribute("aria-pressed") == "true"
    rows = list(real_site.store.export_jsonl("down"))
    assert len(rows) == 1 and answer_id in rows[0] and '"lang": "fi"' in rows[0]
    page.screenshot(path=str(artifacts / "web-chat.png"), full_page=True)
    assert not page.problems, page.problems


def test_api_docs_render_offline(page, fake_site):
    page.goto(f"{fake_site.url}/docs")
    page.locator(".swagger-ui .info .title", has_text="Tampere").wait_for()
    assert page.locator(".opblock-summary-path", has_text="/v1/ask/stream").count() == 1
    assert not page.problems, page.problems


def test_page_links_sources_only_over_http(page, fake_site):
    fake_site.fake.source_url = "javascript:alert(document.domain)"
    page.goto(fake_site.url)
    ask(page, "What are the priorities?")
    sources = last_answer(page).locator(".sources")
    assert sources.locator("a").count() == 0  # named, not linked
    assert "Innovation ecosystem agreement" in sources.inner_text()
    fake_site.fake.source_url = 'https://example.org/a b)"c<d>'
    ask(page, "What are the priorities?")
    href = last_answer(page).locator(".sources a").get_attribute("href")
    assert href.startswith("https://example.org/a%20b") and '"' not in href and " " not in href
    assert not page.problems, page.problems


def test_page_sends_back_the_session_id_the_server_issued(page, fake_site):
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/v1/ask/stream") else None,
    )
    page.goto(fake_site.url)
    ask(page, "What are the priorities?")
    ask(page, "And the first one?")
    assert "session_id" not in sent[0]  # the page never makes one up
    issued = sent[1]["session_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", issued)
    assert [t.content for t in fake_site.fake.calls[-1]["history"]][0] == (
        "What are the priorities?"
    )
    page.locator("#new-chat").click()
    ask(page, "What are the priorities?")
    assert "session_id" not in sent[2]
    assert fake_site.fake.calls[-1]["history"] == []
    assert not page.problems, page.problems
