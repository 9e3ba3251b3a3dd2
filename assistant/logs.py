"""Log lines as JSON (`LOG_FORMAT=json`), one object per line, for log collectors.

The redaction filter (assistant/redaction.py) runs on the handler before this formatter, so the
message, the traceback and the stack arrive here already masked; `json.dumps` escapes CR/LF, so a
request still cannot forge a line. The request id rides along when the correlation filter set it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id"?, "exc"?, "stack"?}."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "correlation_id", None)
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_config(log_format: str) -> dict:
    """The dictConfig formatter entry for LOG_FORMAT (text or json)."""
    if log_format == "json":
        return {"()": "assistant.logs.JsonFormatter"}
    return {"format": TEXT_FORMAT}


__all__ = ["TEXT_FORMAT", "JsonFormatter", "formatter_config"]
