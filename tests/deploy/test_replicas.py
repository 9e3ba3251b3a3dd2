"""Stateless replicas on loopback, without Docker (issue 13): every part is its own process.

`chroma run`, `redis-server`, a one-shot `assistant ingest` into the Chroma server, two
`assistant serve` replicas on two ports (each with its own EMPTY DATA_DIR), and `assistant bot`
against the local fake Bot API. Through both replicas alternately: a follow-up resolves against
the other replica's turn, the rate limit counts across both, answers equal embedded mode's (the
shipped index, built from the same documents), and an admin re-index through one replica reaches
the other. Every process is stopped by its pid.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from tests.bots.fake_bot_api import TOKEN, FakeBotAPI
from tests.conftest import ROOT, free_port
from tests.processes import running
from tests.servers import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(1500)]

ADMIN_KEY = "replica-admin-key-0123456789"
LIMIT = 6  # API requests per client per minute, counted in Redis by both replicas
START_TIMEOUT_S = 300.0  # loading the model on a busy 2-core machine; only a hang fails here
NEW_INDEX_WITHIN_S = 10.0  # the bound for another replica's re-index to be served

# Asked on both replicas and in embedded mode: answers must be the same (en, fi, sv).
SAME_ANSWERS = [
    "How is the co-financing of the projects split?",
    "Missä järjestelmässä rahoitusta haetaan?",
    "Vem får ansöka om finansiering?",
]
FIRST = "Who is the contact person on the agreement page?"
FOLLOW_UP = "What is her phone number?"

# Added to the corpus copy before the admin re-index: something the shipped corpus never says.
NEW_DOC = """---
id: quantum-pilots-en
title: "Quantum sensing pilots"
lang: en
sources:
  - https://example.org/quantum-sensing-pilots
as_of: "2026-01-01"
---
# Quantum sensing pilots

