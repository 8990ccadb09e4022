"""KPI verdicts per period and group on hand-made cases, through the real engine and the CLI.

Fixture: tests/fixtures/checks/kpis — default calendar in Asia/Shanghai. TL-001 (e-mail reply
in 24 h) feeds KPI-001 (verdict-rate >= 70 % per month and channel, min 2 cases); KPI-002 is a
case-rate (resolved >= 75 % per month, min 2); KPI-003 a score-rate (scores >= 4 at least 60 %
per quarter, min 3); KPI-004 a case-rate over chats (escalated <= 50 % per ISO week).
``--as-of`` is 2025-04-15 00:00 +08:00, so April and Q2 are not complete.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.checks.engine import run_check
from svcstd.checks.kpis import period_label
from svcstd.cli.main import cli
from svcstd.records import read_records
from svcstd.records.schema import RecordSet
from svcstd.spec import load_standards
from svcstd.spec.model import Waiver
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "kpis"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2025-04-15T00:00:00+08:00")
OPEN = ("not_evaluable", "period not complete at --as-of", None)
NO_DATA = ("not_evaluable", "no data in the period", None)


def kpis(
    records: RecordSet = RECORDS, as_of: int = AS_OF
) -> dict[tuple[str, str, str | None], tuple[str, str | None, float | None]]:
    result = run_check(records, STANDARDS, as_of=as_of)
    rows = result.verdicts.filter(pl.col("kind") == "kpis")
    assert rows.get_column("case_id").null_count() == rows.height  # KPI verdicts name no case
    return {
        (r["rule_id"], r["period"], r["group"]): (
            r["outcome"],
            r["reason"],
            None if r["observed"] is None else round(r["observed"], 4),
        )
        for r in rows.iter_rows(named=True)
    }


def test_hand_computed_kpi_verdicts() -> None:
    assert kpis() == {
        # verdict-rate: only the e-mail cases have TL-001 verdicts; chats are a group with none
        ("KPI-001", "2025-02", "channel=chat"): NO_DATA,
        ("KPI-001", "2025-02", "channel=email"): ("not_evaluable", "fewer than 2 cases (1)", None),
        ("KPI-001", "2025-03", "channel=chat"): NO_DATA,
        # K2, K4 in time, K3 late: 2 of 3
        ("KPI-001", "2025-03", "channel=email"): ("fail", "66.7 % of 3 is not >= 70 %", 0.6667),
        ("KPI-001", "2025-04", "channel=chat"): OPEN,
        ("KPI-001", "2025-04", "channel=email"): OPEN,
        # case-rate: K2, K3, K5 resolved, K4 not: exactly the 75 % target
        ("KPI-002", "2025-02", None): ("not_evaluable", "fewer than 2 cases (1)", None),
        ("KPI-002", "2025-03", None): ("pass", None, 0.75),
        ("KPI-002", "2025-04", None): OPEN,
        # score-rate: 5, 4, 2 count ("n/a" and empty are no score): 2 of 3
        ("KPI-003", "2025-Q1", None): ("pass", None, 0.6667),
        ("KPI-003", "2025-Q2", None): OPEN,
        # ISO weeks; K6 opened 2025-03-31T20:00Z is Tuesday 1 April in Shanghai (W14)
        ("KPI-004", "2025-W07", None): NO_DATA,
        ("KPI-004", "2025-W10", None): ("fail", "100.0 % of 1 is not <= 50 %", 1.0),
        ("KPI-004", "2025-W14", None): ("pass", None, 0.0),
    }


def test_periods_are_bounded_in_the_calendar_zone() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    row = result.verdicts.filter(
        (pl.col("rule_id") == "KPI-003") & (pl.col("period") == "2025-Q1")
    ).row(0, named=True)
    assert row["started_at"].isoformat() == "2024-12-31T16:00:00+00:00"  # 1 Jan 00:00 +08:00
    assert row["ended_at"].isoformat() == "2025-03-31T16:00:00+00:00"
    assert (row["target"], row["severity"], row["url"]) == (
        0.6, "error", "releases/2025.1/kpis/#kpi-003",
    )  # fmt: skip


def test_a_period_is_judged_once_it_has_ended() -> None:
    got = kpis(as_of=parse_instant("2025-05-01T00:00:00+08:00"))
    # April: K6 chat (no TL-001 verdict), K7 e-mail answered in time but alone
    assert got[("KPI-001", "2025-04", "channel=email")] == (
        "not_evaluable", "fewer than 2 cases (1)", None,
    )  # fmt: skip
    assert got[("KPI-002", "2025-04", None)] == ("fail", "0.0 % of 2 is not >= 75 %", 0.0)


def test_a_waived_failure_still_counts_as_not_met() -> None:
    waiver = Waiver(rule="TL-001", cases=["K3"], justification="mail server outage",
                    approver="Head of service", expires=dt.date(2026, 12, 31))  # fmt: skip
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF, waivers=[waiver])
    rows = {(r["rule_id"], r["case_id"], r["period"], r["group"]): r["outcome"]
            for r in result.verdicts.iter_rows(named=True)}  # fmt: skip
    assert rows[("TL-001", "K3", None, None)] == "waived"
    assert rows[("KPI-001", None, "2025-03", "channel=email")] == "fail"


def test_an_export_that_cannot_show_the_metric_is_not_evaluable() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    assert kpis(narrow) == {
        ("KPI-001", "2025-03", "channel=email"): NO_DATA,  # TL-001 itself is not evaluable
        ("KPI-001", "2025-03", "channel=phone"): NO_DATA,
        ("KPI-002", "2025-03", None): (
            "not_evaluable", "the export never records state resolved", None,
        ),
        ("KPI-003", "2025-Q1", None): (
            "not_evaluable", "the export lacks field satisfaction_score", None,
        ),
        ("KPI-004", "2025-W10", None): (
            "not_evaluable", "the export never records event escalated", None,
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("period", "label"),
    [("day", "2027-01-01"), ("week", "2026-W53"), ("month", "2027-01"),
     ("quarter", "2027-Q1"), ("year", "2027")],
)  # fmt: skip
def test_period_labels(period: str, label: str) -> None:
    # Friday 1 January 2027 belongs to ISO week 53 of 2026
    frame = pl.DataFrame({"t": ["2027-01-01T10:00:00"]}).select(
        pl.col("t").str.to_datetime().dt.replace_time_zone("Asia/Shanghai")
    )
    assert frame.select(period_label(pl.col("t"), period)).item() == label


def test_the_cli_reports_kpi_verdicts() -> None:
    args = ["check", str(FIXTURE / "cases.csv"), "-p", "svcstd", "--standards", str(FIXTURE),
            "--as-of", "2025-04-15T00:00:00+08:00", "--format", "json",
            "--fail-on", "never"]  # fmt: skip
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    got = {(v["rule_id"], v.get("period"), v["outcome"]) for v in report["verdicts"]
           if v["rule_id"].startswith("KPI-")}  # fmt: skip
    assert ("KPI-001", "2025-03", "fail") in got and ("KPI-004", "2025-W14", "pass") in got
