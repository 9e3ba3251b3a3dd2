"""The bot inside the API process, which owns the embedded store (one opener per Chroma directory).

Polling mode polls in the background of the API's event loop. Webhook mode is python-telegram-bot's
custom-webhook pattern (examples/customwebhookbot/starlettebot.py): the API routes Telegram's POSTs
to `handle_webhook`, which checks the secret token and queues the update for the application.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from telegram import Update

from assistant.conversation import ConversationService
from assistant.settings import Settings
from bots.telegram.app import build_application
from bots.telegram.handlers import AssistantLike, FeedbackLike

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class EmbeddedBot:
    """Start and stop the bot from an ASGI lifespan; route webhook POSTs to `handle_webhook`."""

    def __init__(
        self,
        settings: Settings,
        assistant: AssistantLike,
        feedback: FeedbackLike,
        memory: Any,
        *,
        poll_timeout: float = 10.0,
        conversations: ConversationService | None = None,
    ) -> None:
        self.settings = settings
        self.webhook = settings.telegram_mode == "webhook"
        if self.webhook and not settings.telegram_webhook_url:
            raise ValueError("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL")
        self.poll_timeout = poll_timeout
        # Without a configured secret a random one still proves each POST came from Telegram.
        self.secret = settings.telegram_webhook_secret.get_secret_value() or secrets.token_urlsafe(
            32
        )
        self.application = build_application(
            settings,
            assistant,
            feedback,
            memory,
            polling=not self.webhook,
            conversations=conversations,
        )

    async def start(self) -> None:
        """Initialise, register the command menu, then poll or set the webhook."""
        app = self.application
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        if self.webhook:
            await app.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await app.updater.start_polling(
                poll_interval=0.0, timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES
            )
        await app.start()
        log.info("Telegram bot started (%s)", "webhook" if self.webhook else "polling")

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, release the HTTP clients."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def handle_webhook(self, request: Request) -> Response:
        """One update from Telegram: 403 without the secret, 400 if not JSON, else queued."""
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), self.secret.encode()):
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict):
            return Response(status_code=400)
        await self.application.update_queue.put(Update.de_json(data, self.application.bot))
        return Response()


__all__ = ["SECRET_HEADER", "EmbeddedBot"]
