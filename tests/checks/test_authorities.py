"""Authority verdicts on hand-made cases, through the real engine.

Fixture: tests/fixtures/checks/authorities — roles agent (may close), tech (may not close),
lead (may close and approve). AUTH-001: ``closed`` needs ``close``; AUTH-002: ``approved``
needs ``approve``. ``--as-of`` is 2025-03-10 00:00 +08:00; every case is on 2025-03-03.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from svcstd.checks.engine import run_check
from svcstd.records import read_records
from svcstd.records.schema import RecordSet
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "authorities"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2025-03-10T00:00:00+08:00")
T = "2025-03-03T"


def verdicts(records: RecordSet = RECORDS, as_of: int = AS_OF) -> dict[tuple[str, str], tuple]:
    result = run_check(records, STANDARDS, as_of=as_of)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "authorities").iter_rows(named=True)
    }


def test_hand_made_authority_verdicts() -> None:
    assert verdicts() == {
        ("AUTH-001", "A1"): ("pass", None),
        ("AUTH-001", "A2"): ("fail", f"closed at {T}12:00:00+08:00 by role tech (may not close)"),
        ("AUTH-001", "A3"): (
            "fail",
            f"closed at {T}12:00:00+08:00 by role intern (not a role of the handbook)",
        ),
        ("AUTH-001", "A4"): ("pass", None),  # no role on the event; l1 is a lead elsewhere
        ("AUTH-001", "A5"): (
            "not_evaluable",
            f"closed at {T}12:00:00+08:00 records no role for its actor",
        ),
        # A6 was never closed: no verdict
        ("AUTH-001", "A7"): ("fail", f"closed at {T}12:00:00+08:00 by role tech (may not close)"),
        ("AUTH-002", "A7"): (
            "fail",
            f"approved at {T}11:00:00+08:00 by role agent (may not approve)",
        ),
    }


def test_narrow_export_lacks_roles_and_never_records_approvals() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    never = "the export never records event approved"
    assert verdicts(narrow) == {
        ("AUTH-001", "N1"): (
            "not_evaluable",
            "the export lacks events.role, so who performed closed cannot be told",
        ),
        ("AUTH-002", "N1"): ("not_evaluable", never),
        ("AUTH-002", "N2"): ("not_evaluable", never),
    }


def test_as_of_hides_later_events() -> None:
    v = verdicts(as_of=parse_instant(f"{T}11:30:00+08:00"))
    assert v[("AUTH-001", "A7")] == ("pass", None)  # the tech's close comes at 12:00
    assert ("AUTH-001", "A2") not in v


def test_failure_evidence_marks_each_occurrence() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("AUTH-001", "A7")]
    assert [(e["role"], e["allowed"], e["row"]) for e in ev["events"]] == [
        ("agent", True, 13),
        ("tech", False, 15),
    ]
