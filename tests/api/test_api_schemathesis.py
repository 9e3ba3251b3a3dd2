"""Property-based requests generated from the app's own OpenAPI schema: never a 5xx.

Runs against a real uvicorn with the rate limit off; the admin key is sent so the admin routes
are exercised too (re-index included: the fake's re-index returns at once). Schemathesis's
pytest plugin does not work with pytest 9, so each operation's strategy is run with hypothesis.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from assistant.api import create_app

from .conftest import ADMIN_KEY, make_settings
from .fakes import FakeAssistant

EXAMPLES_PER_OPERATION = 20


def test_no_server_errors(live_factory, tmp_path):
    server = live_factory(create_app(make_settings(tmp_path), assistant=FakeAssistant()))
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: dict[str, str] = {}
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tested.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        try:
            run()
        except Exception as exc:  # collect all operations' failures, then report them together
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    assert "POST /v1/ask" in tested and "POST /v1/chat/completions" in tested
    assert len(tested) >= 10
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
