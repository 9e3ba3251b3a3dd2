"""LOG_FORMAT=json: one JSON object per line, with secrets masked by the same redaction filter
(message and traceback) and no line a request could forge."""

from __future__ import annotations

import io
import json
import logging
import logging.config

from assistant.api.server import logging_config
from assistant.logs import JsonFormatter
from assistant.redaction import MASK, REDACTOR, RedactingFilter

SECRET = "sk-json/secret+key=0123456789"


def test_serve_uses_the_json_formatter_when_asked():
    assert logging_config("INFO", "json")["formatters"]["default"] == {
        "()": "assistant.logs.JsonFormatter"
    }
    assert "format" in logging_config("INFO")["formatters"]["default"]


def test_secret_is_masked_in_json_lines():
    stream = io.StringIO()
    config = logging_config("DEBUG", "json")
    # The serve configuration's handler (filters and formatter), on an isolated logger.
    config["handlers"]["console"]["stream"] = stream
    config["root"] = {"handlers": [], "level": "WARNING"}
    config["loggers"] = {"tests.json": {"handlers": ["console"], "level": "DEBUG"}}
    REDACTOR.add(SECRET)
    logging.config.dictConfig(config)
    logger = logging.getLogger("tests.json")
    logger.propagate = False
    try:
        logger.info("calling https://llm.example/v1?key=%s", SECRET)
        logger.warning("path %s", "/v1/x\r\nFORGED line")
        try:
            raise RuntimeError(f"upstream said: bad key {SECRET}")
        except RuntimeError:
            logger.exception("LLM call failed")
    finally:
        logger.handlers.clear()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3  # one object per record, tracebacks included
    records = [json.loads(line) for line in lines]
    assert SECRET not in stream.getvalue()
    assert records[0]["message"] == f"calling https://llm.example/v1?key={MASK}"
    assert records[0]["level"] == "INFO" and records[0]["logger"] == "tests.json"
    assert "\n" not in records[1]["message"] and "FORGED" in records[1]["message"]
    assert "RuntimeError" in records[2]["exc"] and MASK in records[2]["exc"]


def test_formatter_alone_keeps_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.correlation_id = "abc123"
    RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you" and entry["request_id"] == "abc123"
