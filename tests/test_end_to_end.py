"""The README's main job, end to end through the command line, and the CLI's exit-code contract.

``lint`` → ``generate`` → ``check --format html`` on a fresh export; ``--as-of`` makes reports
byte-identical; exit codes follow ``--fail-on``; a malformed export is one located error line,
exit 2, and no report file.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = str(ROOT / "standards")
AS_OF = "2026-10-29T00:00:00+08:00"


def svcstd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svcstd", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_main_job(tmp_path: Path) -> None:
    """The command the README gives, in a scratch folder (standards passed explicitly)."""
    lint = svcstd("lint", STANDARDS, cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    gen = svcstd("generate", "--standards", STANDARDS, "--cases", "2000", "--seed", "7",
                 "--violations", "0.05", "--output", "build/example/export.csv", cwd=tmp_path)  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    assert "2000 cases" in gen.stdout and "planted" in gen.stdout
    export = tmp_path / "build/example/export.csv"
    assert export.exists() and Path(f"{export}.violations.json").exists()
    check = svcstd("check", "build/example/export.csv", "--profile", "svcstd", "--standards",
                   STANDARDS, "--as-of", AS_OF, "--format", "html", "--output",
                   "build/example/report.html", cwd=tmp_path)  # fmt: skip
    # 5 % of cases carry breaches of error-severity rules: failures at the default --fail-on.
    assert check.returncode == 1, check.stderr
    report = tmp_path / "build/example/report.html"
    assert report.exists() and report.stat().st_size > 0
    assert "<html" in report.read_text(encoding="utf-8").lower()
    summary = svcstd("check", "build/example/export.csv", "--profile", "svcstd", "--standards",
                     STANDARDS, "--as-of", AS_OF, "--fail-on", "never", cwd=tmp_path)  # fmt: skip
    assert summary.returncode == 0, summary.stderr
    assert "2000" in summary.stdout and "fail" in summary.stdout.lower()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "export.csv"
    res = CliRunner().invoke(cli, ["generate", "--standards", STANDARDS, "--cases", "150",
                                   "--seed", "2", "--violations", "0.2", "--output", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


def _check(export: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(
        cli, ["check", str(export), "--profile", "svcstd", "--standards", STANDARDS, *args]
    )
    return res.exit_code, res.stdout, res.stderr


def test_as_of_makes_runs_byte_identical(small: Path, tmp_path: Path) -> None:
    for fmt in ("json", "html"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        for out in (a, b):
            code, _, err = _check(small, "--as-of", AS_OF, "--format", fmt, "--output", str(out))
            assert code == 1, err
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("error", 1), ("warning", 1)])
def test_exit_codes_follow_fail_on(small: Path, fail_on: str, code: int) -> None:
    got, _, err = _check(small, "--as-of", AS_OF, "--format", "json", "--fail-on", fail_on)
    assert got == code, err


def test_conforming_export_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "ok.csv"
    CliRunner().invoke(cli, ["generate", "--standards", STANDARDS, "--cases", "80", "--seed", "9",
                             "--output", str(out)])  # fmt: skip
    code, _, err = _check(out, "--as-of", AS_OF, "--format", "json")
    assert code == 0, err


def _corrupt(src: Path, dst: Path, column: str | None, row: int, value: str | None) -> None:
    rows = list(csv.reader(src.open(encoding="utf-8", newline="")))
    header = rows[0]
    if value is None:  # drop the column
        i = header.index(column)  # type: ignore[arg-type]
        rows = [r[:i] + r[i + 1 :] for r in rows]
    else:
        rows[row][header.index(column)] = value  # type: ignore[arg-type]
    with dst.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _assert_located_failure(bad: Path, tmp_path: Path, *located: str) -> None:
    report = tmp_path / "report.html"
    code, out, err = _check(bad, "--as-of", AS_OF, "--format", "html", "--output", str(report))
    assert code == 2, (out, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert str(bad) in lines[0] and "Traceback" not in err
    for part in located:
        assert part in lines[0], lines[0]
    assert not report.exists()
    assert not list(tmp_path.glob(".report.html.*"))  # no temporary file left behind


def test_missing_column(small: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    _corrupt(small, bad, "at", 0, None)
    _assert_located_failure(bad, tmp_path, "'at'")


def test_bad_timestamp(small: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    _corrupt(small, bad, "at", 12, "2026-13-05T09:00:00+08:00")
    _assert_located_failure(bad, tmp_path, "row 12", "'at'")


def test_unknown_status_value(small: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    _corrupt(small, bad, "state", 1, "bogus")
    _assert_located_failure(bad, tmp_path, "row 1, column 'state'", "unknown state 'bogus'")


def test_wrong_encoding(small: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    data = small.read_bytes().split(b"\n")
    data[3] = data[3].replace(b"agent-", "張三-".encode("gbk"), 1)
    bad.write_bytes(b"\n".join(data))
    _assert_located_failure(bad, tmp_path, ":4", "UTF-8")
