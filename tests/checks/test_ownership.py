"""First-contact ownership verdicts on hand-made cases, through the real engine.

Fixture: tests/fixtures/checks/ownership — OWN-001: the first actor owns the case; another
actor may act only after a ``handed_over`` (at the same instant or before). ``--as-of`` is
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

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "ownership"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2025-03-10T00:00:00+08:00")
T = "2025-03-03T"


def verdicts(records: RecordSet = RECORDS, as_of: int = AS_OF) -> dict[tuple[str, str], tuple]:
    result = run_check(records, STANDARDS, as_of=as_of)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "ownership").iter_rows(named=True)
    }


def test_hand_made_ownership_verdicts() -> None:
    moved = "responsibility moved from {} to {} at " + T + "{}+08:00 with no handed_over recorded"
    assert verdicts() == {
        ("OWN-001", "O1"): ("pass", None),
        ("OWN-001", "O2"): ("fail", moved.format("a1", "a2", "11:00:00")),
        ("OWN-001", "O3"): ("pass", None),  # a1 hands over at 10:00, a2 acts at 11:00
        # the hand-over is recorded after a2's act but at the same instant: it precedes it
        ("OWN-001", "O4"): ("pass", None),
        # one hand-over licenses one change: a1 taking the case back needs another
        ("OWN-001", "O5"): ("fail", moved.format("a2", "a1", "12:00:00")),
        ("OWN-001", "O6"): ("not_evaluable", "no owner event of the case records an actor"),
        ("OWN-001", "O7"): ("pass", None),  # a change of group is an assignment, not of owner
    }


def test_export_without_actors_is_not_evaluable() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    assert verdicts(narrow) == {
        ("OWN-001", "N1"): (
            "not_evaluable",
            "the export lacks events.actor, so who is responsible cannot be told",
        ),
    }


def test_as_of_hides_later_changes() -> None:
    assert verdicts(as_of=parse_instant(f"{T}10:30:00+08:00"))[("OWN-001", "O2")] == (
        "pass",
        None,
    )


def test_failure_evidence_names_the_change() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("OWN-001", "O5")]
    assert ev["owner"] == "a1"
    assert ev["changes"] == [
        {"from": "a1", "to": "a2", "row": 13, "handed_over": True},
        {"from": "a2", "to": "a1", "row": 14, "handed_over": False},
    ]


def test_a_colleagues_update_does_not_move_ownership_when_owner_events_are_named(tmp_path: Path) -> None:
    import shutil

    standards = tmp_path / "standards"
    shutil.copytree(FIXTURE / "2025.1", standards / "2025.1")
    rules = standards / "2025.1" / "ownership.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "    handover_events: [handed_over]\n",
            "    handover_events: [handed_over]\n    owner_events: [created, resolved, closed]\n",
        ),
        encoding="utf-8",
    )
    export = tmp_path / "cases.csv"
    export.write_text(
        "case_id,at,event,state,actor,group,role,channel,category,priority,tier,customer,opened_at\n"
        f"U1,{T}09:00:00+08:00,created,new,a1,g1,agent,email,,,,,\n"
        f"U1,{T}10:00:00+08:00,classified,,a9,g1,agent,,,,,,\n"  # a colleague classifies it
        f"U1,{T}11:00:00+08:00,resolved,,a1,g1,agent,,,,,,\n"
        f"U2,{T}09:00:00+08:00,created,new,a1,g1,agent,email,,,,,\n"
        f"U2,{T}11:00:00+08:00,resolved,,a9,g1,agent,,,,,,\n",  # ...but may not resolve it
        encoding="utf-8",
    )
    result = run_check(read_records(export, "svcstd"), load_standards(standards), as_of=AS_OF)
    got = {
        r["case_id"]: (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "ownership").iter_rows(named=True)
    }
    assert got == {
        "U1": ("pass", None),
        "U2": ("fail", f"responsibility moved from a1 to a9 at {T}11:00:00+08:00 with no handed_over recorded"),
    }
