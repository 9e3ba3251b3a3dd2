"""The few sentences the API itself says, from the language packs' templates.yaml."""

from __future__ import annotations

from assistant import packs


def privacy_text(lang: str, days: int, ttl_minutes: float) -> str:
    """The privacy notice with the configured retention period filled in."""
    ttl = f"{ttl_minutes:g}"
    return packs.active().say("privacy", lang).format(days=days, ttl=ttl)
