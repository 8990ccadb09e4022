"""The Python API gives what the command line gives: same reports byte for byte, same exit codes,
same located errors — on a generated export checked against the bundled standards.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import svcstd
from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = str(ROOT / "standards")
AS_OF = "2026-10-29T00:00:00+08:00"
EXPORT = "exports/export.csv"  # as a user names it: reports show paths as given


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a generated export (60 cases, 10 % with a planted breach)."""
    here = tmp_path_factory.mktemp("api")
    res = CliRunner().invoke(
        cli,
        ["generate", "--standards", STANDARDS, "--cases", "60", "--seed", "3",
         "--violations", "0.1", "--output", str(here / EXPORT)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return here


@pytest.fixture(scope="module")
def standards() -> svcstd.Standards:
    return svcstd.load_standards(STANDARDS)


@pytest.fixture(scope="module")
def result(workdir: Path, standards: svcstd.Standards) -> svcstd.CheckResult:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        return svcstd.check(EXPORT, standards, profile="svcstd", as_of=AS_OF)


def cli_check(workdir: Path, *args: str) -> tuple[int, bytes]:
    """``svcstd check`` as a user runs it: a separate process, stdout as bytes."""
    proc = subprocess.run(
        [sys.executable, "-m", "svcstd", "check", EXPORT, "--profile", "svcstd",
         "--standards", STANDARDS, "--as-of", AS_OF, *args],
        cwd=workdir, capture_output=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, proc.stdout


def test_json_report_equals_the_cli_byte_for_byte(
    workdir: Path, result: svcstd.CheckResult
) -> None:
    code, out = cli_check(workdir, "--format", "json")
    assert result.report("json").encode("utf-8") == out
    # the planted breaches fail error-level rules: both say exit 1 at the default --fail-on
    assert code == result.exit_code() == 1
    assert result.totals["fail"] == 8 and result.failing("error") == 8
    assert result.exit_code("never") == 0


@pytest.mark.parametrize("fmt", ["text", "csv", "html"])
def test_every_text_format_equals_the_cli(
    workdir: Path, result: svcstd.CheckResult, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(workdir)
    res = CliRunner().invoke(
        cli,
        ["check", EXPORT, "--profile", "svcstd", "--standards", STANDARDS, "--as-of", AS_OF,
         "--format", fmt, "--fail-on", "never"],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    report = result.report(fmt)
    assert isinstance(report, bytes if fmt == "csv" else str)
    assert (report if isinstance(report, bytes) else report.encode("utf-8")) == res.stdout_bytes


def test_xlsx_written_by_the_api_equals_the_cli_file(
    workdir: Path, result: svcstd.CheckResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    cli_file = tmp_path / "cli.xlsx"
    res = CliRunner().invoke(
        cli,
        ["check", EXPORT, "--profile", "svcstd", "--standards", STANDARDS, "--as-of", AS_OF,
         "--format", "xlsx", "--output", str(cli_file), "--quiet"],
    )  # fmt: skip
    assert res.exit_code == 1, res.stderr
    api_file = result.write(tmp_path / "api.xlsx")  # format from the suffix
    report = result.report("xlsx")
    assert isinstance(report, bytes) and report[:2] == b"PK"
    assert api_file.read_bytes() == cli_file.read_bytes() == report


def test_verdicts_frame_and_accessors(workdir: Path, result: svcstd.CheckResult) -> None:
    v = result.verdicts
    assert isinstance(v, pl.DataFrame)
    assert {"rule_id", "case_id", "outcome", "reason", "severity", "release"} <= set(v.columns)
    counts = dict(v.group_by("outcome").len().iter_rows())
    assert counts == {k: n for k, n in result.totals.items() if n}
    assert result.summary() == "1469 pass, 8 fail, 0 waived, 387 not evaluable"
    assert result.judged_by == {"2025.1": 12, "2026.1": 48} and result.not_judged == 0
    assert result.as_of == dt.datetime(2026, 10, 28, 16, tzinfo=dt.UTC)
    failures = result.failures()
    assert failures.height == 8 and set(failures.get_column("outcome")) == {"fail"}
    rule_id, case_id = failures.row(0, named=True)["rule_id"], failures.row(0)[1]
    assert failures.row(0, named=True)["case_id"] == case_id
    assert result.evidence(rule_id, case_id) is not None
    per_rule = result.per_rule()
    assert per_rule.get_column("fail").sum() == 8
    assert result.to_dict() == json.loads(result.report("json"))
    # the planted breaches are exactly what fails
    planted = json.loads((workdir / f"{EXPORT}.violations.json").read_text(encoding="utf-8"))
    pairs = {(b["rule_id"], b["case_id"]) for b in planted["planted"]}
    assert set(failures.select("rule_id", "case_id").iter_rows()) == pairs


def test_records_read_once_and_checked_twice(
    workdir: Path, standards: svcstd.Standards, result: svcstd.CheckResult
) -> None:
    records = svcstd.read_records([workdir / EXPORT], "svcstd")
    assert records.cases.height == 60
    again = svcstd.check(records, standards, as_of=dt.datetime(2026, 10, 28, 16, tzinfo=dt.UTC))
    assert again.verdicts.equals(result.verdicts)
    one_release = svcstd.check(records, standards, as_of=AS_OF, release="2026.1")
    assert one_release.judged_by == {"2026.1": 60}


def test_waivers_turn_failures_into_waived(
    workdir: Path, result: svcstd.CheckResult, standards: svcstd.Standards
) -> None:
    first = result.failures().row(0, named=True)
    waivers = workdir / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        f"  - rule: {first['rule_id']}\n"
        f"    cases: [{first['case_id']}]\n"
        "    justification: Archive system migration week\n"
        "    approver: Head of service\n"
        "    expires: 2027-01-31\n",
        encoding="utf-8",
    )
    waived = svcstd.check(
        workdir / EXPORT, standards, profile="svcstd", as_of=AS_OF, waivers=waivers
    )
    assert waived.totals["waived"] == 1 and waived.totals["fail"] == 7
    assert svcstd.load_waivers(waivers)[0].rule == first["rule_id"]


def test_what_if_replay_equals_the_cli(
    workdir: Path, standards: svcstd.Standards, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    replayed = svcstd.check(
        EXPORT, standards, profile="svcstd", as_of=AS_OF, release="2026.1", compare_release="2025.1"
    )
    res = CliRunner().invoke(
        cli,
        ["check", EXPORT, "--profile", "svcstd", "--standards", STANDARDS, "--as-of", AS_OF,
         "--release", "2026.1", "--compare-release", "2025.1", "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 1, res.stderr
    assert replayed.report("json") == res.stdout
    assert replayed.comparison is not None and replayed.comparison.old_release == "2025.1"
    assert "comparison" in replayed.to_dict()
    with pytest.raises(svcstd.SvcstdError, match="cannot show a comparison"):
        replayed.report("csv")


def test_records_from_a_database_give_the_same_verdicts(
    workdir: Path, result: svcstd.CheckResult, standards: svcstd.Standards, tmp_path: Path
) -> None:
    rows = list(csv.reader((workdir / EXPORT).open(newline="", encoding="utf-8")))
    header, body = rows[0], rows[1:]
    columns = ", ".join(f'"{c}"' for c in header)
    db = sqlite3.connect(tmp_path / "export.db")
    db.execute(f"CREATE TABLE tickets (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" * len(header))
    db.executemany(
        f"INSERT INTO tickets ({columns}) VALUES ({marks})",
        [[v or None for v in row] for row in body],
    )
    db.commit()
    db.close()
    records = svcstd.read_records_sql(
        f"sqlite:///{tmp_path / 'export.db'}", "svcstd", table="tickets"
    )
    from_db = svcstd.check(records, standards, as_of=AS_OF)
    assert from_db.totals == result.totals
    key = ["rule_id", "case_id", "period", "group", "outcome"]
    assert from_db.verdicts.select(key).equals(result.verdicts.select(key))


def test_lint_equals_the_cli(tmp_path: Path, standards: svcstd.Standards) -> None:
    clean = svcstd.lint_standards(standards)
    assert len(clean) == 0 and clean.exit_code() == 0
    assert clean.summary() == "no findings (2 releases, 37 rules)"
    res = CliRunner().invoke(cli, ["lint", STANDARDS, "--format", "json"])
    assert res.exit_code == 0 and clean.report("json") == res.stdout

    broken = tmp_path / "standards"
    shutil.copytree(ROOT / "standards", broken)
    roles = broken / "2026.1" / "roles.yaml"
    text = roles.read_text(encoding="utf-8")  # the agent escalates to a role nobody defines
    roles.write_text(text.replace("escalates_to: [team-lead]", "escalates_to: [team-leed]", 1))
    found = svcstd.lint_standards(broken)
    # the unknown role, and the change the 2026.1 changelog does not list
    assert sorted(f.rule for f in found) == ["SPEC-101", "SPEC-806"]
    unknown = next(f for f in found if f.rule == "SPEC-101")
    assert "team-leed" in unknown.message and unknown.file.endswith("2026.1/roles.yaml")
    assert unknown.line == 21 and unknown.severity == "error"
    assert found.exit_code() == 1 and found.failing("error") >= 1
    res = CliRunner().invoke(cli, ["lint", str(broken)])
    assert res.exit_code == 1 and found.report("text") == res.stdout


def test_due_and_business_time_equal_the_cli(standards: svcstd.Standards) -> None:
    deadline = svcstd.due("2026-11-23T10:00:00+08:00", "2bd", standards=standards)
    res = CliRunner().invoke(cli, ["due", "2026-11-23T10:00:00+08:00", "2bd",
                                   "--standards", STANDARDS])  # fmt: skip
    assert res.exit_code == 0 and deadline.isoformat() == res.stdout.strip()
    spent = svcstd.business_time(
        "2026-11-23T10:00:00+08:00", "2026-11-24T10:00:00+08:00", standards=standards
    )
    res = CliRunner().invoke(cli, ["due", "--between", "2026-11-23T10:00:00+08:00",
                                   "2026-11-24T10:00:00+08:00",
                                   "--standards", STANDARDS])  # fmt: skip
    assert res.exit_code == 0 and res.stdout.strip().endswith(f"({int(spent.total_seconds())} s)")


def test_bad_input_raises_svcstd_error_with_the_located_problem(
    workdir: Path, standards: svcstd.Standards, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    bad = workdir / "bad.csv"
    lines = (workdir / EXPORT).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("at")] = "yesterday"
    bad.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(svcstd.SvcstdError) as err:
        svcstd.check("bad.csv", standards, profile="svcstd", as_of=AS_OF)
    res = CliRunner().invoke(cli, ["check", "bad.csv", "--profile", "svcstd",
                                   "--standards", STANDARDS, "--as-of", AS_OF])  # fmt: skip
    assert res.exit_code == 2
    assert res.stderr == "".join(f"error: {p}\n" for p in err.value.problems)
    assert "bad.csv" in str(err.value) and "row 1" in str(err.value)

    with pytest.raises(svcstd.SvcstdError, match="naive datetime"):
        svcstd.check(EXPORT, standards, profile="svcstd", as_of=dt.datetime(2026, 10, 29))
    with pytest.raises(svcstd.SvcstdError, match="profile"):
        svcstd.check(EXPORT, standards, as_of=AS_OF)
    with pytest.raises(svcstd.SvcstdError, match=r"no release '2030\.1'"):
        svcstd.check(EXPORT, standards, profile="svcstd", as_of=AS_OF, release="2030.1")
    with pytest.raises(svcstd.SvcstdError, match=r"nope\.csv"):
        svcstd.read_records("nope.csv", "svcstd")
    with pytest.raises(svcstd.SvcstdError, match="does-not-exist"):
        svcstd.load_standards(workdir / "does-not-exist")


def test_write_is_atomic_and_infers_the_format(result: svcstd.CheckResult, tmp_path: Path) -> None:
    html = result.write(tmp_path / "audit.html")
    assert html.read_text(encoding="utf-8") == result.report("html")
    with pytest.raises(svcstd.SvcstdError, match="suffix"):
        result.write(tmp_path / "audit.pdf")
    with pytest.raises(svcstd.SvcstdError, match="folder does not exist"):
        result.write(tmp_path / "missing" / "audit.json")
    with pytest.raises(svcstd.SvcstdError, match="unknown format 'pdf'"):
        result.report("pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.html"]  # nothing half-written


def test_import_svcstd_is_cheap_and_the_api_is_complete() -> None:
    heavy = "('polars', 'pydantic', 'click')"
    probe = f"import sys, svcstd; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from svcstd import api

    for name in svcstd.__all__:
        assert getattr(svcstd, name) is not None
    assert set(api.__all__) - {"FailOn"} <= set(svcstd.__all__)
    for name in api.__all__:
        obj = getattr(api, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"svcstd.{name} has no docstring"
    with pytest.raises(AttributeError):
        svcstd.no_such_name  # noqa: B018
