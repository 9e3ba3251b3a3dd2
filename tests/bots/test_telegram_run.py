"""`assistant bot` as a real process: builds the index and the pipeline, polls, stops on SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from bots.telegram import messages

from .fake_bot_api import TOKEN, FakeBotAPI

pytestmark = [pytest.mark.slow, pytest.mark.server]


async def test_assistant_bot_polls_answers_and_stops_cleanly(
    fake_api: FakeBotAPI, shipped_copy, tmp_path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATA_DIR=str(shipped_copy.data_dir),
        CORPUS_DIR=str(shipped_copy.corpus_dir),
    )
    log = (tmp_path / "bot.log").open("w")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "assistant",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake_api.wait_for(
            lambda: fake_api.called("getUpdates"), timeout=300, what="the bot to start polling"
        )
        fake_api.message("/start", chat_id=61, language_code="sv")
        fake_api.message("Who is the contact person named on the agreement page?", chat_id=61)
        greeting, *answer = await fake_api.wait_for(
            lambda: len(s := fake_api.sent(61)) >= 2 and s, timeout=120, what="two replies"
        )
        assert greeting["text"].startswith(
            messages.text("sv", "greeting", name=" Ann", ttl=30, days=90)[:20]
        )
        assert answer[0]["parse_mode"] == "HTML" and "<a href=" in answer[-1]["text"]
        assert {p.get("language_code") for p in fake_api.called("setMyCommands")} >= {
            "en",
            "fi",
            "sv",
        }
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()
    assert TOKEN not in (tmp_path / "bot.log").read_text()  # the token never reaches the log
