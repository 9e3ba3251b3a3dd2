"""Webhook mode: the bot inside an ASGI app (PTB's custom-webhook pattern), on a real uvicorn."""

from __future__ import annotations

import time

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from assistant.memory import ConversationMemory
from bots.telegram.embedded import SECRET_HEADER, EmbeddedBot

from .conftest import ScriptedAssistant, bot_settings
from .fake_bot_api import FakeBotAPI, serve


async def test_webhook_sets_the_hook_checks_the_secret_and_answers(
    fake_api: FakeBotAPI, feedback, tmp_path
):
    settings = bot_settings(
        fake_api,
        tmp_path,
        telegram_mode="webhook",
        telegram_webhook_url="https://bot.example.org/telegram",
        telegram_webhook_secret="s3cret-Token_1",
    )
    bot = EmbeddedBot(settings, ScriptedAssistant(), feedback, ConversationMemory())
    await bot.start()
    server, task, port = await serve(
        Starlette(routes=[Route("/telegram", bot.handle_webhook, methods=["POST"])])
    )
    try:
        (hook,) = fake_api.called("setWebhook")
        assert hook["url"] == "https://bot.example.org/telegram"
        assert hook["secret_token"] == "s3cret-Token_1"
        assert not fake_api.called("getUpdates")  # no polling in webhook mode
        assert {p.get("language_code") for p in fake_api.called("setMyCommands")} >= {
            "en",
            "fi",
            "sv",
        }
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "text": "Hello via webhook",
                "chat": {"id": 41, "type": "private"},
                "from": {"id": 41, "is_bot": False, "first_name": "W", "language_code": "en"},
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json=update, headers={SECRET_HEADER: "wrong"})
            missing = await client.post(url, json=update)
            assert (forged.status_code, missing.status_code) == (403, 403)
            assert fake_api.sent(41) == []
            ok = await client.post(url, json=update, headers={SECRET_HEADER: "s3cret-Token_1"})
            assert ok.status_code == 200
            bad = await client.post(
                url, content=b"not json", headers={SECRET_HEADER: "s3cret-Token_1"}
            )
            assert bad.status_code == 400
        (sent,) = await fake_api.wait_sent(41, 1)
        assert "Hello via webhook" in sent["text"]
    finally:
        server.should_exit = True
        await task
        await bot.stop()


async def test_webhook_without_a_configured_secret_uses_a_random_one(
    fake_api: FakeBotAPI, feedback, tmp_path
):
    settings = bot_settings(
        fake_api, tmp_path, telegram_mode="webhook", telegram_webhook_url="https://h.example/t"
    )
    bot = EmbeddedBot(settings, ScriptedAssistant(), feedback, ConversationMemory())
    await bot.start()
    try:
        (hook,) = fake_api.called("setWebhook")
        assert len(hook["secret_token"]) >= 32 and hook["secret_token"] == bot.secret
    finally:
        await bot.stop()
