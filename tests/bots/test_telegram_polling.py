"""The real python-telegram-bot, polling a local fake Bot API, with a scripted pipeline.

These prove the bot's own behaviour (formatting, splitting, buttons, limits, errors, groups); the
real pipeline's answers are proved in test_telegram_e2e.py.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

from bots.telegram import messages
from bots.telegram.formatting import PART_LIMIT

from .conftest import ScriptedAssistant, source
from .fake_bot_api import BOT_USER, FakeBotAPI


def buttons(sent: dict) -> dict[str, str]:
    keyboard = json.loads(sent["reply_markup"])["inline_keyboard"]
    return {b["text"]: b["callback_data"] for row in keyboard for b in row}


class _Text(HTMLParser):
    """Telegram's view of an HTML message: its tags and its visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k == "href"]

    def handle_data(self, data):
        self.text += data


def parse_html(text: str) -> _Text:
    parser = _Text()
    parser.feed(text)
    parser.close()
    return parser


async def test_start_greets_in_users_language_with_language_buttons(
    fake_api: FakeBotAPI, start_bot
):
    await start_bot(ScriptedAssistant())
    fake_api.message("/start", chat_id=11, language_code="fi")
    fake_api.message("/start", chat_id=12, language_code="de")
    (fi,) = await fake_api.wait_sent(11, 1)
    (en,) = await fake_api.wait_sent(12, 1)
    assert fi["text"].startswith("Hei Ann! Olen tekoälyavustaja")
    assert "Mitä tallennan" in fi["text"]
    assert en["text"].startswith("Hi Ann! I am an AI assistant")
    assert "published documents" in en["text"] and "What I store" in en["text"]
    expected = {"English": "lang:en", "suomi": "lang:fi", "svenska": "lang:sv"}
    assert buttons(fi) == buttons(en) == expected


async def test_language_button_switches_the_bots_language(fake_api: FakeBotAPI, start_bot):
    await start_bot(ScriptedAssistant())
    fake_api.press("lang:sv", chat_id=13, language_code="en")
    await fake_api.wait_sent(13, 1)
    fake_api.message("/help", chat_id=13, language_code="en")
    confirm, help_ = await fake_api.wait_sent(13, 2)
    assert confirm["text"] == messages.text("sv", "language_set")
    assert help_["text"] == messages.text("sv", "help")
    assert fake_api.called("answerCallbackQuery")


async def test_command_menu_is_registered_in_three_languages(fake_api: FakeBotAPI, start_bot):
    await start_bot(ScriptedAssistant())
    by_lang = {
        p.get("language_code", ""): json.loads(p["commands"])
        for p in fake_api.called("setMyCommands")
    }
    assert set(by_lang) == {"en", "fi", "sv", ""}
    for lang in ("en", "fi", "sv"):
        assert [c["command"] for c in by_lang[lang]] == list(messages.COMMANDS)
        assert by_lang[lang][2]["description"] == messages.text(lang, "cmd_contacts")
    assert by_lang["fi"][2]["description"] == "Yhteyshenkilöt"


async def test_question_gets_typing_then_html_answer_with_sources_and_thumbs(
    fake_api: FakeBotAPI, start_bot, feedback
):
    assistant = ScriptedAssistant(sources=[source(1, "Agreement page"), source(2, "Contacts")])
    await start_bot(assistant)
    fake_api.message("What is the agreement?", chat_id=21)
    (sent,) = await fake_api.wait_sent(21, 1)
    methods = [m for m, p in fake_api.calls if p.get("chat_id") == "21"]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert fake_api.called("sendChatAction")[0]["action"] == "typing"
    assert sent["parse_mode"] == "HTML"
    parsed = parse_html(sent["text"])
    assert parsed.text.startswith("You asked: What is the agreement?")
    assert "1. Agreement page" in parsed.text and "2. Contacts" in parsed.text
    assert parsed.hrefs == ["https://example.org/doc", "https://example.org/doc"]
    answer_id = buttons(sent)["👍"].split(":")[2]
    assert buttons(sent) == {"👍": f"fb:up:{answer_id}", "👎": f"fb:down:{answer_id}"}
    assert feedback.get_answer(answer_id).channel == "telegram"


