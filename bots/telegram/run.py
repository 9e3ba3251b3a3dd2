"""`assistant bot`: the Telegram bot by long polling, in a process that owns the store itself.

Run: `TELEGRAM_BOT_TOKEN=... assistant bot` (or put the token in `.env`). When the API runs with
embedded Chroma, do not run this beside it: the API starts the bot itself (see embedded.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from assistant.redaction import install_redaction
from assistant.settings import Settings, get_settings

log = logging.getLogger(__name__)

NO_TOKEN = (
    "assistant bot: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and set it in the "
    "environment or in .env (TELEGRAM_BOT_TOKEN=123456:ABC...)."
)
REJECTED_TOKEN = (
    "assistant bot: the Bot API rejected TELEGRAM_BOT_TOKEN (InvalidToken). Check the token "
    "from @BotFather and TELEGRAM_API_BASE_URL."
)


async def token_accepted(settings: Settings) -> bool:
    """getMe before any model is loaded: False only when the Bot API rejects the token (a
    network failure is left to polling, which retries)."""
    token = settings.telegram_bot_token.get_secret_value()
    bot = Bot(token, base_url=settings.telegram_api_base_url)
    try:
        async with bot:
            return True
    except InvalidToken:
        return False
    except TelegramError as exc:
        log.warning("could not check the token yet (%s); polling will retry", type(exc).__name__)
        return True


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """Check the token first (no model loading without it), then build everything and poll."""
    parser = argparse.ArgumentParser(
        prog="assistant bot", description="Run the Telegram bot by long polling."
    )
    parser.parse_args(list(argv or []))
    settings = settings or get_settings()
    if not settings.telegram_bot_token.get_secret_value():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.log_format == "json":
        from assistant.logs import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    # Secrets masked on every handler; httpx/httpcore (which log Bot API URLs) at WARNING.
    install_redaction(settings)
    if not asyncio.run(token_accepted(settings)):
        # The exception's text holds the token: a sentence instead of the traceback.
        print(REJECTED_TOKEN, file=sys.stderr)
        return 3

    from assistant import Assistant
    from assistant.conversation import ConversationService
    from assistant.feedback import open_feedback_store
    from bots.telegram.app import build_application
    from ingest.indexer import ensure_index

    if not settings.chroma_host:  # a Chroma server's index is written by `ingest` alone
        ensure_index(settings)
    assistant = Assistant.from_settings(settings)
    assistant.warm_up()
    feedback = open_feedback_store(settings)
    conversations = ConversationService.from_settings(settings, assistant, feedback)
    application = build_application(
        settings,
        assistant,
        feedback,
        conversations.memory,
        polling=True,
        conversations=conversations,
    )
    log.info("Telegram bot polling %s", settings.telegram_api_base_url)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=10)
    except InvalidToken:  # revoked while running
        print(REJECTED_TOKEN, file=sys.stderr)
        return 3
    finally:
        feedback.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
