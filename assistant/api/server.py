"""`assistant serve [--host H] [--port P]`: build the index if needed, then serve API and page.

One process, one uvicorn worker: with embedded Chroma this process is the store's only owner,
and the Telegram bot (when a token is set) runs inside it too.
"""

from __future__ import annotations

import argparse
import logging
import logging.config

from assistant.settings import get_settings

LOG_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"


def logging_config(level: str) -> dict:
    """Every line carries the request id; uvicorn's own access log is off (ours omits queries)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {
                "()": "asgi_correlation_id.CorrelationIdFilter",
                "uuid_length": 12,
                "default_value": "-",
            }
        },
        "formatters": {"default": {"format": LOG_FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
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

    config = logging_config(settings.log_level)
    logging.config.dictConfig(config)
    log = logging.getLogger("assistant.api")

    if not args.skip_index_check:
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
        access_log=False,
        log_config=config,
        proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
