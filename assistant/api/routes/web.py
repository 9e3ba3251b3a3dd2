"""The chat page at / and its static files (no CDN, no build step).

The page's words come from the language packs (web.yaml): the default language's fill the HTML
(what a browser without JavaScript shows), and every served language's go to app.js as JSON, so a
fourth language's pack gives the page that language with no code edit.
"""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant import packs, textregex

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)
# {{NAME}}: a value the server fills in; {{t:key}}: the default language's label `key`.
_SLOT = textregex.compile(r"\{\{(t:)?([A-Za-z_]{1,40})\}\}")


@lru_cache(maxsize=1)
def _template() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end it or open a tag."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(max_chars: int, retention_days: int, memory_ttl_minutes: float) -> str:
    """index.html with the served languages, their labels and the configured limits filled in."""
    served = packs.active()
    default = served.web(served.default)
    options = "\n".join(
        f'          <option value="{escape(lang)}" lang="{escape(lang)}">'
        f"{escape(served.words(lang).language.name)}</option>"
        for lang in served.languages
    )
    strings = {
        "default": served.default,
        "labels": {lang: served.web(lang) for lang in served.languages},
    }
    values = {
        "RETENTION_DAYS": escape(str(retention_days)),
        "MEMORY_TTL": escape(f"{memory_ttl_minutes:g}"),
        "MAX_CHARS": escape(str(max_chars)),
        "DEFAULT_LANG": escape(served.default),
        "LANGUAGE_OPTIONS": options,
        "UI_STRINGS": _script_json(strings),
    }

    def fill(match: textregex.Match) -> str:
        # One pass over the template: a filled-in value is never scanned for slots again.
        if match.group(1):
            value = default.get(match.group(2), "")
            return escape(value) if isinstance(value, str) else ""
        return values.get(match.group(2), match.group(0))

    return _SLOT.sub(fill, _template())


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    """The page, with the retention period filled in so the privacy note is exact."""
    settings = request.app.state.settings
    html = render_page(
        settings.max_question_chars, settings.feedback_retention_days, settings.memory_ttl_minutes
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


# Probe for the pathological-input test (tests/assistant/test_textregex.py).
textregex.register_text_function("assistant.api.routes.web._SLOT", lambda t: _SLOT.findall(t))
