"""Retention verdicts on hand-made cases, through the real engine.

Fixture: tests/fixtures/checks/retention — default calendar in Asia/Shanghai. RET-001: case
files (every case) kept 1y from the last ``archived``, then destroyed, legal hold exempts;
RET-002: call logs (phone cases) kept 6mo, then anonymised, legal hold does *not* exempt;
RET-003: 30d from ``customer_churned``, then reviewed. Legal hold is ``attr_legal_hold``.
``--as-of`` is 2026-06-01 00:00 +08:00.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from svcstd.checks.engine import run_check
from svcstd.records import read_records
from svcstd.records.schema import RecordSet
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "retention"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2026-06-01T00:00:00+08:00")
DAY = 86400


def verdicts(
    records: RecordSet = RECORDS, as_of: int = AS_OF
) -> dict[tuple[str, str], tuple[str, str | None]]:
    result = run_check(records, STANDARDS, as_of=as_of)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "retention").iter_rows(named=True)
    }


def test_hand_made_retention_verdicts() -> None:
    ends: dict[tuple[str, str], str] = {}

    def kept(end: str, then: str, why: str) -> str:
        return f"kept past the end of retention ({then} was due); {why}"

    no_exemption = "legal hold does not exempt under this rule"
    assert verdicts() == {
        ("RET-001", "T1"): ("fail", kept("2026-03-05", "destroy", "not on legal hold")),
        ("RET-001", "T2"): ("pass", "kept on legal hold"),  # " Yes": case and blanks ignored
        ("RET-001", "T3"): ("pass", None),  # destroyed the day after retention ended
        ("RET-001", "T4"): ("fail", "disposed of before retention ended"),
        ("RET-001", "T5"): ("not_evaluable", "within retention: disposal not yet due"),
        # T6 was never archived: its retention has not started, no verdict
        ("RET-001", "T7"): ("pass", "kept on legal hold"),
        # anonymising is not destroying
        ("RET-001", "T8"): ("fail", kept("2026-03-05", "destroy", "not on legal hold")),
        ("RET-001", "T9"): ("not_evaluable", "within retention: disposal not yet due"),  # re-archived
        ("RET-001", "T12"): ("not_evaluable", "within retention: disposal not yet due"),
        # call logs: phone cases only; this rule keeps no exemption for legal hold
        ("RET-002", "T7"): ("fail", kept("2025-09-05", "anonymise", no_exemption)),
        ("RET-002", "T8"): ("pass", None),  # anonymised after the six months
        ("RET-002", "T12"): ("fail", kept("2026-02-28", "anonymise", no_exemption)),
        ("RET-003", "T10"): ("fail", kept("2026-05-01", "review", "not on legal hold")),
        ("RET-003", "T11"): ("pass", None),  # reviewed a day after the 30 days
    }
    # the end of each period, hand-computed, is the verdict's deadline (local date)
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    for rule, case, end in [("RET-001", "T1", "2026-03-05"), ("RET-001", "T8", "2026-03-05"),
                            ("RET-002", "T7", "2025-09-05"), ("RET-002", "T12", "2026-02-28"),
                            ("RET-003", "T10", "2026-05-01"), ("RET-001", "T5", "2026-09-01")]:  # fmt: skip
        row = result.verdicts.filter((pl.col("rule_id") == rule) & (pl.col("case_id") == case)).row(0, named=True)
        ends[(rule, case)] = row["deadline"].astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
        assert ends[(rule, case)] == end, (rule, case)


def test_period_and_time_kept_in_seconds() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    v = result.verdicts.filter(pl.col("kind") == "retention")
    rows = {
        (r["rule_id"], r["case_id"]): (r["observed"], r["target"], r["deadline"])
        for r in v.iter_rows(named=True)
    }
    observed, target, deadline = rows[("RET-001", "T3")]
    assert (observed, target) == (366 * DAY, 365 * DAY)  # 2025-03-05 → 2026-03-06, 1y = 365 d
    assert deadline.isoformat() == "2026-03-05T02:00:00+00:00"
    # 31 Aug + 6 months is clamped to the end of February (181 days)
    assert rows[("RET-002", "T12")][1] == 181 * DAY


def test_the_period_ends_at_the_instant_keep_for_lapses() -> None:
    end = parse_instant("2026-03-05T10:00:00+08:00")
    assert verdicts(as_of=end - 1)[("RET-001", "T1")] == (
        "not_evaluable",
        "within retention: disposal not yet due",
    )
    assert verdicts(as_of=end)[("RET-001", "T1")][0] == "fail"


def test_an_export_without_a_hold_marker_fails_records_kept_too_long(tmp_path: Path) -> None:
    plain = tmp_path / "no-hold.csv"
    pl.read_csv(FIXTURE / "cases.csv", infer_schema=False).drop("attr_legal_hold").write_csv(plain)
    got = verdicts(read_records(plain, "svcstd"))
    reason = "no legal hold recorded (the export has no legal_hold attribute)"
    assert got[("RET-001", "T2")] == (
        "fail",
        f"kept past the end of retention (destroy was due); {reason}",
    )


def test_an_export_that_never_records_the_start_is_not_evaluable() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    archived = "the export never records event archived, from which retention counts"
    churned = "the export never records event customer_churned, from which retention counts"
    assert verdicts(narrow) == {
        ("RET-001", "N1"): ("not_evaluable", archived),
        ("RET-001", "N2"): ("not_evaluable", archived),
        ("RET-002", "N1"): ("not_evaluable", archived),  # N2 is e-mail: no call log
        ("RET-003", "N1"): ("not_evaluable", churned),
        ("RET-003", "N2"): ("not_evaluable", churned),
    }


def test_failures_carry_evidence() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("RET-002", "T7")]
    assert ev["started_at"] == "2025-03-05T10:00:00+08:00"
    assert ev["retention_ends"] == "2025-09-05T10:00:00+08:00"
    assert (ev["then"], ev["disposed_at"], ev["legal_hold"], ev["legal_hold_exempt"]) == (
        "anonymise", None, True, False,
    )  # fmt: skip
    assert [(e["event"], e["row"]) for e in ev["events"]] == [("archived", 15)]
    assert result.evidence[("RET-001", "T4")]["disposed_at"] == "2025-12-01T10:00:00+08:00"


def test_the_end_of_retention_is_the_deadline_not_part_of_the_reason() -> None:
    # Reasons carry no dates so reports can group them; the date is the verdict's deadline.
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    row = result.verdicts.filter((pl.col("rule_id") == "RET-001") & (pl.col("case_id") == "T5")).row(0, named=True)
    assert row["reason"] == "within retention: disposal not yet due"
    assert row["deadline"].astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date().isoformat() == "2026-09-01"
