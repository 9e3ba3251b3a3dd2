"""GET /metrics: Prometheus text with requests by route template, latency per answer stage,
refusals and errors; METRICS_ENABLED=false removes the route."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from assistant.api import create_app

from .conftest import make_settings
from .fakes import FakeAssistant

STAGES = {"understand": 0.4, "retrieve": 12.0, "answer": 3.0, "total": 15.4}


class TimedAssistant(FakeAssistant):
    """The fake, with the stage timings the real pipeline puts on every answer."""

    def ask(self, question, history=None, lang=None, client_lang=None):
        answer = super().ask(question, history, lang, client_lang)
        return answer.model_copy(update={"timings_ms": STAGES})


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_requests_stages_refusals_and_errors(live_factory, tmp_path, store):
    app = create_app(make_settings(tmp_path), assistant=TimedAssistant(), feedback=store)
    live = live_factory(app)
    with httpx.Client(base_url=live.url) as client:
        assert client.post("/v1/ask", json={"question": "Who can apply for funding?"}).is_success
        assert client.post("/v1/ask", json={"question": "What is the weather?"}).is_success
        # The fake fails: 500 (uvicorn then closes that connection, so a fresh one).
        assert httpx.post(f"{live.url}/v1/ask", json={"question": "explode"}).status_code == 500
        client.get("/no/such/route")
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = _samples(r.text)
    route = (("method", "POST"), ("route", "/v1/ask"), ("status", "200"))
    assert m[("assistant_http_requests_total", route)] == 2
    assert (
        m[
            (
                "assistant_http_requests_total",
                (("method", "POST"), ("route", "/v1/ask"), ("status", "500")),
            )
        ]
        == 1
    )  # noqa: E501
    assert (
        m[
            (
                "assistant_http_requests_total",
                (("method", "GET"), ("route", "unmatched"), ("status", "404")),
            )
        ]
        == 1
    )  # noqa: E501
    assert m[("assistant_answers_total", (("channel", "web"), ("refused", "true")))] == 1
    assert m[("assistant_refusals_total", (("channel", "web"),))] == 1
    assert m[("assistant_errors_total", (("kind", "http_5xx"),))] == 1
    assert m[("assistant_http_request_duration_seconds_count", (("route", "/v1/ask"),))] == 3
    for stage in STAGES:  # one histogram per stage, fed by both answers
        assert m[("assistant_answer_stage_seconds_count", (("stage", stage),))] == 2
    assert m[("assistant_answer_stage_seconds_sum", (("stage", "retrieve"),))] == 0.024


def test_metrics_can_be_switched_off(live_factory, tmp_path, fake):
    live = live_factory(create_app(make_settings(tmp_path, metrics_enabled=False), assistant=fake))
    assert httpx.get(f"{live.url}/metrics").status_code == 404
