"""``svcstd check --history / --fail-on-regression`` and ``svcstd trend`` end to end.

Real generated exports (300 cases, seed 1) with 2 % and 20 % planted breaches and a clean one,
real ``svcstd check`` runs recorded in a real SQLite file. Expected pass rates and regressions
are computed from each check's own CSV verdicts, never written down.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcstd.cli.main import cli
from svcstd.history import SCHEMA_VERSION, load_runs

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = str(ROOT / "standards")
AS_OF = "2026-10-29T00:00:00+08:00"

Rates = dict[tuple[str, str], float | None]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def rates_from_csv(path: Path) -> Rates:
    """Pass rate per (release, rule) from the check's CSV report: pass / (pass+fail+waived)."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            counts.setdefault((row["release"], row["rule_id"]), Counter())[row["outcome"]] += 1
    out: Rates = {}
    for key, c in counts.items():
        evaluated = c["pass"] + c["fail"] + c["waived"]
        out[key] = c["pass"] / evaluated if evaluated else None
    return out


def drops(before: Rates, after: Rates) -> dict[tuple[str, str], float]:
    """Percentage points lost per rule that has a rate in both runs (only real drops)."""
    out = {}
    for key, old in before.items():
        new = after.get(key)
        if old is not None and new is not None and new < old - 1e-12:
            out[key] = (old - new) * 100
    return out


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("history-exports")
    out = {}
    for name, rate in (("low", "0.02"), ("high", "0.2"), ("clean", "0")):
        path = folder / f"{name}.csv"
        res = invoke("generate", "--standards", STANDARDS, "--cases", "300", "--seed", "1",
                     "--violations", rate, "--output", str(path))  # fmt: skip
        assert res.exit_code == 0, res.output
        out[name] = path
    return out


def check(export: Path, history: Path, verdicts: Path | None, *args: str) -> Result:
    report = ["--format", "csv", "--output", str(verdicts), "--quiet"] if verdicts else []
    return invoke("check", str(export), "--profile", "svcstd", "--standards", STANDARDS,
                  "--as-of", AS_OF, "--fail-on", "never", "--history", str(history),
                  *report, *args)  # fmt: skip