The Hervanta quantum sensing pilot programme lends cryogenic magnetometers to small companies
for three months at a time.
"""
NEW_QUESTION = "Who lends cryogenic magnetometers to small companies?"
NEW_URL = "https://example.org/quantum-sensing-pilots"

_clients = (f"198.51.100.{n}" for n in itertools.count(1))


def _env(**settings: str) -> dict[str, str]:
    """This process's environment minus every application setting, plus the given ones: each
    child reads only what the test sets (and no developer .env: children run in a temp dir)."""
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(settings)
    return env


def _ask(url: str, question: str, client: str | None = None, **extra) -> httpx.Response:
    """POST /v1/ask as `client` (a forwarded address the replicas trust from 127.0.0.1): each
    question gets its own client unless one is given, so only the rate-limit check shares one."""
    headers = {"X-Forwarded-For": client or next(_clients)}
    return httpx.post(
        f"{url}/v1/ask", json={"question": question, **extra}, headers=headers, timeout=120
    )


def _cited(body: dict) -> list[list[str]]:
    return [source["urls"] for source in body["sources"]]


def _serve(stack: ExitStack, env: dict[str, str], tmp: Path, name: str) -> str:
    port = free_port()
    data = tmp / f"data-{name}"
    data.mkdir()
    stack.enter_context(
        running(
            [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
            cwd=tmp,
            env={**env, "DATA_DIR": str(data)},
            log_path=tmp / f"{name}.log",
            ready_url=f"http://127.0.0.1:{port}/readyz",
            timeout=START_TIMEOUT_S,
        )
    )
    return f"http://127.0.0.1:{port}"


async def test_two_replicas_a_bot_and_shared_stores(tmp_path: Path, real_assistant) -> None:
    redis = RedisServer().start()
    api = FakeBotAPI()
    await api.start()
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    chroma_port = free_port()
    env = _env(
        CORPUS_DIR=str(corpus),
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(chroma_port),
        STATE_BACKEND="redis",
        REDIS_URL=redis.url,
        RATE_LIMIT_PER_MINUTE=str(LIMIT),
        TRUSTED_PROXIES="127.0.0.1",
        ADMIN_API_KEY=ADMIN_KEY,
        INDEX_POLL_S="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'feedback.db'}",
    )
    try:
        with ExitStack() as stack:
            chroma_exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
            stack.enter_context(
                running(
                    [chroma_exe, "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1",
                     "--port", str(chroma_port)],
                    cwd=tmp_path,
                    env=env,
                    log_path=tmp_path / "chroma.log",
                    ready_url=f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat",
                    timeout=START_TIMEOUT_S,
                )
            )  # fmt: skip
            ingest = subprocess.run(
                [sys.executable, "-m", "assistant", "ingest", "--json"],
                cwd=tmp_path,
                env={**env, "DATA_DIR": str(tmp_path / "data-ingest")},
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert ingest.returncode == 0, ingest.stderr[-3000:]
            documents = json.loads(ingest.stdout)["documents"]
            one = _serve(stack, env, tmp_path, "one")
            two = _serve(stack, env, tmp_path, "two")

            # No replica keeps an index on local disk: their DATA_DIRs hold no manifest.
            for name in ("one", "two"):
                assert not list((tmp_path / f"data-{name}").rglob("*.json"))
                assert not list((tmp_path / f"data-{name}").rglob("*.npz"))

            # A follow-up on replica 2 resolves against the turn asked on replica 1.
            first = _ask(one, FIRST)
            assert first.status_code == 200, first.text
            session = first.json()["session_id"]
            follow = _ask(two, FOLLOW_UP, session_id=session)
            assert follow.status_code == 200, follow.text
            body = follow.json()
            assert body["session_id"] == session
            assert "Niittyniemi" in body["standalone_question"], body["standalone_question"]
            assert "050 326 1620" in body["answer"]
            alone = _ask(two, FOLLOW_UP).json()  # the same words without the session
            assert alone["standalone_question"] == FOLLOW_UP

            # Answers equal embedded mode's (the shipped index, from the same documents).
            embedded_first = real_assistant.ask(FIRST)
            assert first.json()["answer"] == embedded_first.answer
            history = [
                {"role": "user", "content": FIRST},
                {"role": "assistant", "content": embedded_first.answer},
            ]
            embedded_follow = real_assistant.ask(FOLLOW_UP, history=history)
            assert body["answer"] == embedded_follow.answer
            assert _cited(body) == [s.urls for s in embedded_follow.sources]
            for n, question in enumerate(SAME_ANSWERS):
                served = _ask((one, two)[n % 2], question)
                assert served.status_code == 200, served.text
                expected = real_assistant.ask(question)
                assert served.json()["answer"] == expected.answer, question
                assert _cited(served.json()) == [s.urls for s in expected.sources], question
                assert served.json()["refused"] == expected.refused

            # The rate limit counts across both replicas: one client, alternate replicas.
            client = next(_clients)
            codes = [
                httpx.get(f"{url}/v1/models", headers={"X-Forwarded-For": client}).status_code
                for url in (one, two) * LIMIT
            ]
            assert codes == [200] * LIMIT + [429] * LIMIT, codes

            # An admin re-index through replica 1 reaches replica 2 (which polls the version).
            before = _ask(two, NEW_QUESTION).json()
            assert not any(NEW_URL in urls for urls in _cited(before))
            (corpus / "en" / "quantum-pilots.md").write_text(NEW_DOC, encoding="utf-8")
            reindex = httpx.post(
                f"{one}/v1/admin/reindex",
                params={"wait": "true"},
                headers={"Authorization": f"Bearer {ADMIN_KEY}", "X-Forwarded-For": next(_clients)},
                timeout=600,
            )
            assert reindex.status_code == 202, reindex.text
            assert reindex.json()["state"] == "done", reindex.json()
            assert reindex.json()["result"]["documents"] == documents + 1
            deadline = time.monotonic() + NEW_INDEX_WITHIN_S
            while True:
                after = _ask(two, NEW_QUESTION).json()
                if any(NEW_URL in urls for urls in _cited(after)):
                    break
                assert time.monotonic() < deadline, "replica 2 still serves the old index"
                time.sleep(0.5)
            assert "cryogenic magnetometers" in after["answer"]

            # The bot is its own process, sharing the index and Redis; stopped by its pid.
            bot_env = {
                **env,
                "DATA_DIR": str(tmp_path / "data-bot"),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": api.base_url,
            }
            with (tmp_path / "bot.log").open("w") as log:
                bot = subprocess.Popen(
                    [sys.executable, "-m", "assistant", "bot"],
                    cwd=tmp_path,
                    env=bot_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            try:
                await api.wait_for(
                    lambda: bot.poll() is not None or api.called("getUpdates"),
                    timeout=START_TIMEOUT_S,
                    what="the bot to start polling",
                )
                assert bot.poll() is None, (tmp_path / "bot.log").read_text()[-3000:]
                api.message(NEW_QUESTION, chat_id=77)
                sent = await api.wait_sent(77, 1, timeout=120)
                assert any("cryogenic magnetometers" in m["text"] for m in sent), sent
            finally:
                os.kill(bot.pid, signal.SIGINT)
                try:  # waited for off the loop: the fake Bot API answers its last getUpdates
                    await asyncio.to_thread(bot.wait, 60)
                except subprocess.TimeoutExpired:
                    os.kill(bot.pid, signal.SIGKILL)
                    bot.wait(10)
            assert bot.returncode == 0, (tmp_path / "bot.log").read_text()[-3000:]
            assert TOKEN not in (tmp_path / "bot.log").read_text()
    finally:
        await api.stop()
        redis.stop()
    assert not list(tmp_path.glob("data-*/index"))  # nobody wrote a local index
