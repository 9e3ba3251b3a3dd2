"""The bot's limits and links against hostile input, through the real python-telegram-bot and
the fake Bot API: a per-chat limit with one polite reply, and http(s)-only source links."""

from __future__ import annotations

from bots.telegram import messages
from bots.telegram.formatting import format_answer

from .conftest import ScriptedAssistant, source
from .fake_bot_api import BOT_USER, FakeBotAPI
from .test_telegram_polling import parse_html

HOSTILE = ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "tg://resolve?domain=x", "data:,x"]


async def test_limit_is_per_chat_with_one_polite_reply(fake_api: FakeBotAPI, start_bot):
    """Three people in one group share its limit; the polite reply comes once; others go on."""
    assistant = ScriptedAssistant()
    await start_bot(assistant, telegram_rate_limit_per_minute=3)
    group = -500
    mention = f"@{BOT_USER['username']}"
    for i in range(6):
        fake_api.message(
            f"{mention} question {i}",
            chat_id=group,
            user_id=100 + i % 3,
            chat_type="group",
            language_code="fi",
            entities=[{"type": "mention", "offset": 0, "length": len(mention)}],
        )
    sent = await fake_api.wait_sent(group, 4)
    polite = [p for p in sent if p["text"] == messages.text("fi", "rate_limited")]
    assert len(polite) == 1
    assert len(assistant.calls) == 3
    fake_api.message("a private question", chat_id=501)
    await fake_api.wait_sent(501, 1)
    assert len(assistant.calls) == 4 and len(fake_api.sent(group)) == 4


async def test_only_http_links_reach_telegram(fake_api: FakeBotAPI, start_bot):
    sources = [source(i + 1, f"Title {i + 1}", url) for i, url in enumerate(HOSTILE)]
    sources.append(source(len(HOSTILE) + 1, "Odd", 'https://example.org/a b)"c<d>'))
    await start_bot(ScriptedAssistant(sources=sources))
    fake_api.message("Which sources?", chat_id=502)
    (sent,) = await fake_api.wait_sent(502, 1)
    parsed = parse_html(sent["text"])
    assert parsed.hrefs == ["https://example.org/a%20b%29%22c%3Cd%3E"]
    for i in range(len(HOSTILE)):
        assert f"{i + 1}. Title {i + 1}" in parsed.text  # the source is named, not linked
    assert "javascript" not in sent["text"].lower() and "tg://" not in sent["text"]


def test_plain_text_twin_never_carries_a_hostile_url():
    answer = ScriptedAssistant(sources=[source(1, "T", u) for u in HOSTILE]).ask("q")
    plain = "\n".join(part.plain for part in format_answer(answer))
    assert "javascript" not in plain.lower() and "data:" not in plain and "tg://" not in plain
