"""`assistant serve [--host H] [--port P]`: build the index if needed, then serve API and page.

With a Chroma server (CHROMA_HOST) nothing is built: the `ingest` job writes the shared index and
replicas only read it, so several can start at once.

One process, one uvicorn worker: with embedded Chroma this process is the store's only owner,
and the Telegram bot (when a token is set) runs inside it too. uvicorn's own proxy-header handling
is off (by default it believes X-Forwarded-For from 127.0.0.1); the app applies TRUSTED_PROXIES
itself, so limits count the real peer unless a configured proxy vouches for another address.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
from typing import Any

from assistant.logs import TEXT_FORMAT, formatter_config
from assistant.redaction import install_redaction
from assistant.settings import get_settings

LOG_FORMAT = TEXT_FORMAT


def logging_config(level: str, log_format: str = "text") -> dict:
    """Every line carries the request id; uvicorn's own access log is off (ours omits queries).
    `log_format` json: one JSON object per line (LOG_FORMAT)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {
                "()": "asgi_correlation_id.CorrelationIdFilter",
                "uuid_length": 12,
                "default_value": "-",
            },
            # Secrets masked and CR/LF escaped on every line (see assistant/redaction.py).
            "redact": {"()": "assistant.redaction.RedactingFilter"},
        },
        "formatters": {"default": formatter_config(log_format)},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["redact", "request_id"],
                "formatter": "default",
            }
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            # httpx logs full URLs at INFO, and a Telegram URL contains the bot token.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def uvicorn_options() -> dict[str, Any]:
    """How `serve` runs uvicorn (tests start their live servers the same way)."""
    return {"proxy_headers": False, "server_header": False, "access_log": False}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, make sure the index exists, then run uvicorn until stopped."""
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="assistant serve", description="Serve the HTTP API and the web chat page."
    )
    parser.add_argument("--host", default=settings.api_host, help="address to bind")
    parser.add_argument("--port", type=int, default=settings.api_port, help="port to bind")
    parser.add_argument(
        "--skip-index-check", action="store_true", help="do not build a missing index first"
    )
    args = parser.parse_args(argv)

    install_redaction(settings)
    config = logging_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(config)
    log = logging.getLogger("assistant.api")

    # With a Chroma server the `ingest` job is the one writer: replicas only read the shared index.
    if not args.skip_index_check and not settings.chroma_host:
        from ingest.indexer import ensure_index

        ensure_index(settings)

    import uvicorn

    from assistant.api.app import create_app

    app = create_app(settings)
    log.info("serving on http://%s:%d", args.host, args.port)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        log_config=config,
        **uvicorn_options(),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
