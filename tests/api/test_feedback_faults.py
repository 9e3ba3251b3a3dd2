"""Fault: the feedback database is locked or read-only (issue 11).

The answer is still served (/v1/ask 200), the failure is logged, the vote that could not be stored
gets a 503 (not a 500), and every row stored before is intact afterwards; once the fault is gone,
votes are stored again without a restart. A real uvicorn runs in a subprocess.

The store is a parameter: each `Fault` knows how to give a database URL, break it and heal it, so
the PostgreSQL store of the next issue adds its own faults to FAULTS.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from assistant.feedback import FeedbackStore
from tests.conftest import ROOT, free_port
from tests.processes import running

from .conftest import ADMIN_KEY
from .test_feedback_store import make_answer


@dataclass
class Fault:
    """One way the feedback database fails; `before_start` when it must be broken at start-up."""

    name: str
    before_start: bool = False
    path: Path | None = None
    holder: sqlite3.Connection | None = field(default=None, repr=False)

    def url(self, tmp_path: Path) -> str:
        self.path = tmp_path / "fb" / "feedback.db"
        return f"sqlite:///{self.path}"

    def server_prefix(self) -> list[str]:
        """Root ignores file modes: drop CAP_DAC_OVERRIDE so chmod 0444 binds the server too."""
        if self.name == "sqlite-readonly" and os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root without setpriv: a read-only file stays writable")
            return [setpriv, "--bounding-set", "-dac_override", "--"]
        return []

    def break_(self) -> None:
        assert self.path is not None
        if self.name == "sqlite-locked":
            self.holder = sqlite3.connect(self.path, isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")  # held until heal()
        else:
            self.path.chmod(0o444)

    def heal(self) -> None:
        assert self.path is not None
        if self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()
            self.holder = None
        self.path.chmod(0o644)


FAULTS = [Fault("sqlite-locked"), Fault("sqlite-readonly", before_start=True)]


def _rows(url: str) -> list[str]:
    store = FeedbackStore(url, retention_days=36500)
    try:
        return "".join(store.export_jsonl()).splitlines()
    finally:
        store.close()


@pytest.mark.server
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_feedback_database_fault_keeps_answers_and_rows(tmp_path: Path, fault: Fault) -> None:
    fault = Fault(fault.name, fault.before_start)  # a fresh one per run
    url = fault.url(tmp_path)
    seed = FeedbackStore(url, retention_days=36500)
    answers = [make_answer(question=f"Seeded question {i}?") for i in range(3)]
    for answer in answers:
        seed.record_answer(answer, "web")
    seed.add_feedback(answers[0].id, "up", "kept")
    seed.add_feedback(answers[1].id, "down", "also kept")
    seed.close()
    before = _rows(url)
    assert len(before) == 2

    if fault.before_start:
        fault.break_()
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": url,
        "ADMIN_API_KEY": ADMIN_KEY,
        "RATE_LIMIT_ENABLED": "false",
        "TELEGRAM_BOT_TOKEN": "",
        "FEEDBACK_DB_TIMEOUT_S": "0.5",
    }
    log_path = tmp_path / "server.log"
    cmd = [
        *fault.server_prefix(),
        sys.executable,
        "-m",
        "uvicorn",
        "tests.api.feedback_fault_app:build",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        with running(
            cmd, cwd=tmp_path, env=env, log_path=log_path, ready_url=f"{base}/healthz", timeout=60
        ):
            if not fault.before_start:
                fault.break_()

            ask = httpx.post(
                f"{base}/v1/ask", json={"question": "What are the priorities?"}, timeout=30
            )
            assert ask.status_code == 200 and ask.json()["answer"]

            vote = {"answer_id": answers[2].id, "rating": "down", "comment": "lost?"}
            r = httpx.post(f"{base}/v1/feedback", json=vote, timeout=30)
            assert r.status_code == 503, r.text
            assert r.json()["error"] == "unavailable" and "try again" in r.json()["detail"]
            assert r.headers["retry-after"] == "30"
            export = httpx.get(
                f"{base}/v1/admin/feedback", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
            )
            if fault.name == "sqlite-locked":  # reads are blocked by an exclusive lock
                assert export.status_code == 503
            else:  # a read-only database can still be read
                assert export.status_code == 200 and export.text.splitlines() == before

            fault.heal()
            assert _rows(url) == before  # nothing stored was lost
            with sqlite3.connect(fault.path) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            r = httpx.post(f"{base}/v1/feedback", json=vote, timeout=30)
            assert r.status_code == 201, r.text  # recovered by itself, no restart
            assert len(_rows(url)) == 3
    finally:
        if fault.holder is not None:
            fault.heal()
    text = log_path.read_text()
    assert "could not record answer" in text  # the answer was served, its storage failed
    assert "feedback store: store vote failed" in text
    assert "Traceback" not in text.split("could not record answer")[0]  # no crash before it
    assert " 500" not in text
