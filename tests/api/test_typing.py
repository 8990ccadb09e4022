"""The API is typed for its users: a pipeline script passes ``mypy --strict``, and misuse of the
API's types is caught (so the types are real, not ``Any``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is in the test extras: pip install -e '.[test]'")

HERE = Path(__file__).parent

MISUSE = """\
import svcstd

result = svcstd.check("export.csv", profile="svcstd", as_of="2026-10-29T00:00Z")
csv_text: str = result.report("csv")
late: int = result.totals["fail"] + "1"
svcstd.check("export.csv", profile="svcstd")
lint_text: bytes = svcstd.lint_standards().report("sarif")
"""


def test_a_user_script_passes_mypy_strict_and_misuse_is_caught(tmp_path: Path) -> None:
    shutil.copy(HERE / "typed_script.py", tmp_path / "pipeline.py")
    (tmp_path / "misuse.py").write_text(MISUSE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
         "--cache-dir", str(tmp_path / ".mypy_cache"), "pipeline.py", "misuse.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if line.startswith("pipeline.py")], proc.stdout
    flagged = sorted({int(line.split(":")[1]) for line in lines if line.startswith("misuse.py")})
    # bytes report into str, int + str, check() without as_of, str report into bytes
    assert flagged == [4, 5, 6, 7], proc.stdout + proc.stderr
    assert proc.returncode == 1
