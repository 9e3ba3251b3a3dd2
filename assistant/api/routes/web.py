"""The chat page at / and its static files (no CDN, no build step)."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _template() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    """The page, with the retention period filled in so the privacy note is exact."""
    settings = request.app.state.settings
    html = (
        _template()
        .replace("{{RETENTION_DAYS}}", escape(str(settings.feedback_retention_days)))
        .replace("{{MEMORY_TTL}}", escape(f"{settings.memory_ttl_minutes:g}"))
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
