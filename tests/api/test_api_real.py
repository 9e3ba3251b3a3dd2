"""End to end with the real pipeline over the shipped corpus (the lead's `real_assistant`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from tests.processes import running

from .conftest import ADMIN_KEY
from .test_api_ask import sse_events

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_live(live_factory, real_assistant, tmp_path):
    from tests.conftest import make_settings

    settings = make_settings(data_dir=tmp_path / "data", admin_api_key=ADMIN_KEY)
    store = FeedbackStore(settings.database_url)
    server = live_factory(create_app(settings, assistant=real_assistant, feedback=store))
    server.store = store
    return server


def test_real_english_and_finnish_answers_stream_with_sources(real_live):
    for question, lang in [
        ("Which strategic priorities does the Tampere agreement have?", "en"),
        ("Mitkä ovat Tampereen ekosysteemisopimuksen strategiset painopisteet?", "fi"),
    ]:
        pieces, final = [], None
        with httpx.stream(
            "POST", f"{real_live.url}/v1/ask/stream", json={"question": question}, timeout=60
        ) as r:
            assert r.status_code == 200
            for event, data in sse_events(r):
                if event == "delta":
                    pieces.append(json.loads(data)["text"])
                elif event == "done":
                    final = json.loads(data)
        assert final is not None and final["language"] == lang
        assert not final["refused"] and final["sources"]
        assert len(pieces) >= 1 and "".join(pieces).strip() == final["answer"].strip()
        for source in final["sources"]:
            assert source["quote"] and source["url"].startswith("http")
        assert real_live.store.get_answer(final["id"]) is not None


def test_real_feedback_export_and_openai_client(real_live):
    client = OpenAI(base_url=f"{real_live.url}/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(
        model="tampere-assistant",
        messages=[{"role": "user", "content": "Vilka är de strategiska prioriteringarna?"}],
    )
    answer_id = completion.model_extra["answer_id"]
    assert "[1]" in completion.choices[0].message.content
    r = httpx.post(f"{real_live.url}/v1/feedback", json={"answer_id": answer_id, "rating": "down"})
    assert r.status_code == 201
    export = httpx.get(
        f"{real_live.url}/v1/admin/feedback",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ).text
    row = json.loads(export.splitlines()[-1])
    assert row["lang"] == "sv" and row["needs_review"] is True and row["sources"]
    info = httpx.get(
        f"{real_live.url}/v1/admin/index", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    ).json()
    assert info["documents"] >= 1 and info["chunks"] >= 1


def test_real_search(real_live):
    hits = httpx.get(
        f"{real_live.url}/v1/search", params={"q": "Hiedanranta", "k": 3}, timeout=30
    ).json()
    assert 1 <= len(hits) <= 3 and hits[0]["rank"] == 1


@pytest.mark.server
def test_assistant_serve_subprocess(shipped_copy, tmp_path):
    """`assistant serve` builds what is missing, starts uvicorn, answers, logs without questions."""
    from tests.conftest import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(shipped_copy.data_dir),
        "CORPUS_DIR": str(ROOT / "corpus"),
        "ADMIN_API_KEY": ADMIN_KEY,
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "INFO",
    }
    log_path = tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    serve = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    # cwd: no .env there
    with running(
        serve, cwd=tmp_path, env=env, log_path=log_path, ready_url=f"{url}/readyz", timeout=300
    ):
        question = "What is Sustainable Industry X in the Tampere agreement?"
        r = httpx.post(f"{url}/v1/ask", json={"question": question}, timeout=60)
        assert r.status_code == 200 and r.json()["sources"]
        rid = r.headers["x-request-id"]
    text = log_path.read_text()
    assert "POST /v1/ask 200" in text
    assert rid[:12] in text  # the request id is on the access line
    assert question not in text and ADMIN_KEY not in text
    assert (shipped_copy.data_dir / "feedback.db").exists()
