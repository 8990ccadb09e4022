"""The JSON report lists what an auditor acts on and counts the rest, exactly."""

from __future__ import annotations

import json

from svcstd.checks.engine import CheckResult
from svcstd.report import json_report
from svcstd.report.summary import totals


def test_failures_and_kpis_listed_passes_and_not_evaluable_counted(result: CheckResult) -> None:
    doc = json.loads(json_report.render(result))
    listed = {(v["rule_id"], v["case_id"], v["outcome"]) for v in doc["verdicts"]}
    expected = {
        (r["rule_id"], r["case_id"], r["outcome"])
        for r in result.verdicts.iter_rows(named=True)
        if r["outcome"] in ("fail", "waived") or r["case_id"] is None
    }
    assert listed == expected and listed
    assert all(v["outcome"] != "pass" or v["case_id"] is None for v in doc["verdicts"])
    t = totals(result)
    assert doc["totals"] == t
    assert sum(g["cases"] for g in doc["not_evaluable"]) == t["not_evaluable"]
    assert sum(r["pass"] for r in doc["rules"]) == t["pass"]
    assert all(set(g) == {"rule_id", "reason", "cases"} for g in doc["not_evaluable"])


def test_export_gaps_and_profile_assumptions_are_stated(result: CheckResult) -> None:
    doc = json.loads(json_report.render(result))
    assert doc["export"]["lacks"] == sorted(result.records.lacks)
    assert doc["export"]["assumptions"] == dict(sorted(result.records.derived.items()))
