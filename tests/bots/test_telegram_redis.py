"""The bot over the Redis state store: a chat's memory and language choice live in Redis, and
Redis going down gets a polite sentence in the chat's language instead of silence."""

from __future__ import annotations

from assistant.conversation import ConversationService
from assistant.state.redis import RedisStateStore
from bots.telegram import messages
from bots.telegram.embedded import EmbeddedBot
from tests.servers import RedisServer

from .conftest import ScriptedAssistant, bot_settings
from .fake_bot_api import FakeBotAPI


async def test_memory_in_redis_and_a_polite_reply_when_it_is_down(
    fake_api: FakeBotAPI, feedback, tmp_path
):
    server = RedisServer().start()
    settings = bot_settings(
        fake_api, tmp_path, state_backend="redis", redis_url=server.url, redis_timeout_s=0.5
    )
    assistant = ScriptedAssistant()
    conversations = ConversationService.from_settings(settings, assistant, feedback)
    assert isinstance(conversations.store, RedisStateStore)
    bot = EmbeddedBot(
        settings,
        assistant,
        feedback,
        conversations.memory,
        poll_timeout=1.0,
        conversations=conversations,
    )
    await bot.start()
    try:
        fake_api.message("/lang fi", chat_id=21)
        await fake_api.wait_sent(21, 1)
        fake_api.message("Who can apply?", chat_id=21)
        await fake_api.wait_sent(21, 2)
        fake_api.message("And when?", chat_id=21)
        await fake_api.wait_sent(21, 3)
        assert [t.content for t in assistant.calls[-1]["history"]][0] == "Who can apply?"
        assert assistant.calls[-1]["client_lang"] == "fi"  # the choice, read back from Redis
        raw = conversations.store.client.keys(f"{settings.redis_key_prefix}conv:telegram:21:*")
        assert raw  # the chat's turns are in Redis, not in this process

        server.stop()
        fake_api.message("Still there?", chat_id=22, language_code="sv")
        (reply,) = await fake_api.wait_sent(22, 1)
        assert reply["text"] == messages.text("sv", "busy")
    finally:
        await bot.stop()
        server.stop()
        conversations.store.close()
