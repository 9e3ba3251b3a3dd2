"""The installed web stack and PDF parser satisfy the floors set for their known advisories
(docs/SECURITY.md lists them), so the tests run against what a fresh install gets."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

FLOORS = {"fastapi": "0.136.3", "starlette": "1.0.1", "pypdf": "6.16.1"}


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(d) for d in project["dependencies"]]
    return {r.name: r for r in requirements}


@pytest.mark.parametrize(("name", "floor"), sorted(FLOORS.items()))
def test_floor_is_declared_and_installed(name, floor):
    requirement = declared()[name]
    assert requirement.specifier.contains(floor)
    assert not any(
        requirement.specifier.contains(v)
        for v in ("0.115.0", "0.49.1", "1.0.0", "5.9.0", "6.13.3")
        if Version(v) < Version(floor)
    )
    assert requirement.specifier.contains(version(name)), (name, version(name))


def test_fastapi_sse_is_importable():
    from fastapi.sse import EventSourceResponse  # noqa: F401  (the floor exists for this)
