"""A scratch handbook repository laid out as the workflow pages and CI examples assume:
``standards/`` (a copy of the bundled releases) and ``exports/latest.csv`` (a generated export
whose cases end before *now*, so commands without ``--as-of`` judge it as a real CI run would).
Command lines run through bash with the svcstd beside the tests first on ``PATH``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "NO_COLOR": "1",
    "COLUMNS": "120",
}


#: Shell syntax that needs bash; plain ``svcstd …`` lines run in-process (faster, same code).
SHELL_SYNTAX = re.compile(r"[|&;<>*?$`(){}]")


def sh(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one command line as a user's shell would.

    A plain ``svcstd …`` line runs the same click command in this process (through click's
    test runner, in ``cwd``), which saves starting Python and importing polars each time;
    anything else goes through bash.
    """
    words = shlex.split(line, comments=True)
    if words and words[0] == "svcstd" and not SHELL_SYNTAX.search(line.split("#")[0]):
        with contextlib.chdir(cwd):
            res = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"}).invoke(
                cli, words[1:], color=False
            )
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise res.exception
        return subprocess.CompletedProcess(words, res.exit_code, res.stdout, res.stderr)
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300
    )


def make_layout(where: Path, *, violations: float = 0.0, cases: int = 60) -> Path:
    """``where`` with ``standards/`` and ``exports/latest.csv`` (cases opened over the last
    300 days until 60 days ago, ``violations`` of them with a planted breach)."""
    shutil.copytree(ROOT / "standards", where / "standards")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = (now - dt.timedelta(days=300)).date().isoformat()
    gen = sh(
        f"svcstd generate --cases {cases} --seed 5 --violations {violations} --start {start} "
        f"--as-of {now.isoformat()} --output exports/latest.csv",
        where,
    )
    assert gen.returncode == 0, gen.stderr
    return where


@pytest.fixture(name="sh", scope="session")
def _sh() -> Callable[[str, Path], subprocess.CompletedProcess[str]]:
    return sh


@pytest.fixture(name="make_layout", scope="session")
def _make_layout() -> Callable[..., Path]:
    return make_layout
