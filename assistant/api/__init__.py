"""The HTTP API and the web chat page (FastAPI)."""

from __future__ import annotations

from assistant.api.app import create_app

__all__ = ["create_app"]
