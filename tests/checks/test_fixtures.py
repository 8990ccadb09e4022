"""The standards the check tests run on are themselves valid: lint finds nothing in them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli

FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[1] / "fixtures" / "checks").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_standards_lint_clean(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", str(folder), "--fail-on", "warning"])
    assert result.exit_code == 0, result.output
