"""Fixtures of the lint tests: run ``svcstd lint`` on a fixture folder as a user would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcstd.cli.main import cli

from .helpers import LintJson

Run = Callable[..., Result]


@pytest.fixture
def lint_cli(monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run ``svcstd lint ARGS`` from inside ``folder`` (so reported paths are relative to it)."""

    def run(folder: Path, *args: str) -> Result:
        monkeypatch.chdir(folder)
        return CliRunner().invoke(cli, ["lint", *args], catch_exceptions=False)

    return run


@pytest.fixture
def lint_json(lint_cli: Run) -> LintJson:
    """Exit code and findings of ``svcstd lint . --format json --fail-on info`` in ``folder``."""

    def run(folder: Path) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
        result = lint_cli(folder, ".", "--format", "json", "--fail-on", "info")
        return result.exit_code, json.loads(result.stdout)["findings"]

    return run
