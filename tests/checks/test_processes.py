"""Process-conformance verdicts on hand-made cases, through the real engine.

Fixture: tests/fixtures/checks/processes — PROC-001: start (created, agent) → assess
(classified, agent) → decide (no event) → fix (fixed, agent or tech), or via the optional
escalate (escalated, lead) → fix → close (closed, agent or lead; end). ``--as-of`` is
2025-03-10 00:00 +08:00; every case is on Monday 2025-03-03.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from svcstd.checks.engine import run_check
from svcstd.records import read_records
from svcstd.records.schema import RecordSet
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "processes"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2025-03-10T00:00:00+08:00")
T = "2025-03-03T"


def verdicts(records: RecordSet = RECORDS, as_of: int = AS_OF) -> dict[tuple[str, str], tuple]:
    result = run_check(records, STANDARDS, as_of=as_of)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "processes").iter_rows(named=True)
    }


def test_hand_made_process_verdicts() -> None:
    assert verdicts() == {
        ("PROC-001", "P1"): ("pass", None),
        ("PROC-001", "P2"): (
            "fail",
            f"step assess (classified at {T}11:00:00+08:00) may not follow step fix "
            f"(fixed at {T}10:00:00+08:00)",
        ),
        # skipping assess is allowed as an order (fix is reachable), but assess is required
        ("PROC-001", "P3"): ("fail", "required step assess missing (last step close)"),
        ("PROC-001", "P4"): (
            "not_evaluable",
            "order conforms; process not finished at --as-of: step fix, close still to come "
            "(last step assess)",
        ),
        ("PROC-001", "P5"): (
            "fail",
            f"step fix (fixed at {T}11:00:00+08:00) done by role lead, not agent or tech",
        ),
        ("PROC-001", "P6"): ("pass", None),  # the optional escalation branch
        # P7 never started (no created event): the process does not apply, no verdict
        ("PROC-001", "P8"): ("pass", None),  # fixed and closed at one instant, either order
        ("PROC-001", "P9"): ("pass", None),  # fixed twice in a row: a redo, not a detour
        ("PROC-001", "P10"): (
            "not_evaluable",
            f"order conforms; step fix (fixed at {T}11:00:00+08:00) records no role",
        ),
        ("PROC-001", "P11"): (
            "fail",
            f"step assess (classified at {T}08:00:00+08:00) comes before the start step start",
        ),
    }


def test_narrow_export_judges_order_but_not_roles_or_unrecorded_steps() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    assert verdicts(narrow) == {
        ("PROC-001", "Q1"): (
            "not_evaluable",
            "order conforms; the export never records classified, so whether those required "
            "steps happened cannot be told; the export lacks events.role, so who did each step "
            "cannot be told",
        ),
        ("PROC-001", "Q2"): (
            "fail",
            f"step fix (fixed at {T}12:00:00+08:00) may not follow step close "
            f"(closed at {T}11:00:00+08:00)",
        ),
    }


def test_as_of_hides_later_steps() -> None:
    v = verdicts(as_of=parse_instant(f"{T}10:30:00+08:00"))
    assert v[("PROC-001", "P1")] == (
        "not_evaluable",
        "order conforms; process not finished at --as-of: step fix, close still to come "
        "(last step assess)",
    )
    # by 10:30 P2 has fixed before assessing: assess can no longer come, so it is missing
    assert v[("PROC-001", "P2")] == ("fail", "required step assess missing (last step fix)")


def test_failure_evidence_lists_observed_steps() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("PROC-001", "P2")]
    assert ev["observed_steps"] == ["start", "fix", "assess", "close"]
    assert ev["expected"]["required"] == ["start", "assess", "fix", "close"]
    assert [e["row"] for e in ev["events"]] == [5, 6, 7, 8]
