"""The one place the python-telegram-bot `Application` is built, for `assistant bot` and the API.

The Bot API base URL is a setting, so the same bot runs against Telegram, a self-hosted Bot API
server, or the tests' local fake. AIORateLimiter keeps within Telegram's flood limits.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from assistant.conversation import ConversationService
from assistant.schema import LANGS
from assistant.settings import Settings
from bots.telegram import messages
from bots.telegram.handlers import AssistantLike, FeedbackLike, TelegramHandlers

log = logging.getLogger(__name__)

# How many updates are handled at once; a chat's own questions still go one by one.
CONCURRENT_UPDATES = 8


def file_base_url(base_url: str) -> str:
    """The file-download URL that goes with a Bot API base URL ('.../bot' -> '.../file/bot')."""
    head, sep, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot" if sep else base_url


def commands(lang: str) -> list[BotCommand]:
    """The command menu in one language."""
    return [BotCommand(name, messages.text(lang, f"cmd_{name}")) for name in messages.COMMANDS]


async def register_commands(application: Application) -> None:
    """setMyCommands in en/fi/sv (by language_code) plus English for every other language."""
    try:
        for lang in LANGS:
            await application.bot.set_my_commands(commands(lang), language_code=lang)
        await application.bot.set_my_commands(commands("en"))
    except TelegramError:  # a missing menu must not stop the bot from answering
        log.warning("could not register the command menu", exc_info=True)


def build_application(
    settings: Settings,
    assistant: AssistantLike,
    feedback: FeedbackLike,
    memory: Any,
    *,
    polling: bool | None = None,
    conversations: ConversationService | None = None,
) -> Application:
    """The configured bot. `polling` defaults to the settings' mode (webhook mode: no updater)."""
    token = settings.telegram_bot_token.get_secret_value()
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    if polling is None:
        polling = settings.telegram_mode != "webhook"
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .rate_limiter(AIORateLimiter())
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(register_commands)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    handlers = TelegramHandlers(settings, assistant, feedback, memory, conversations=conversations)
    add_handlers(application, handlers)
    return application


def add_handlers(application: Application, h: TelegramHandlers) -> None:
    """Wire the handlers; order matters only within a group (first match wins)."""
    application.bot_data["handlers"] = h
    for name in messages.COMMANDS:
        application.add_handler(CommandHandler(name, getattr(h, name)))
    application.add_handler(CallbackQueryHandler(h.language_button, pattern=r"^lang:"))
    application.add_handler(CallbackQueryHandler(h.feedback_button, pattern=r"^fb:(up|down):"))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, h.not_text))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, h.text)
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE, h.help
        )
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, h.not_text
        )
    )
    application.add_error_handler(h.error)


__all__ = ["Update", "build_application", "commands", "file_base_url", "register_commands"]
