"""`assistant serve` starts and answers /readyz when EXTRA_DOCS_DIRS holds hostile files (issue 11).

Before: an HTML file of 3,000 nested <div> made the start-up ingest die with RecursionError and the
server never listened. Now each hostile file is one skipped file, listed by GET /v1/admin/index.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

from ingest.loaders import IngestLimits
from tests.conftest import free_port
from tests.ingest.test_hostile_files import CASES
from tests.processes import running

ADMIN_KEY = "hostile-admin-key-0123456789"
DOC = """---
id: tiny-en
title: Tiny agreement note
lang: en
sources: [https://rakennerahastot.fi/sv/vastra-finland/tammerfors]
---
# Tiny agreement note

The innovation ecosystem agreement between the City of Tampere and the Finnish state funds
research, development and innovation in Tampere.
"""


@pytest.mark.server
def test_serve_starts_with_hostile_extra_docs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.md").write_text(DOC, encoding="utf-8")
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    for case in CASES:
        # Big-but-legal texts (huge.txt, 3,000 list items) would only cost embedding time here.
        if case.limits == IngestLimits() and case.name != "lists.html":
            case.build(hostile / case.name)
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "CORPUS_DIR": str(corpus),
        "EXTRA_DOCS_DIRS": str(hostile),
        "ADMIN_API_KEY": ADMIN_KEY,
        "TELEGRAM_BOT_TOKEN": "",
        "LLM_PROVIDER": "none",
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "INFO",
    }
    log_path = tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    serve = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    # cwd: no .env there
    with running(
        serve, cwd=tmp_path, env=env, log_path=log_path, ready_url=f"{url}/readyz", timeout=300
    ):
        info = httpx.get(
            f"{url}/v1/admin/index", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10
        ).json()
        answer = httpx.post(
            f"{url}/v1/ask", json={"question": "What does the Tampere agreement fund?"}, timeout=60
        )
    skipped = {entry["path"]: entry["reason"] for entry in info["skipped"]}
    assert "aliases (*name) are not allowed" in skipped["bomb.md"]
    assert "a zip bomb?" in skipped["bomb.docx"]
    assert "not UTF-8 text" in skipped["garbage.md"]
    assert "deep.html" not in skipped and "level.docx" not in skipped  # read safely
    assert info["documents"] == 4  # tiny-en plus deep, list-title and level, read safely
    assert answer.status_code == 200
    log_text = log_path.read_text()
    assert "RecursionError" not in log_text
    assert "skipped bomb.md" in log_text  # the ingest report in the log
