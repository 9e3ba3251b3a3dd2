"""The API starts and stops the in-process Telegram bot and routes webhook POSTs to it.

The bot itself is tested against a fake Bot API in tests/bots; here a stand-in `EmbeddedBot`
checks the wiring: what it is given, start/stop from the lifespan, the webhook route.
"""

from __future__ import annotations

import sys
import types

import httpx
import pytest
from starlette.responses import JSONResponse

from assistant.api import create_app

from .conftest import make_settings


class StubBot:
    instances: list[StubBot] = []

    def __init__(self, settings, assistant, feedback, memory, *, conversations=None) -> None:
        self.args = (settings, assistant, feedback, memory)
        self.conversations = conversations
        self.started = self.stopped = False
        self.updates: list[dict] = []
        StubBot.instances.append(self)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def handle_webhook(self, request):
        self.updates.append(await request.json())
        return JSONResponse({"ok": True})


@pytest.fixture
def stub_module(monkeypatch):
    StubBot.instances.clear()
    module = types.ModuleType("bots.telegram.embedded")
    module.EmbeddedBot = StubBot
    monkeypatch.setitem(sys.modules, "bots.telegram.embedded", module)
    return module


def test_polling_bot_runs_inside_the_api(stub_module, live_factory, tmp_path, fake, store):
    settings = make_settings(tmp_path, telegram_bot_token="123:abc")
    app = create_app(settings, assistant=fake, feedback=store)
    server = live_factory(app)
    (bot,) = StubBot.instances
    assert bot.started and bot.args[1] is fake and bot.args[2] is store
    assert bot.args[3] is app.state.memory  # one memory for the web sessions and the chats
    assert bot.conversations is app.state.conversations  # and one conversation layer
    # polling mode: no webhook route
    r = httpx.post(f"{server.url}/telegram/webhook", json={"update_id": 1})
    assert r.status_code == 404
    server.stop()
    assert bot.stopped


def test_webhook_mode_routes_updates(stub_module, live_factory, tmp_path, fake):
    settings = make_settings(
        tmp_path,
        telegram_bot_token="123:abc",
        telegram_mode="webhook",
        telegram_webhook_url="https://bot.example.org/telegram/webhook",
    )
    server = live_factory(create_app(settings, assistant=fake))
    r = httpx.post(f"{server.url}/telegram/webhook", json={"update_id": 7})
    assert r.status_code == 200
    assert StubBot.instances[0].updates == [{"update_id": 7}]
    assert "/telegram/webhook" not in httpx.get(f"{server.url}/openapi.json").text


def test_no_token_no_bot(stub_module, live):
    assert StubBot.instances == []


def test_api_survives_a_bot_that_cannot_load(monkeypatch, live_factory, tmp_path, fake):
    monkeypatch.setitem(sys.modules, "bots.telegram.embedded", None)  # import fails
    settings = make_settings(tmp_path, telegram_bot_token="123:abc")
    server = live_factory(create_app(settings, assistant=fake))
    assert httpx.get(f"{server.url}/healthz").status_code == 200
