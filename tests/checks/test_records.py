"""Required-field verdicts on hand-made cases, through the real engine.

Fixture: tests/fixtures/checks/record_types — REC-001 every case (customer_name,
contact_details, channel); REC-002 call log (phone cases: recording_ref); REC-003 archive file
(archived cases: service_ticket); REC-004 complaints (customer_name and policy_number, a field
no export here carries); REC-005 feedback (feedback_content and the canonical opened_at).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from svcstd.checks.engine import run_check
from svcstd.records import read_records
from svcstd.records.schema import RecordSet
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "record_types"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
AS_OF = parse_instant("2026-01-01T00:00:00+08:00")


def verdicts(records: RecordSet = RECORDS) -> dict[tuple[str, str], tuple[str, str | None]]:
    result = run_check(records, STANDARDS, as_of=AS_OF)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.filter(pl.col("kind") == "record_types").iter_rows(named=True)
    }


def test_hand_made_required_field_verdicts() -> None:
    assert verdicts() == {
        ("REC-001", "R1"): ("pass", None),
        # null and blanks-only are both empty; the reason names every empty field
        ("REC-001", "R2"): ("fail", "required fields empty: customer_name, contact_details"),
        ("REC-001", "R3"): ("pass", None),
        ("REC-001", "R4"): ("fail", "required fields empty: channel"),  # canonical column
        ("REC-001", "R5"): ("pass", None),
        ("REC-001", "R6"): ("pass", None),
        # call logs: phone cases only; a case with no channel cannot be placed
        ("REC-002", "R2"): ("pass", None),
        ("REC-002", "R3"): ("fail", "required fields empty: recording_ref"),
        ("REC-002", "R4"): ("not_evaluable", "the case has no channel"),
        # archive files exist once archived; R6 is archived only after --as-of
        ("REC-003", "R3"): ("pass", None),
        ("REC-003", "R5"): ("fail", "required fields empty: service_ticket"),
        # a field the export lacks is never taken as filled; an empty one still fails
        ("REC-004", "R2"): (
            "fail",
            "required fields empty: customer_name; the export lacks field policy_number",
        ),
        ("REC-004", "R3"): ("not_evaluable", "the export lacks field policy_number"),
        # feedback records: category feedback; opened_at is the canonical column
        ("REC-005", "R5"): ("pass", None),
        ("REC-005", "R6"): ("fail", "required fields empty: feedback_content, opened_at"),
    }


def test_observed_counts_the_empty_fields() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    v = result.verdicts.filter(pl.col("rule_id") == "REC-001")
    assert dict(v.select("case_id", "observed").iter_rows()) == {
        "R1": 0.0, "R2": 2.0, "R3": 0.0, "R4": 1.0, "R5": 0.0, "R6": 0.0,
    }  # fmt: skip
    assert v.get_column("severity").unique().to_list() == ["error"]


def test_a_narrow_export_makes_record_types_not_evaluable() -> None:
    narrow = read_records(FIXTURE / "narrow.csv", FIXTURE / "narrow-profile.yaml")
    lacks_category = "the export lacks category, which decides whether the rule applies"
    never_archived = "the export never records event archived, which creates the archive record"
    lacks_both = "the export lacks fields customer_name, contact_details"
    assert verdicts(narrow) == {
        ("REC-001", "N1"): ("not_evaluable", lacks_both),
        ("REC-001", "N2"): ("not_evaluable", lacks_both),
        ("REC-002", "N1"): ("not_evaluable", "the export lacks field recording_ref"),
        ("REC-003", "N1"): ("not_evaluable", never_archived),
        ("REC-003", "N2"): ("not_evaluable", never_archived),
        ("REC-004", "N1"): ("not_evaluable", lacks_category),
        ("REC-004", "N2"): ("not_evaluable", lacks_category),
        ("REC-005", "N1"): ("not_evaluable", lacks_category),
        ("REC-005", "N2"): ("not_evaluable", lacks_category),
    }  # fmt: skip


def test_evidence_names_field_status_never_values() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=AS_OF)
    ev = result.evidence[("REC-004", "R2")]
    assert ev == {
        "record": "case",
        "fields": [
            {"name": "customer_name", "title": "Customer name", "column": "attr_customer_name",
             "status": "empty", "sensitive": True},
            {"name": "policy_number", "title": "Policy number", "column": None,
             "status": "not in the export", "sensitive": False},
        ],
    }  # fmt: skip
    assert "Wang Fang" not in str(result.evidence)  # personal data stays out of reports