@pytest.fixture(scope="module")
def audits(exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three recorded runs: 2 % breaches; 20 % (gated: regresses); a clean export (gated)."""
    folder = tmp_path_factory.mktemp("history")
    history = folder / "audit.sqlite"
    out: dict = {"history": history, "rates": [], "results": []}
    plan = [("low", ()), ("high", ("--fail-on-regression",)), ("clean", ("--fail-on-regression",))]
    for i, (name, args) in enumerate(plan):
        verdicts = folder / f"run{i + 1}.csv"
        out["results"].append(check(exports[name], history, verdicts, *args))
        out["rates"].append(rates_from_csv(verdicts))
    return out


def test_a_worse_run_regresses_and_names_each_rule_with_before_and_after(audits: dict) -> None:
    first, second = audits["results"][:2]
    assert first.exit_code == 0, first.stderr
    assert "recorded run #1" in first.stderr and "regression:" not in first.stderr
    expected = drops(audits["rates"][0], audits["rates"][1])
    assert expected, "20 % planted breaches should lower some rule's pass rate"
    assert second.exit_code == 1, second.stderr
    named = [line for line in second.stderr.splitlines() if line.startswith("regression: ")]
    assert len(named) == len(expected)
    for (release, rule_id), points in expected.items():
        before = audits["rates"][0][(release, rule_id)]
        after = audits["rates"][1][(release, rule_id)]
        line = f"regression: {rule_id} ({release}): {before:.2%} "
        hit = [n for n in named if n.startswith(line)]
        assert len(hit) == 1, (line, named)
        assert f"→ {after:.2%} (" in hit[0] and f"{points:.2f} points lower" in hit[0]
    assert f"--fail-on-regression: {len(expected)} rules regressed: exit 1" in second.stderr
    assert "compared with run #1" in second.stderr


def test_the_regressing_run_is_recorded_and_the_next_run_compares_with_it(audits: dict) -> None:
    runs = load_runs(audits["history"])
    assert [r.run_id for r in runs] == [1, 2, 3]
    assert (runs[1].exit_code, runs[1].compared_with, runs[1].gated) == (1, 1, True)
    assert runs[1].regressions == len(drops(audits["rates"][0], audits["rates"][1]))
    assert runs[2].compared_with == 2
    assert [e.path for e in runs[1].exports] == [runs[1].exports[0].path]
    assert (
        runs[1].exports[0].path.endswith("high.csv") and len(runs[1].exports[0].sha256 or "") == 64
    )


def test_a_better_run_passes_the_gate(audits: dict) -> None:
    third = audits["results"][2]
    assert not drops(audits["rates"][1], audits["rates"][2])
    assert third.exit_code == 0, third.stderr
    assert "compared with run #2" in third.stderr
    assert "0 rules with a lower pass rate" in third.stderr and "regression:" not in third.stderr


def test_trend_lists_every_run_with_the_checks_own_pass_rates(audits: dict) -> None:
    res = invoke("trend", "--history", str(audits["history"]), "--format", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [r["run_id"] for r in doc["runs"]] == [1, 2, 3]
    assert [r["exit_code"] for r in doc["runs"]] == [0, 1, 0]
    shown = {
        (rule["release"], rule["rule_id"], run["run_id"]): run["pass_rate"]
        for rule in doc["rules"]
        for run in rule["runs"]
    }
    for i, rates in enumerate(audits["rates"], 1):
        for (release, rule_id), rate in rates.items():
            assert shown[(release, rule_id, i)] == rate, (release, rule_id, i)
    # rules judged but without any verdict have no rate, never 100 %
    for (release, rule_id, i), rate in shown.items():
        if (release, rule_id) not in audits["rates"][i - 1]:
            assert rate is None


def test_trend_text_shows_rates_and_arrows(audits: dict) -> None:
    res = invoke("trend", "--history", str(audits["history"]), "--last", "2")
    assert res.exit_code == 0, res.stderr
    header = [c.strip() for c in res.stdout.splitlines()[3].split("┃")]
    assert header == ["release", "rule", "#2", "#3"]
    rises = {
        k for k, v in audits["rates"][2].items()
        if v is not None and (old := audits["rates"][1].get(k)) is not None and v > old
    }  # fmt: skip
    assert rises
    release, rule_id = sorted(rises)[0]
    rows = [[c.strip() for c in line.split("│")] for line in res.stdout.splitlines()]
    row = next(r for r in rows if r[:2] == [release, rule_id])
    assert row[3] == f"{audits['rates'][2][(release, rule_id)]:.1%} ↑"
    assert row[2].startswith(f"{audits['rates'][1][(release, rule_id)]:.1%}")
    again = invoke("trend", "--history", str(audits["history"]), "--last", "2")
    assert again.stdout == res.stdout  # deterministic


def test_trend_filters_one_rule_and_writes_csv(audits: dict) -> None:
    key = sorted(drops(audits["rates"][0], audits["rates"][1]))[0]
    res = invoke("trend", "--history", str(audits["history"]), "--rule", key[1], "--format", "csv")
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(res.stdout.splitlines()))
    assert {r["rule_id"] for r in rows} == {key[1]}
    mine = [r for r in rows if r["release"] == key[0]]
    assert [r["run_id"] for r in mine] == ["1", "2", "3"]
    assert float(mine[0]["pass_rate"]) == audits["rates"][0][key]
    assert mine[1]["change"] == "down"
    missing = invoke("trend", "--history", str(audits["history"]), "--rule", "TL-999")
    assert missing.exit_code == 2 and "no rule 'TL-999'" in missing.stderr


def test_nothing_is_recorded_when_the_check_fails(
    audits: dict, exports: dict, tmp_path: Path
) -> None:
    history = tmp_path / "audit.sqlite"
    shutil.copy(audits["history"], history)
    before = history.read_bytes()
    unknown_release = check(exports["low"], history, tmp_path / "out.csv", "--release", "1999.1")
    assert unknown_release.exit_code == 2 and "no release '1999.1'" in unknown_release.stderr
    assert not (tmp_path / "out.csv").exists()
    assert history.read_bytes() == before
    assert len(load_runs(history)) == 3
    fresh = tmp_path / "fresh.sqlite"
    missing = check(tmp_path / "nope.csv", fresh, None, "--fail-on-regression")
    assert missing.exit_code == 2 and "nope.csv" in missing.stderr
    assert not fresh.exists()


@pytest.mark.parametrize("kind", ["text", "other-sqlite", "newer"])
def test_a_file_that_is_not_a_usable_history_is_refused(
    kind: str, audits: dict, exports: dict, tmp_path: Path
) -> None:
    path = tmp_path / "h.sqlite"
    if kind == "text":
        path.write_text("this is not a database\n" * 100)
        why = "not a svcstd history (not an SQLite database)"
    elif kind == "other-sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
        why = "not a svcstd history (an SQLite database of another application)"
    else:
        shutil.copy(audits["history"], path)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 99")
        why = (
            "history schema version 99 was written by a newer svcstd "
            f"(this one reads version {SCHEMA_VERSION}): upgrade svcstd"
        )
    before = path.read_bytes()
    for res in (
        check(exports["low"], path, tmp_path / "report.csv"),
        invoke("trend", "--history", str(path)),
    ):
        assert res.exit_code == 2
        assert res.stderr == f"error: {path}: {why}\n"
    assert not (tmp_path / "report.csv").exists()
    assert path.read_bytes() == before


def test_fail_on_regression_needs_a_history(exports: dict) -> None:
    res = invoke("check", str(exports["low"]), "--profile", "svcstd", "--standards", STANDARDS,
                 "--fail-on-regression")  # fmt: skip
    assert res.exit_code == 2
    assert (
        res.stderr
        == "error: --fail-on-regression: needs --history FILE (the runs to compare with)\n"
    )


def test_waived_failures_count_as_not_passed(tmp_path: Path) -> None:
    """The report fixture's run, with a waiver on TL-001: waivers never raise a pass rate."""
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - rule: TL-001\n"
        "    cases: [E2]\n"
        "    justification: Mail server outage on 4 February\n"
        "    approver: Head of service\n"
        "    expires: 2025-12-31\n",
        encoding="utf-8",
    )
    history, verdicts = tmp_path / "h.sqlite", tmp_path / "v.csv"
    fixture = ROOT / "tests" / "fixtures" / "report"
    res = invoke("check", str(fixture / "cases.csv"), "--profile", "svcstd", "--standards",
                 str(fixture), "--as-of", "2025-04-15T00:00:00+08:00", "--waivers", str(waivers),
                 "--fail-on", "never", "--history", str(history), "--format", "csv",
                 "-o", str(verdicts), "-q")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    with verdicts.open(encoding="utf-8-sig", newline="") as handle:
        outcomes = Counter(r["outcome"] for r in csv.DictReader(handle) if r["rule_id"] == "TL-001")
    assert outcomes["waived"] >= 1
    [recorded] = [r for k, r in load_runs(history)[0].rules.items() if k[1] == "TL-001"]
    assert (recorded.passed, recorded.failed, recorded.waived) == (
        outcomes["pass"],
        outcomes["fail"],
        outcomes["waived"],
    )
    assert recorded.pass_rate == outcomes["pass"] / (
        outcomes["pass"] + outcomes["fail"] + outcomes["waived"]
    )
