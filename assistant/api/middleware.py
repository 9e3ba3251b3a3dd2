"""Pure-ASGI middleware: body size limit, per-client rate limit, security headers, access log.

Pure ASGI (not BaseHTTPMiddleware) so streamed answers pass through untouched, piece by piece.
"""

from __future__ import annotations

import json
import logging
import time

from asgi_correlation_id import correlation_id
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.redaction import escape_controls
from assistant.state import StateUnavailable
from assistant.state.limits import WindowLimiter

log = logging.getLogger("assistant.api.access")

# The chat page and the API: scripts and styles only from this origin, nothing inline.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc pages start themselves with one inline script (their assets are local).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


async def send_json(send: Send, status: int, body: dict, headers: dict[str, str] | None = None):
    """Answer directly from middleware with the same error shape as the routes."""
    raw = json.dumps(body).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a JSON 413, with or without Content-Length.

    Starlette's own `max_body_size` answers a declared oversize body with a plain-text 413 that
    replaces any JSON body, outside the request-id middleware; this keeps one error shape.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            status = 413 if length.isdigit() else 400
            await send_json(
                send,
                status,
                {
                    "error": "payload_too_large" if status == 413 else "bad_request",
                    "detail": (
                        f"The request body is larger than the limit of {self.max_bytes} bytes."
                        if status == 413
                        else "The Content-Length header is not a number."
                    ),
                    "request_id": correlation_id.get(),
                },
            )
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises HTTPException from body reading; our handler renders it.
                    raise HTTPException(413)
            return message

        await self.app(scope, limited_receive, send)


class RateLimitMiddleware:
    """A one-minute window per client address on the API paths; 429 with Retry-After.

    The address is the connecting peer's, or the one a proxy listed in TRUSTED_PROXIES forwarded
    (the app's ProxyHeadersMiddleware has set `scope["client"]` by then); the counts live in the
    state store, so replicas sharing a store share the limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: WindowLimiter,
        enabled: bool = True,
        prefixes: tuple[str, ...] = ("/v1/",),
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.prefixes = prefixes
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        try:
            decision = self.limiter.hit(client[0] if client else "unknown")
        except StateUnavailable as exc:  # the counts live in Redis: say so, do not guess
            from assistant.api.errors import state_unavailable_detail

            log.warning("503 on %s: %s", escape_controls(scope["path"]), exc)
            await send_json(
                send,
                503,
                {
                    "error": "unavailable",
                    "detail": state_unavailable_detail(exc),
                    "request_id": correlation_id.get(),
                },
                {"Retry-After": "5"},
            )
            return
        if not decision.allowed:
            await send_json(
                send,
                429,
                {
                    "error": "rate_limited",
                    "detail": (
                        f"Too many requests: the limit is {self.limiter.limit} per minute. "
                        f"Try again in {decision.retry_after_s} s."
                    ),
                },
                {"Retry-After": str(decision.retry_after_s)},
            )
            return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and friends on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": csp.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"x-frame-options": b"DENY",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestObserver:
    """Pure ASGI (streams pass): `observe(scope, status, seconds)` once per HTTP request.

    The status is the one sent to the client, 500 when the app failed before answering.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            self.observe(scope, status, time.perf_counter() - start)


class AccessLogMiddleware(RequestObserver):
    """One info line per request: method, path (never the query: it may hold a question), status."""

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        log.info(
            "%s %s %s %.0fms",
            escape_controls(str(scope.get("method"))),
            escape_controls(scope["path"]),  # decoded: %0d%0a would start a new line
            status,
            seconds * 1000,
        )
