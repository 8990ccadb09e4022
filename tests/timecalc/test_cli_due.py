"""``svcstd due``: exact output and exit codes, including bad input."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.errors import SvcstdError
from svcstd.spec import Standards, load_standards

ROOT = Path(__file__).resolve().parents[2]
#: The installed console script, next to the interpreter running the tests.
SVCSTD = str(Path(sys.executable).parent / "svcstd")
#: Width of the rule under the trace header (the widest row, in terminal cells).
RULE = 104


def due(standards: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["due", *args, "--standards", str(standards)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "out"),
    [
        (["2026-11-20T17:00+08:00", "2h"], "2026-11-20T19:00:00+08:00\n"),  # latest: 2026.1
        (["2026-11-20T17:00+08:00", "2h", "--release", "2025.1"], "2026-11-23T10:00:00+08:00\n"),
        (["2026-11-20T17:00+08:00", "2h", "--release", "2026.1"], "2026-11-20T19:00:00+08:00\n"),
        (["2026-11-20T09:00:00Z", "2h", "--release", "2025.1"], "2026-11-23T10:00:00+08:00\n"),
        (
            ["2026-11-20T17:00", "2h", "--tz", "Asia/Shanghai", "--release", "2025.1"],
            "2026-11-23T10:00:00+08:00\n",
        ),
        (["2026-11-20T17:00+08:00", "1bd", "--release", "2025.1"], "2026-11-23T17:00:00+08:00\n"),
        (["2026-11-20T17:00+08:00", "2h", "--time", "calendar"], "2026-11-20T19:00:00+08:00\n"),
        (["2026-11-20T17:00+08:00", "1mo", "--calendar", "always"], "2026-12-20T17:00:00+08:00\n"),
        (
            ["2026-03-27T16:00+01:00", "2h", "--release", "2025.1", "--calendar", "berlin"],
            "2026-03-30T09:00:00+02:00\n",
        ),
        (
            [
                "--between",
                "2026-11-20T17:00+08:00",
                "2026-11-23T10:30+08:00",
                "--release",
                "2025.1",
            ],
            "2h30min (9000 s)\n",
        ),
        (
            ["--between", "2026-11-20T17:00+08:00", "2026-11-23T10:30+08:00", "--time", "calendar"],
            "65h30min (235800 s)\n",
        ),
    ],
)
def test_due_prints_the_deadline(two_releases: Path, args: list[str], out: str) -> None:
    assert due(two_releases, *args) == (0, out, "")


def test_explain_prints_the_interval_trace(two_releases: Path) -> None:
    code, out, err = due(
        two_releases, "2026-02-13T17:00+08:00", "2h", "--release", "2025.1", "--explain"
    )
    assert (code, err) == (0, "")
    assert (
        out
        == (
            "2h of business time from 2026-02-13T17:00:00+08:00 "
            "on calendar office (Asia/Shanghai), release 2025.1\n"
            "from                        to                          length   counted   reason\n"
            + "─"
            * RULE
            + "\n"
            "2026-02-13T17:00:00+08:00   2026-02-13T18:00:00+08:00       1h   yes       working hours\n"  # noqa: E501
            "2026-02-13T18:00:00+08:00   2026-02-14T09:00:00+08:00      15h   no        outside working hours\n"  # noqa: E501
            "2026-02-14T09:00:00+08:00   2026-02-14T10:00:00+08:00       1h   yes       make-up working day: 春节调休\n"  # noqa: E501
            "counted 2h (7200 s); due at:\n"
            "2026-02-14T10:00:00+08:00\n"
        )
    )


def test_between_explain_names_the_holiday(two_releases: Path) -> None:
    code, out, _ = due(
        two_releases,
        *("--between", "2026-02-14T17:00+08:00", "2026-02-24T10:00+08:00"),
        *("--release", "2025.1", "--explain"),
    )
    assert code == 0
    assert "holiday: 春节" in out and out.endswith("2h (7200 s)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["2026-11-20T17:00", "2h"],
            "naive timestamp 2026-11-20T17:00:00: give an offset (e.g. +08:00) or a time zone",
        ),
        (
            ["2026-11-20T17:00+08:00", "-2h"],
            "negative duration '-2h': a time limit cannot be negative",
        ),
        (
            ["2026-11-20T17:00+08:00", "2x"],
            "unknown unit 'x' in duration '2x'; use one of s, min, h, d, w, bd, mo, y",
        ),
        (
            ["2026-11-20T17:00+08:00", "soon"],
            "invalid duration 'soon': write a number and a unit, e.g. 24h, 30min, 3d, 2bd, 6mo",
        ),
        (
            ["yesterday", "2h"],
            "invalid timestamp 'yesterday': write ISO 8601, e.g. 2026-11-23T09:00:00+08:00",
        ),
        (
            ["2026-11-20T17:00+08:00", "2h", "--calendar", "nope"],
            "unknown calendar 'nope' in release 2026.1 (known: always, office)",
        ),
        (
            ["2026-11-20T17:00+08:00", "2h", "--release", "1999.1"],
            "{root}: no release '1999.1' (have 2025.1, 2026.1)",
        ),
        (
            ["2026-11-20T17:00", "2h", "--tz", "Mars/Olympus"],
            "unknown IANA time zone 'Mars/Olympus'",
        ),
        (
            ["2026-03-29T02:30", "2h", "--tz", "Europe/Berlin"],
            "2026-03-29T02:30:00 does not exist in Europe/Berlin "
            "(skipped by a daylight-saving change); give an offset",
        ),
        (
            ["--between", "2026-11-23T10:30+08:00", "2026-11-20T17:00+08:00"],
            "END 2026-11-20T17:00+08:00 is before START 2026-11-23T10:30+08:00",
        ),
        (
            ["1960-01-01T00:00Z", "2h"],
            "start 1960-01-01T08:00:00+08:00 is outside the span of calendar 'office' "
            "(1970-01-03T08:00:00+08:00 to 2099-12-30T08:00:00+08:00)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    two_releases: Path, args: list[str], message: str
) -> None:
    code, out, err = due(two_releases, *args)
    prefix = "error: " if message.startswith("{root}") else "error: svcstd: "
    assert (code, out, err) == (2, "", prefix + message.format(root=two_releases) + "\n")


def test_missing_standards_folder(tmp_path: Path) -> None:
    code, out, err = due(tmp_path / "none", "2026-11-20T17:00+08:00", "2h")
    assert code == 2 and out == "" and err.count("\n") == 1 and "no such file or directory" in err


def test_due_runs_as_a_real_command(two_releases: Path) -> None:
    ok = subprocess.run(
        [SVCSTD, "due", "2026-11-20T17:00+08:00", "2h",
         "--standards", str(two_releases), "--release", "2025.1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "2026-11-23T10:00:00+08:00\n", "")
    bad = subprocess.run(
        [SVCSTD, "due", "2026-11-20T17:00", "2h",
         "--standards", str(two_releases)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.startswith("error: svcstd: naive timestamp") and bad.stderr.count("\n") == 1


@functools.cache
def _bundled_standards() -> Standards | None:
    try:
        return load_standards(ROOT / "standards")
    except SvcstdError:
        return None


def _bundled() -> list[tuple[str, str]]:
    standards = _bundled_standards()
    if standards is None:
        return []
    return [(r.version, c.id) for r in standards.releases for c in r.calendars]


NO_BUNDLED = pytest.param("", "", marks=pytest.mark.skip(reason="no loadable bundled standards"))


@pytest.mark.parametrize(("release", "calendar"), _bundled() or [NO_BUNDLED])
def test_every_bundled_calendar_answers(
    release: str, calendar: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # loading the bundled YAML takes seconds; load it once for all calendars
    monkeypatch.setattr("svcstd.cli.due.load_standards", lambda _root: _bundled_standards())
    for args in (["2026-11-23T10:00+08:00", "8h"], ["2026-11-23T10:00+08:00", "3bd", "--explain"],
                 ["--between", "2026-01-01T00:00+08:00", "2026-12-31T00:00+08:00"]):  # fmt: skip
        code, out, err = due(
            ROOT / "standards", *args, "--release", release, "--calendar", calendar
        )
        assert (code, err) == (0, ""), out
