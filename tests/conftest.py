"""Fixtures every test folder may use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def generated_export(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``make(name, cases=, seed=, violations=)``: an export ``svcstd generate`` writes from
    the bundled standards, in a fresh folder named ``name``."""

    def make(name: str, *, cases: int, seed: int, violations: float) -> Path:
        out = tmp_path_factory.mktemp(name) / "export.csv"
        args = ["generate", "--standards", str(ROOT / "standards"), "--cases", str(cases),
                "--seed", str(seed), "--violations", str(violations), "--output", str(out)]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return out

    return make
