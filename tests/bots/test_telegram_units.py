"""The bot's pure parts: UI texts in three languages, formatting and splitting, no-token exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import packs
from assistant.schema import LANGS, Answer
from assistant.settings import Settings
from bots.telegram import messages
from bots.telegram.app import file_base_url
from bots.telegram.formatting import PART_LIMIT, format_answer
from bots.telegram.run import NO_TOKEN, main

from .conftest import source

ROOT = Path(__file__).resolve().parents[2]


def answer(text: str, **kw) -> Answer:
    return Answer(
        question="q", standalone_question="q", answer=text, language="en", refused=False, **kw
    )


UI_KEYS = (
    "greeting",
    "help",
    "choose_language",
    "language_set",
    "reset",
    "text_only",
    "rate_limited",
    "apology",
    "busy",
    "sources",
    "feedback_thanks",
    "feedback_unknown",
    "empty_question",
    "q_contacts",
    "q_focus",
    *(f"cmd_{command}" for command in messages.COMMANDS),
)


@pytest.mark.parametrize("lang", LANGS)
def test_every_ui_text_comes_from_the_languages_pack(lang):
    texts = {key: messages.text(lang, key, name="", ttl=30, days=90) for key in UI_KEYS}
    assert all(text.strip() for text in texts.values())
    assert "{" not in texts["greeting"] and "30" in texts["greeting"]
    assert texts["sources"] == packs.active().say("sources_heading", lang)
    assert messages.language_names()[lang] == packs.active().words(lang).language.name
    if lang != "en":  # its own words, not English ones
        assert texts["help"] != messages.text("en", "help")


def test_an_unserved_language_gets_the_default_languages_texts():
    assert messages.text("de", "help") == messages.text("en", "help")


def test_one_huge_paragraph_of_ampersands_is_cut_without_breaking_entities():
    parts = format_answer(answer("&" * 5000 + " " + "<" * 3000))
    assert len(parts) >= 4
    for part in parts:
        assert len(part.html) <= PART_LIMIT
        assert part.html.replace("&amp;", "").replace("&lt;", "") == ""
    assert "".join(p.plain for p in parts) == "&" * 5000 + "<" * 3000


def test_lines_of_a_long_paragraph_stay_whole_and_the_next_step_is_kept():
    lines = [f"- item {i} " + "x" * 90 for i in range(80)]
    parts = format_answer(answer("\n".join(lines), next_step="Contact the city."))
    got = [line for p in parts for line in p.plain.split("\n") if line]
    assert got == [*lines, "Contact the city."]


def test_sources_without_url_are_plain_titles():
    parts = format_answer(answer("Text", sources=[source(1, "A & B", url="")]))
    assert parts[0].html == "Text\n\n<b>Sources</b>\n1. A &amp; B"


def test_file_url_follows_the_api_base_url():
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:9/bot") == "http://127.0.0.1:9/file/bot"


def test_no_token_exits_at_once_with_a_clear_message(capsys):
    assert main([], settings=Settings(_env_file=None, telegram_bot_token="")) == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


def test_assistant_bot_command_without_token(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "bot"],
        cwd=tmp_path,  # no .env here
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert NO_TOKEN in result.stderr