async def test_follow_up_uses_memory_and_reset_clears_it(fake_api: FakeBotAPI, start_bot):
    assistant = ScriptedAssistant()
    await start_bot(assistant)
    fake_api.message("Who funds it?", chat_id=22, language_code="fi")
    await fake_api.wait_sent(22, 1)
    fake_api.message("And how much?", chat_id=22, language_code="fi")
    await fake_api.wait_sent(22, 2)
    fake_api.message("/reset", chat_id=22, language_code="fi")
    await fake_api.wait_sent(22, 3)
    fake_api.message("Hello again", chat_id=22, language_code="fi")
    await fake_api.wait_sent(22, 4)
    first, follow_up, after_reset = assistant.calls
    assert first["history"] == [] and first["client_lang"] == "fi" and first["lang"] is None
    history = [t.content for t in follow_up["history"]]
    assert history == ["Who funds it?", "You asked: Who funds it?"]
    assert after_reset["history"] == []
    assert fake_api.sent(22)[2]["text"] == messages.text("fi", "reset")


async def test_contacts_and_focus_ask_the_pipeline_in_the_users_language(
    fake_api: FakeBotAPI, start_bot
):
    assistant = ScriptedAssistant()
    await start_bot(assistant)
    fake_api.message("/contacts", chat_id=23, language_code="fi")
    await fake_api.wait_sent(23, 1)
    fake_api.message("/focus", chat_id=24, language_code="sv")
    await fake_api.wait_sent(24, 1)
    contacts, focus = assistant.calls
    assert (contacts["question"], contacts["lang"]) == (messages.text("fi", "q_contacts"), "fi")
    assert (focus["question"], focus["lang"]) == (messages.text("sv", "q_focus"), "sv")
    assert "👍" in buttons(fake_api.sent(24)[0])


async def test_long_answer_is_split_on_paragraph_boundaries(fake_api: FakeBotAPI, start_bot):
    paragraphs = [f"Paragraph {i}: " + "word & more " * 60 for i in range(30)]
    assert len("\n\n".join(paragraphs)) > 3 * 4096
    await start_bot(ScriptedAssistant(reply=lambda q: "\n\n".join(paragraphs)))
    fake_api.message("Tell me everything", chat_id=25)
    await fake_api.wait_for(
        lambda: any("reply_markup" in p for p in fake_api.sent(25)), what="the last part"
    )
    parts = fake_api.sent(25)
    assert len(parts) >= 4
    assert all(len(p["text"]) <= PART_LIMIT for p in parts)
    assert ["reply_markup" in p for p in parts] == [False] * (len(parts) - 1) + [True]
    texts = [parse_html(p["text"]).text for p in parts]
    received = [para for text in texts for para in text.split("\n\n")]
    assert received[: len(paragraphs)] == [p.strip() for p in paragraphs]  # none cut in two
    assert received[-1].startswith("Sources")


async def test_markup_symbols_are_escaped(fake_api: FakeBotAPI, start_bot):
    nasty = "Is 1 < 2 && 3 > 2? <b>bold</b> *star* _under_ `code` [link](http://x) </a>"
    title = "R&D <plan> *2024*"
    url = "https://example.org/doc?a=1&b=<2>"
    await start_bot(ScriptedAssistant(reply=lambda q: q, sources=[source(1, title, url)]))
    fake_api.message(nasty, chat_id=26)
    (sent,) = await fake_api.wait_sent(26, 1)
    assert "&lt;b&gt;bold&lt;/b&gt;" in sent["text"] and "&amp;&amp;" in sent["text"]
    assert "*star* _under_ `code` [link](http://x)" in sent["text"]
    parsed = parse_html(sent["text"])
    assert parsed.tags == ["b", "a"]  # only the bot's own tags: the label and the link
    assert parsed.text.startswith(nasty)
    assert f"1. {title}" in parsed.text
    assert parsed.hrefs == ["https://example.org/doc?a=1&b=%3C2%3E"]  # the same URL, encoded


async def test_plain_text_is_sent_when_telegram_rejects_the_html(fake_api: FakeBotAPI, start_bot):
    fake_api.reject_html = True
    await start_bot(ScriptedAssistant(reply=lambda q: "Answer with <tags> & stuff"))
    fake_api.message("question", chat_id=27)
    rejected, plain = await fake_api.wait_sent(27, 2)
    assert rejected["parse_mode"] == "HTML" and "parse_mode" not in plain
    assert plain["text"].startswith("Answer with <tags> & stuff")
    assert "1. Agreement page (https://example.org/doc)" in plain["text"]
    assert "👍" in buttons(plain)


