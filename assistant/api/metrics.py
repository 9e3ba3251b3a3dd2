"""Prometheus metrics at /metrics: requests, latency per route and per answer stage, refusals,
errors. One registry per app (tests build many apps); not multiprocess-aware, since `serve` runs
one uvicorn worker per process and each replica is scraped on its own.

Labels are bounded: the route template (`/v1/ask`, not the path a client sent), the method, the
status, the channel, the stage names of `Answer.timings_ms`.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from assistant.api.middleware import RequestObserver
from assistant.schema import Answer

# Seconds: from a warm cached answer (~10 ms) to an LLM timing out (tens of seconds).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The app's collectors and the ways they are fed."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "assistant_http_requests_total",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "assistant_http_request_duration_seconds",
            "HTTP request latency by route template (streams: until the last byte).",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.stages = Histogram(
            "assistant_answer_stage_seconds",
            "Time per answer stage (Answer.timings_ms: understand, retrieve, answer, total, ...).",
            ["stage"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "assistant_answers_total",
            "Answers given, by channel and whether they were refusals.",
            ["channel", "refused"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "assistant_refusals_total",
            "Refusals (the documents do not answer), by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.errors = Counter(
            "assistant_errors_total",
            "Failures by kind: http_5xx, answer_log (an answer not stored), ...",
            ["kind"],
            registry=self.registry,
        )

    def observe_answer(self, answer: Answer, channel: str) -> None:
        """Called by the conversation layer for every answer on every channel of this process."""
        self.answers.labels(channel, str(answer.refused).lower()).inc()
        if answer.refused:
            self.refusals.labels(channel).inc()
        for stage, ms in (answer.timings_ms or {}).items():
            self.stages.labels(stage).observe(max(0.0, float(ms)) / 1000.0)

    def error(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics in Prometheus's text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware(RequestObserver):
    """Counts every HTTP request by its route template and times it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        self.metrics.requests.labels(route, scope.get("method", ""), str(status)).inc()
        self.metrics.latency.labels(route).observe(seconds)
        if status >= 500:
            self.metrics.error("http_5xx")
