"""Archiving verdicts on hand-computed cases, through the real engine.

Fixture: tests/fixtures/checks/archiving — calendar Mon-Fri 09:00-12:00 + 13:30-18:00
Asia/Shanghai (7.5 business hours a day) with National Day 2025-10-01..08. ARC-001: archive a
closed case (REC-001, every case) within 2bd; ARC-002: archive a call log (REC-002, phone
cases) within 1bd of ``call_ended``; ARC-003: archive within 24 h calendar time of ``resolved``.
``--as-of`` is 2025-12-31 12:00 +08:00 unless a test says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from svcstd.checks.engine import run_check
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "archiving"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2025-12-31T12:00:00+08:00")
H = 3600


def verdicts(records=RECORDS, as_of: int = AS_OF) -> dict[tuple[str, str], tuple[str, str | None]]:
    result = run_check(records, STANDARDS, as_of=as_of)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "archiving").iter_rows(named=True)
    }


def test_hand_computed_archiving_verdicts() -> None:
    got = verdicts()
    late = ("fail", "not archived by the deadline")
    assert {k: v for k, v in got.items() if k[0] == "ARC-001"} == {
        ("ARC-001", "A1"): ("pass", None),  # closed Mon 10:00, archived Wed 10:00: exactly 2bd
        ("ARC-001", "A2"): ("fail", "archived after the deadline"),  # Wed 10:30
        ("ARC-001", "A3"): late,  # closed Fri 17:00, never archived, due Tue 17:00
        ("ARC-001", "A4"): ("not_evaluable", "not yet due at --as-of"),  # due 2026-01-01 10:00
        # A5 was never closed: no verdict
        ("ARC-001", "A6"): ("pass", None),  # Tue 09-30 17:00 → Thu 10-09 10:00 over National Day
        ("ARC-001", "A9"): ("pass", None),
        ("ARC-001", "A10"): ("pass", None),  # counted from the last closure, re-archived in time
        ("ARC-001", "A12"): late,  # archived before it was closed: that archive does not count
        ("ARC-001", "A13"): late,  # reopened after archiving, closed again, not re-archived
    }
    assert {k: v for k, v in got.items() if k[0] == "ARC-002"} == {
        ("ARC-002", "A7"): ("fail", "archived after the deadline"),  # Mon 11:00 → Tue 11:30
        ("ARC-002", "A8"): ("pass", None),  # archived at the very instant the call ended
        ("ARC-002", "A9"): ("not_evaluable", "the case has no channel"),  # call log or not?
    }
    assert {k: v for k, v in got.items() if k[0] == "ARC-003"} == {
        ("ARC-003", "A11"): ("fail", "archived after the deadline"),  # 25 h of calendar time
    }


def test_time_used_and_allowed_are_counted_on_the_rule_calendar() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    v = result.verdicts.filter(pl.col("kind") == "archiving")
    rows = {
        (r["rule_id"], r["case_id"]): (r["observed"], r["target"]) for r in v.iter_rows(named=True)
    }
    assert rows[("ARC-001", "A1")] == (15 * H, 15 * H)  # two days of 7.5 h
    assert rows[("ARC-001", "A6")] == (2 * H, 15 * H)  # 17:00-18:00 + 09:00-10:00; holiday skipped
    assert rows[("ARC-001", "A10")] == (8.5 * H, 15 * H)  # Mon 03-17 10:00 → Tue 11:00
    assert rows[("ARC-002", "A7")] == (8 * H, 7.5 * H)
    assert rows[("ARC-003", "A11")] == (25 * H, 24 * H)
    a6 = v.filter((pl.col("rule_id") == "ARC-001") & (pl.col("case_id") == "A6")).row(0, named=True)
    assert a6["deadline"].isoformat() == "2025-10-10T09:00:00+00:00"  # Fri 10-10 17:00 +08:00


def test_not_yet_due_becomes_a_failure_once_the_deadline_passes() -> None:
    assert verdicts(as_of=parse_instant("2026-01-01T10:00:00+08:00"))[("ARC-001", "A4")][0] == (
        "not_evaluable"
    )
    assert verdicts(as_of=parse_instant("2026-01-01T10:00:01+08:00"))[("ARC-001", "A4")] == (
        "fail",
        "not archived by the deadline",
    )


def test_events_after_as_of_are_not_seen() -> None:
    # On Wed 03-05 09:59 A1 is still within its deadline and its archive has not happened yet.
    got = verdicts(as_of=parse_instant("2025-03-05T09:59:00+08:00"))
    assert got[("ARC-001", "A1")] == ("not_evaluable", "not yet due at --as-of")
    assert ("ARC-001", "A3") not in got  # not closed yet at --as-of


def test_an_export_that_never_records_archiving_is_not_evaluable() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    got = verdicts(narrow)
    never = "the export never records event {}, which {}"
    starts = "starts the archiving deadline"
    assert got == {
        # N1 was closed, but this export cannot show an archive event: never a pass
        ("ARC-001", "N1"): ("not_evaluable", never.format("archived", "evidences archiving")),
        # N2 was never closed: no verdict
        ("ARC-002", "N1"): ("not_evaluable", never.format("call_ended", starts)),
        ("ARC-003", "N1"): ("not_evaluable", never.format("resolved", starts)),
        ("ARC-003", "N2"): ("not_evaluable", never.format("resolved", starts)),
    }  # fmt: skip


def test_failures_carry_evidence() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("ARC-001", "A2")]
    assert ev["started_at"] == "2025-03-03T10:00:00+08:00"
    assert ev["archived_at"] == "2025-03-05T10:30:00+08:00"
    assert ev["deadline"] == "2025-03-05T10:00:00+08:00"
    assert (ev["elapsed"], ev["limit"]) == ("15h30min", "15h")
    assert [(e["event"], e["row"]) for e in ev["events"]] == [("closed", 5), ("archived", 6)]
    a13 = result.evidence[("ARC-001", "A13")]
    assert a13["started_at"] == "2025-03-17T10:00:00+08:00" and a13["archived_at"] is None
