"""Error handlers: every failure is JSON with a sentence saying what is wrong, never a traceback."""

from __future__ import annotations

import logging

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.state import StateUnavailable
from assistant.store import StoreUnavailable

log = logging.getLogger("assistant.api")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


OPENAI_PATHS = ("/v1/chat/", "/v1/models")
STORE_RETRY_AFTER_S = 5


def error_response(
    status: int, detail: str, headers: dict[str, str] | None = None, path: str = ""
) -> JSONResponse:
    """The one error shape: {"error", "detail", "request_id"}.

    On the OpenAI-compatible paths `error` is OpenAI's object instead, so clients such as the
    official `openai` package show the message.
    """
    code = _CODES.get(status, "error" if status < 500 else "internal_error")
    error: str | dict = code
    if path.startswith(OPENAI_PATHS):
        error = {"message": detail, "type": code, "param": None, "code": status}
    body = {"error": error, "detail": detail, "request_id": correlation_id.get()}
    return JSONResponse(body, status_code=status, headers=headers)


def state_unavailable_detail(exc: Exception) -> str:
    """The 503 sentence when the shared state store (Redis) is out of reach, with its reason."""
    return (
        "The conversation state store cannot be reached right now, so this request cannot be "
        f"served ({exc}). The service resumes by itself when it is back; please try again shortly."
    )


def _describe(errors: list[dict]) -> tuple[int, str]:
    """Turn pydantic's error list into one readable sentence (without echoing the input)."""
    for err in errors:
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "syntax error")
            pos = err["loc"][1] if len(err.get("loc", ())) > 1 else "?"
            return 400, f"The request body is not valid JSON: {reason} at position {pos}."
    parts = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        where = ".".join(loc)
        msg = str(err.get("msg", "invalid value"))
        if err.get("type") == "missing" and not where:
            parts.append("The request body is missing: send a JSON object.")
            continue
        if err.get("type") == "model_attributes_type" and not where:
            parts.append("The request body must be a JSON object.")
            continue
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        parts.append(f"{where}: {msg}" if where else msg)
    if len(errors) > 5:
        parts.append(f"... and {len(errors) - 5} more problems")
    return 422, "; ".join(parts) or "The request is not valid."


def install_error_handlers(app: FastAPI, max_body_bytes: int) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, detail = _describe(list(exc.errors()))
        return error_response(status, detail, path=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 413:
            detail = f"The request body is larger than the limit of {max_body_bytes} bytes."
        elif exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no route {request.url.path}; see /docs for the API."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; see /docs."
        headers = getattr(exc, "headers", None)
        return error_response(exc.status_code, detail, headers, path=request.url.path)

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        # The reason, without the store's address (logged where it failed); /readyz says the same.
        log.warning("503 on %s: %s", request.url.path, exc)
        return error_response(
            503,
            "The document index cannot be reached right now, so no answer can be given. The "
            "service resumes by itself when the index is back; please try again shortly.",
            {"Retry-After": str(STORE_RETRY_AFTER_S)},
            path=request.url.path,
        )

    @app.exception_handler(StateUnavailable)
    async def _state_down(request: Request, exc: StateUnavailable) -> JSONResponse:
        log.warning("503 on %s: %s", request.url.path, exc)
        return error_response(
            503,
            state_unavailable_detail(exc),
            {"Retry-After": str(STORE_RETRY_AFTER_S)},
            path=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "Internal error. It has been logged; quote the request id when reporting it.",
            path=request.url.path,
        )
