"""Escalation-path verdicts on hand-made cases, through the real engine.

Fixture: tests/fixtures/checks/escalation — office Mon-Fri 09:00-18:00 Asia/Shanghai; ladder
agent (1) → lead (2) → head (3). ESC-001 (e-mail): 50 % of TL-001 (first response, 4 business
hours, start/stop clock) → lead within 1h; its breach → head within 1h. ESC-002 (phone):
dissatisfaction → lead within 2h, priority p1 → lead within 30min, a customer's 2nd case within
30d → lead within 1h, 50 % of TL-002 (8 business hours, paused while waiting) → lead within 1h.
``--as-of`` is Monday 2025-03-10 00:00 +08:00. Cases open on Monday 2025-03-03.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from svcstd.checks.engine import run_check
from svcstd.records import read_records
from svcstd.records.schema import RecordSet
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "escalation"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2025-03-10T00:00:00+08:00")
NOON = "50% of TL-001 at 2025-03-03T11:00:00+08:00: "
NONE_BY_NOON = (
    NOON + "no escalation within 1h (by 2025-03-03T12:00:00+08:00); level 2 (lead) was due"
)


def verdicts(records: RecordSet = RECORDS, as_of: int = AS_OF) -> dict[tuple[str, str], tuple]:
    result = run_check(records, STANDARDS, as_of=as_of)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "escalation_paths").iter_rows(named=True)
    }


def test_hand_made_escalation_verdicts() -> None:
    assert verdicts() == {
        # E1: replied after 1h — no trigger fired, the path did not apply (no verdict)
        ("ESC-001", "E2"): ("pass", None),  # 50 % at 11:00, lead at 11:30
        ("ESC-001", "E3"): ("fail", NONE_BY_NOON),
        ("ESC-001", "E4"): ("fail", NONE_BY_NOON),  # the lead came at 12:15, too late
        # escalated to the lead early (counts for the share); the breach at 13:00 needed the head
        ("ESC-001", "E5"): (
            "fail",
            "breach of TL-001 at 2025-03-03T13:00:00+08:00: reached level 2 (lead) by "
            "2025-03-03T14:00:00+08:00, not level 3 (head)",
        ),
        ("ESC-001", "E6"): (
            "fail",
            "escalated from level 1 to level 3 (head) at 2025-03-03T11:30:00+08:00, "
            "skipping level 2",
        ),
        ("ESC-001", "E7"): ("pass", None),  # lead 11:10, head 13:30: both triggers honoured
        # Friday 15:30 + 2 business hours = 17:30; due Monday 09:30, after --as-of
        ("ESC-001", "E8"): (
            "not_evaluable",
            "50% of TL-001 at 2025-03-07T17:30:00+08:00: escalation to level 2 (lead) not yet due "
            "at --as-of (due 2025-03-10T09:30:00+08:00)",
        ),
        ("ESC-001", "E9"): ("pass", None),  # no role; the group is the lead
        ("ESC-001", "E10"): ("pass", None),  # no role; actor l1 is a lead elsewhere
        ("ESC-001", "E11"): (
            "not_evaluable",
            NOON + "an escalation records no role, so the level it reached cannot be told",
        ),
        ("ESC-001", "E12"): ("fail", NONE_BY_NOON),  # to an auditor: not this ladder
        ("ESC-002", "F1"): ("pass", None),
        ("ESC-002", "F2"): (
            "fail",
            "event dissatisfaction_expressed at 2025-03-03T10:00:00+08:00: no escalation within "
            "2h (by 2025-03-03T12:00:00+08:00); level 2 (lead) was due",
        ),
        ("ESC-002", "F3"): ("pass", None),  # opened urgent, lead after 20 min
        ("ESC-002", "F4"): ("pass", None),  # raised at 10:00, lead at 10:20
        # F5a is the customer's first case; F5b the second within 30 days
        ("ESC-002", "F5b"): (
            "fail",
            "case 2 of the customer within 30d at 2025-03-04T09:00:00+08:00: no escalation "
            "within 1h (by 2025-03-04T10:00:00+08:00); level 2 (lead) was due",
        ),
        # paused 10:00-12:00: 4 counted hours at 15:00, due 16:00 (not 14:00), lead at 15:30
        ("ESC-002", "F6"): ("pass", None),
        ("ESC-002", "F7"): (
            "not_evaluable",
            "the case has no customer, which decides case 2 of the customer within 30d",
        ),
    }


def test_levels_and_deadline_columns() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    v = result.verdicts.filter((pl.col("rule_id") == "ESC-001") & (pl.col("case_id") == "E5"))
    row = v.row(0, named=True)
    assert (row["observed"], row["target"]) == (2.0, 3.0)
    assert row["started_at"].isoformat() == "2025-03-03T05:00:00+00:00"
    assert row["deadline"].isoformat() == "2025-03-03T06:00:00+00:00"


def test_narrow_export_lacks_roles_and_trigger_fields() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    assert verdicts(narrow) == {
        ("ESC-001", "N1"): (
            "not_evaluable",
            NOON
            + "the export lacks events.role, so the level an escalation reached cannot be told",
        ),
        ("ESC-001", "N2"): ("fail", NONE_BY_NOON),  # no escalation at all: roles do not matter
        ("ESC-002", "N3"): (
            "not_evaluable",
            "trigger event dissatisfaction_expressed cannot be seen: the export never records "
            "that event",
        ),
    }


def test_as_of_hides_later_events() -> None:
    # At Monday 11:45 E2's lead (11:30) has come; E3's escalation is not yet due.
    v = verdicts(as_of=parse_instant("2025-03-03T11:45:00+08:00"))
    assert v[("ESC-001", "E2")] == ("pass", None)
    assert v[("ESC-001", "E3")][0] == "not_evaluable"
    assert ("ESC-001", "E1") not in v


def test_failure_evidence_names_triggers_and_escalations() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("ESC-001", "E5")]
    assert [t["trigger"] for t in ev["triggers"]] == ["50% of TL-001", "breach of TL-001"]
    assert [t["outcome"] for t in ev["triggers"]] == ["pass", "fail"]
    assert ev["events"] == [
        {"at": "2025-03-03T10:30:00+08:00", "event": "escalated", "state": None, "actor": "l1",
         "file": str(FIXTURE / "cases.csv"), "row": 12, "level": 2, "level_role": "lead"},
    ]  # fmt: skip
