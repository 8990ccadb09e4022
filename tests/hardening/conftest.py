"""Shared helpers of the hardening tests: the real CLI in-process, and the corpus's fixtures."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
#: Small standards (two time limits, a record type, a KPI) the export corpus is checked against.
STANDARDS = ROOT / "tests" / "fixtures" / "report"
AS_OF = "2025-04-15T00:00:00+08:00"


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str


def svcstd(args: Sequence[str], cwd: Path) -> Run:
    """Run ``svcstd ARGS`` through click in this process, in ``cwd``; never raises."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    finally:
        os.chdir(here)
    return Run(result.exit_code, result.stdout, result.stderr)
