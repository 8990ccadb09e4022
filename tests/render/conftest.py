"""Shared fixtures of the manual's tests: the fixture releases and the site built from them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from svcstd.spec import load_standards
from svcstd.spec.releases import Standards

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "render"
STANDARDS = FIXTURE / "standards"
MKDOCS_YML = FIXTURE / "mkdocs.yml"


def need(tool: str, why: str) -> str:  # also imported by the test modules
    """Path of a system tool; skip locally without it, but fail in CI (where it must exist)."""
    found = shutil.which(tool)
    if found:
        return found
    message = f"{tool} is not installed ({why})"
    if os.environ.get("CI"):
        pytest.fail(message + ": .ci/run must install it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def standards() -> Standards:
    return load_standards(STANDARDS)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built by ``mkdocs build --strict`` (once per test session)."""
    need("dot", "Graphviz draws the flowcharts")
    out = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(MKDOCS_YML),
            "-d",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out
