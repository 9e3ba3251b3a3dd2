"""Keep secrets and forged lines out of every log.

`install_redaction(settings)` masks the Telegram token, ADMIN_API_KEY, the LLM API key and the
webhook secret (and their URL-encoded forms) in every log record, whichever library logs it and
whichever handler writes it, including handlers configured later: records are cleaned where they
are made (the log-record factory) and again by `RedactingFilter` on each handler. Values passed
as arguments (request paths, headers) have CR/LF escaped, so a request cannot forge a log line.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from assistant.settings import Settings

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter "secrets" would mask ordinary text; settings refuse nothing here
# httpx/httpcore log full request URLs at INFO, and a Bot API URL holds the token.
NOISY_LOGGERS = ("httpx", "httpcore")


def escape_controls(text: str) -> str:
    """CR, LF and the other C0 controls (not tab) as visible escapes."""
    if not any(ord(c) < 32 and c != "\t" for c in text):
        return text
    return "".join(
        c if ord(c) >= 32 or c == "\t" else {"\r": "\\r", "\n": "\\n"}.get(c, f"\\x{ord(c):02x}")
        for c in text
    )


class Redactor:
    """Replaces each secret and its URL-encoded forms with MASK."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._needles: list[str] = []

    def add(self, *secrets: str) -> None:
        with self._lock:
            needles = set(self._needles)
            for secret in secrets:
                if secret and len(secret) >= MIN_SECRET_CHARS:
                    needles |= {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
            self._needles = sorted(needles, key=len, reverse=True)

    def clear(self) -> None:
        with self._lock:
            self._needles = []

    @property
    def active(self) -> bool:
        return bool(self._needles)

    def redact(self, text: str) -> str:
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, MASK)
        return text


REDACTOR = Redactor()


def _escape_arg(value: Any) -> Any:
    return escape_controls(value) if isinstance(value, str) else value


def clean_record(record: logging.LogRecord, redactor: Redactor = REDACTOR) -> None:
    """Escape argument values, then mask secrets in the message, traceback and stack."""
    if getattr(record, "_cleaned", False):
        return
    record._cleaned = True
    if record.args:
        if isinstance(record.args, dict):
            record.args = {k: _escape_arg(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_escape_arg(v) for v in record.args)
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what logging would have shown
        message = f"{record.msg!r} {record.args!r}"
    masked = redactor.redact(message)
    if masked != message:  # else keep msg and args apart for formatters that read the args
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
        # Formatters print exc_text when it is set; dropping exc_info keeps any formatter that
        # formats the exception itself from printing the unmasked original.
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """Put on a handler: every record it writes is cleaned first (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        clean_record(record)
        return True


_factory_installed = False
_install_lock = threading.Lock()


def _install_factory() -> None:
    global _factory_installed
    with _install_lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            clean_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


def attach_filter(logger: logging.Logger | logging.PlaceHolder) -> None:
    """Put a RedactingFilter on each of the logger's handlers (once)."""
    for handler in getattr(logger, "handlers", []):
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never be logged."""
    return [
        settings.telegram_bot_token.get_secret_value(),
        settings.admin_api_key.get_secret_value(),
        settings.llm_api_key.get_secret_value(),
        settings.telegram_webhook_secret.get_secret_value(),
    ]


def install_redaction(settings: Settings | None = None, *extra: str) -> None:
    """Mask the settings' secrets everywhere from now on; quiet the URL-logging libraries."""
    if settings is not None:
        REDACTOR.add(*secrets_of(settings))
    REDACTOR.add(*extra)
    _install_factory()
    attach_filter(logging.getLogger())
    for logger in list(logging.Logger.manager.loggerDict.values()):
        attach_filter(logger)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


__all__ = [
    "MASK",
    "REDACTOR",
    "RedactingFilter",
    "clean_record",
    "escape_controls",
    "install_redaction",
    "secrets_of",
]
