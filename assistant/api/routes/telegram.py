"""POST /telegram/webhook: updates for the bot running inside this process (webhook mode)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

router = APIRouter(include_in_schema=False)


@router.post("/telegram/webhook")
async def telegram_webhook(request: Request) -> Response:
    """Hands the update to the embedded bot, which checks Telegram's secret token."""
    bot = getattr(request.app.state, "telegram_bot", None)
    if bot is None or request.app.state.settings.telegram_mode != "webhook":
        raise HTTPException(404, "The Telegram webhook is not enabled on this server.")
    return await bot.handle_webhook(request)