async def test_feedback_button_press_is_stored(fake_api: FakeBotAPI, start_bot, feedback):
    await start_bot(ScriptedAssistant())
    fake_api.message("question", chat_id=28)
    (sent,) = await fake_api.wait_sent(28, 1)
    fake_api.press(buttons(sent)["👎"], chat_id=28)
    fake_api.press("fb:up:no-such-answer", chat_id=28)
    await fake_api.wait_for(lambda: len(fake_api.called("answerCallbackQuery")) == 2)
    answered = {p["text"] for p in fake_api.called("answerCallbackQuery")}
    assert answered == {
        messages.text("en", "feedback_thanks"),
        messages.text("en", "feedback_unknown"),
    }
    assert feedback.count() == {"answers": 1, "feedback": 1}
    (line,) = list(feedback.export_jsonl())
    assert json.loads(line)["rating"] == "down" and json.loads(line)["channel"] == "telegram"
    assert fake_api.called("editMessageReplyMarkup")


async def test_rate_limit_replies_politely_once(fake_api: FakeBotAPI, start_bot):
    assistant = ScriptedAssistant()
    await start_bot(assistant, telegram_rate_limit_per_minute=2)
    for i in range(5):
        fake_api.message(f"question {i}", chat_id=29, language_code="sv")
    sent = await fake_api.wait_sent(29, 3)
    polite = [p for p in sent if p["text"] == messages.text("sv", "rate_limited")]
    assert len(polite) == 1
    assert len(assistant.calls) == 2
    fake_api.message("other user is not limited", chat_id=30)
    await fake_api.wait_sent(30, 1)
    assert len(fake_api.sent(29)) == 3


async def test_failing_pipeline_apologises_and_the_bot_keeps_polling(
    fake_api: FakeBotAPI, start_bot
):
    await start_bot(ScriptedAssistant(fail_on="boom"))
    fake_api.message("boom please", chat_id=31, language_code="fi")
    (apology,) = await fake_api.wait_sent(31, 1)
    assert apology["text"] == messages.text("fi", "apology")
    fake_api.message("a later question", chat_id=31, language_code="fi")
    _, answer = await fake_api.wait_sent(31, 2)
    assert parse_html(answer["text"]).text.startswith("You asked: a later question")


async def test_photo_voice_sticker_file_and_edits_get_the_polite_reply(
    fake_api: FakeBotAPI, start_bot
):
    assistant = ScriptedAssistant()
    await start_bot(assistant)
    size = {"file_id": "f", "file_unique_id": "u"}
    fake_api.message(chat_id=32, photo=[{**size, "width": 1, "height": 1}], caption="see")
    fake_api.message(chat_id=33, voice={**size, "duration": 1})
    fake_api.message(
        chat_id=34,
        sticker={
            **size,
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
    )
    fake_api.message(chat_id=35, document={**size, "file_name": "a.pdf"})
    fake_api.message("edited question", chat_id=36, edited=True, language_code="fi")
    for chat_id, lang in [(32, "en"), (33, "en"), (34, "en"), (35, "en"), (36, "fi")]:
        (reply,) = await fake_api.wait_sent(chat_id, 1)
        assert reply["text"] == messages.text(lang, "text_only")
    assert assistant.calls == []


async def test_groups_answer_only_when_mentioned_or_replied_to(fake_api: FakeBotAPI, start_bot):
    assistant = ScriptedAssistant()
    await start_bot(assistant)
    group = {"chat_id": -100, "user_id": 8, "chat_type": "supergroup"}
    fake_api.message("people talking among themselves", **group)
    fake_api.message(
        chat_id=-100,
        user_id=8,
        chat_type="supergroup",
        photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}],
    )
    mention = f"@{BOT_USER['username']}"
    fake_api.message(
        f"{mention} what are the goals?",
        **group,
        entities=[{"type": "mention", "offset": 0, "length": len(mention)}],
    )
    await fake_api.wait_sent(-100, 1)
    bot_message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -100, "type": "supergroup"},
        "from": BOT_USER,
        "text": "an earlier answer",
    }
    fake_api.message("and the funding?", **group, reply_to_message=bot_message)
    first, second = await fake_api.wait_sent(-100, 2)
    assert [c["question"] for c in assistant.calls] == ["what are the goals?", "and the funding?"]
    assert "reply_parameters" in first  # threaded under the question in a group
