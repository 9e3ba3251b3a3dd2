"""No secret reaches a log: the filter itself, a handler configured after installation, and
`assistant serve` / `assistant bot` as real processes at DEBUG with a rejected Telegram token,
an admin key and an LLM key (stdout, stderr and every file they write are searched)."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from assistant.redaction import MASK, RedactingFilter, Redactor, clean_record, escape_controls
from tests.bots.fake_bot_api import FakeBotAPI
from tests.conftest import ROOT, free_port

TOKEN = "987654:AAE-rejected_token_0123456789"
ADMIN = "adm/in+key=secret 42"
LLM_KEY = "sk-llm/secret+key=0123456789"
SECRETS = (TOKEN, ADMIN, LLM_KEY)


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        for form in forms(secret):
            assert form not in text, f"{form!r} in {where}"


def test_record_is_masked_escaped_and_traceback_cleaned():
    redactor = Redactor()
    redactor.add(*SECRETS)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        record = logging.LogRecord(
            "t",
            logging.ERROR,
            __file__,
            1,
            "GET %s key=%s",
            ("/a\r\nFORGED", quote(ADMIN, safe="")),
            sys.exc_info(),
        )
    clean_record(record, redactor)
    text = logging.Formatter().format(record)
    assert_clean(text, "formatted record")
    assert "GET /a\\r\\nFORGED key=" + MASK in text
    assert "was rejected" in text and record.exc_info is None


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a\r\nb", "a\\r\\nb"), ("tab\tstays", "tab\tstays"), ("bell\x07", "bell\\x07"), ("ok", "ok")],
)
def test_escape_controls(raw, escaped):
    assert escape_controls(raw) == escaped


def test_filter_on_a_handler_masks_every_form():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redaction.isolated")
    logger.propagate = False
    logger.addHandler(handler)
    from assistant.redaction import REDACTOR

    REDACTOR.add(*SECRETS)
    try:
        for secret in SECRETS:
            for form in forms(secret):
                logger.warning("url https://api.example/bot%s/getMe", form)
    finally:
        logger.removeHandler(handler)
    assert_clean(stream.getvalue(), "handler output")
    assert stream.getvalue().count(MASK) == sum(len(forms(s)) for s in SECRETS)


def test_handlers_configured_after_installation_are_covered(tmp_path):
    """A library that sets up its own handler later (and logs an exception) still masks."""
    code = f"""
import logging, sys
from assistant.redaction import install_redaction
install_redaction(None, {TOKEN!r}, {ADMIN!r})
logging.basicConfig(force=True, level=logging.DEBUG, stream=sys.stdout)
late = logging.getLogger("late.lib")
late.addHandler(logging.FileHandler({str(tmp_path / "late.log")!r}))
try:
    raise ValueError("token " + {TOKEN!r})
except ValueError:
    late.exception("failed for %s", {quote(ADMIN, safe="")!r})
logging.getLogger("httpx").info("HTTP Request: POST https://x/bot" + {TOKEN!r} + "/getMe")
print("httpx level", logging.getLogger("httpx").getEffectiveLevel())
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    logged = out.stdout + out.stderr + (tmp_path / "late.log").read_text()
    assert_clean(logged, "late handlers")
    assert "failed for" in logged and "ValueError: token " + MASK in logged
    assert "httpx level 30" in out.stdout and "HTTP Request" not in logged


def tiny_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "en").mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "en" / "agreement.md", corpus / "en" / "agreement.md")
    return corpus


def secret_env(root: Path, fake: FakeBotAPI) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "LLM_", "ADMIN_", "DATA_", "CORPUS_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="DEBUG",
        DATA_DIR=str(root / "data"),
        CORPUS_DIR=str(tiny_corpus(root)),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,  # answers 401: PTB raises InvalidToken
        ADMIN_API_KEY=ADMIN,
        LLM_PROVIDER="openai",
        LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",  # nothing listens: the call fails
        LLM_MODEL="m",
        LLM_API_KEY=LLM_KEY,
        LLM_TIMEOUT_S="3",
    )
    return env


def everything_written(root: Path) -> str:
    """Every file under the test's folder (logs, database, index), as text."""
    texts = []
    for path in root.rglob("*"):
        if path.is_file() and path.name != "agreement.md":
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


@pytest.mark.slow
@pytest.mark.server
async def test_assistant_serve_never_logs_a_secret(tmp_path):
    fake = FakeBotAPI(token="the-real-token-is-something-else")
    await fake.start()
    port = free_port()
    out, err = (tmp_path / "serve.out").open("w"), (tmp_path / "serve.err").open("w")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "assistant", "serve", "--port", str(port),
        cwd=tmp_path, env=secret_env(tmp_path, fake), stdout=out, stderr=err,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            deadline = asyncio.get_running_loop().time() + 300
            while True:
                assert proc.returncode is None, (tmp_path / "serve.err").read_text()[-3000:]
                assert asyncio.get_running_loop().time() < deadline, "serve did not start"
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
            r = await client.post("/v1/ask", json={"question": "What is Sustainable Industry X?"})
            assert r.status_code == 200  # the LLM is down: the extractive answer
            auth = {"Authorization": f"Bearer {ADMIN}"}
            assert (await client.get("/v1/admin/index", headers=auth)).status_code == 200
            bad = {"Authorization": f"Bearer {ADMIN}x"}
            assert (await client.get("/v1/admin/index", headers=bad)).status_code == 401
            await client.get(f"/v1/{quote(TOKEN, safe='')}%0d%0aFORGED line")
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        out.close()
        err.close()
        await fake.stop()
    logged = (tmp_path / "serve.out").read_text() + (tmp_path / "serve.err").read_text()
    assert "DEBUG" in logged  # the test ran at DEBUG
    assert "rejected TELEGRAM_BOT_TOKEN (InvalidToken)" in logged
    assert not any(line.startswith("FORGED") for line in logged.splitlines())
    assert_clean(everything_written(tmp_path), "serve's output and files")


@pytest.mark.server
async def test_assistant_bot_with_a_rejected_token_says_so_without_it(tmp_path):
    fake = FakeBotAPI(token="the-real-token-is-something-else")
    await fake.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "assistant", "bot",
            cwd=tmp_path, env=secret_env(tmp_path, fake),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        await fake.stop()
    logged = stdout.decode() + stderr.decode()
    assert proc.returncode == 3, logged[-3000:]
    assert "rejected TELEGRAM_BOT_TOKEN (InvalidToken)" in logged
    assert "Traceback" not in logged
    assert_clean(logged + everything_written(tmp_path), "bot's output and files")
