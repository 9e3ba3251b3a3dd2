"""The FastAPI application: `create_app(settings, assistant=None, feedback=None, memory=None,
store=None)`.

Tests inject a fake assistant, a feedback store, a memory and a state store; `assistant serve`
passes nothing and the lifespan builds the real pipeline (imported lazily, so importing the API
stays cheap).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from assistant.api.errors import install_error_handlers
from assistant.api.i18n import privacy_text
from assistant.api.metrics import Metrics, MetricsMiddleware
from assistant.api.middleware import (
    AccessLogMiddleware,
    BodySizeLimitMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
)
from assistant.api.routes import admin, ask, health, openai_compat, search, telegram, web
from assistant.api.routes import feedback as feedback_routes
from assistant.conversation import ConversationService
from assistant.feedback import FeedbackStore, FeedbackUnavailable, open_feedback_store
from assistant.memory import ConversationMemory
from assistant.settings import Settings
from assistant.state import StateStore, open_state_store
from assistant.state.limits import WindowLimiter

log = logging.getLogger("assistant.api")

PURGE_INTERVAL_S = 3600.0


def _description(settings: Settings) -> str:
    return (
        "An AI assistant answering from published documents about the innovation ecosystem "
        "agreement between the City of Tampere and the Finnish state, in English, Finnish and "
        "Swedish, with numbered sources.\n\n"
        "**Privacy.** "
        + privacy_text("en", settings.feedback_retention_days, settings.memory_ttl_minutes)
        + "\n\nAdmin routes need `Authorization: Bearer <ADMIN_API_KEY>`; they are disabled "
        "when no key is configured. Requests are rate limited per client (429 with Retry-After)."
    )


async def _purge_periodically(store: FeedbackStore, interval_s: float) -> None:
    """Retention is a promise: delete expired answers and feedback every hour, not only at start."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            n = await run_in_threadpool(store.purge_expired)
            if n:
                log.info("purged %d expired feedback rows", n)
        except Exception:
            log.exception("feedback purge failed")


async def _start_telegram(app: FastAPI, settings: Settings) -> Any:
    """Run the Telegram bot in this process (the store's single owner) when a token is set."""
    if not settings.telegram_bot_token.get_secret_value():
        return None
    try:
        from bots.telegram.embedded import EmbeddedBot
    except ImportError as exc:
        log.warning("TELEGRAM_BOT_TOKEN is set but the bot cannot be loaded: %s", exc)
        return None
    from telegram.error import InvalidToken

    bot = EmbeddedBot(
        settings,
        app.state.assistant,
        app.state.feedback,
        app.state.memory,
        conversations=app.state.conversations,
    )
    try:
        await bot.start()
    except InvalidToken:
        # The exception's text holds the token: log a sentence instead of the traceback.
        log.error(
            "The Bot API rejected TELEGRAM_BOT_TOKEN (InvalidToken); the API runs without the "
            "Telegram bot. Check the token from @BotFather."
        )
        with contextlib.suppress(Exception):
            await bot.stop()
        return None
    log.info("Telegram bot started in-process (%s mode)", settings.telegram_mode)
    return bot


def allowed_hosts(settings: Settings) -> list[str]:
    """Host headers the app answers (DNS rebinding gets 400): loopback names, API_HOST, the
    webhook's host and ALLOWED_HOSTS."""
    from urllib.parse import urlparse

    hosts = ["127.0.0.1", "localhost", "[::1]", settings.api_host, *settings.allowed_hosts]
    webhook_host = urlparse(settings.telegram_webhook_url).hostname
    if webhook_host:
        hosts.append(webhook_host)
    return list(dict.fromkeys(h for h in hosts if h))


def create_app(
    settings: Settings,
    assistant: Any = None,
    feedback: FeedbackStore | None = None,
    memory: ConversationMemory | None = None,
    store: StateStore | None = None,
) -> FastAPI:
    """Build the app; components not passed in are created in the lifespan from `settings`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned_store = app.state.feedback is None
        if owned_store:
            app.state.feedback = open_feedback_store(settings)
        app.state.conversations.feedback = app.state.feedback
        try:  # a locked or read-only feedback database never stops the API from starting
            purged = await run_in_threadpool(app.state.feedback.purge_expired)
        except FeedbackUnavailable:
            log.warning("feedback purge at startup failed; answers are served anyway")
        else:
            if purged:
                log.info("purged %d expired feedback rows at startup", purged)
        purger = asyncio.create_task(_purge_periodically(app.state.feedback, PURGE_INTERVAL_S))
        if app.state.assistant is None:
            from assistant.pipeline import Assistant

            built = await run_in_threadpool(Assistant.from_settings, settings)
            await run_in_threadpool(built.warm_up)
            app.state.assistant = built
        app.state.conversations.assistant = app.state.assistant
        bot = None
        try:
            bot = await _start_telegram(app, settings)
        except Exception:
            log.exception("the Telegram bot failed to start; the API runs without it")
        app.state.telegram_bot = bot
        try:
            yield
        finally:
            if bot is not None:
                with contextlib.suppress(Exception):
                    await bot.stop()
            purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purger
            if owned_store:
                app.state.feedback.close()
            if owned_state:
                app.state.store.close()

    app = FastAPIOffline(
        title="Tampere ecosystem-agreement assistant",
        version="0.1.0",
        description=_description(settings),
        lifespan=lifespan,
        static_url="/docs-static",
    )
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.feedback = feedback
    owned_state = store is None and memory is None
    if store is None:
        store = memory.store if memory is not None else open_state_store(settings)
    app.state.store = store
    # One conversation layer for the web, the OpenAI-compatible routes and an in-process bot.
    conversations = ConversationService(settings, assistant, feedback, store, memory=memory)
    app.state.conversations = conversations
    app.state.metrics = conversations.metrics = Metrics() if settings.metrics_enabled else None
    app.state.memory = conversations.memory
    app.state.sessions = conversations.sessions
    app.state.admin_failures = WindowLimiter(
        store, "admin-failures", settings.admin_max_failures, settings.admin_failure_window_s
    )
    app.state.telegram_bot = None
    app.state.reindex_job = admin.ReindexJob()

    install_error_handlers(app, settings.max_body_bytes)
    for module in (health, ask, openai_compat, search, feedback_routes, admin, web, telegram):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    if app.state.metrics is not None:
        app.add_api_route(
            "/metrics",
            app.state.metrics.endpoint,
            methods=["GET"],
            include_in_schema=False,
            tags=["health"],
        )

    # Added inner to outer: the request id wraps everything, so every log line carries it.
    app.add_middleware(
        RateLimitMiddleware,
        limiter=conversations.limiter("api", settings.rate_limit_per_minute),
        enabled=settings.rate_limit_enabled,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings))
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    if app.state.metrics is not None:  # outside the limits, so 429s and 413s are counted too
        app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    if settings.trusted_proxies:
        # Outermost: every layer below sees the client a trusted proxy forwarded. Without
        # TRUSTED_PROXIES nothing rewrites the peer address (and serve runs uvicorn likewise).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
