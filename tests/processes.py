"""A server process for a test: started with its output in a log file, awaited, always stopped."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def running(
    cmd: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    ready_url: str,
    timeout: float,
) -> Iterator[subprocess.Popen]:
    """`cmd` running until the block ends; ready once `ready_url` answers 200.

    `timeout` is generous on purpose: only a hang or an early exit (its log tail is the assertion
    message) fails here, never a slow machine.
    """
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{ready_url} never answered 200"
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
