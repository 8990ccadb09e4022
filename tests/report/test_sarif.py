"""SARIF 2.1.0 structure: real rule ids, results that point into the export."""

from __future__ import annotations

import json
from typing import Any

import pytest

from svcstd.checks.engine import CheckResult
from svcstd.report import sarif


@pytest.fixture(scope="module")
def log(result: CheckResult) -> dict[str, Any]:
    return json.loads(sarif.render(result))


def test_structure(log: dict[str, Any], result: CheckResult) -> None:
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == ["KPI-001", "REC-001", "TL-001", "TL-002"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        assert "helpUri" not in rule  # relative paths are not URIs; see test_site_url
        assert rule["properties"]["manualPath"].startswith("releases/2025.1/")
    failing = result.verdicts.filter(result.verdicts["outcome"].is_in(["fail", "waived"]))
    assert len(run["results"]) == failing.height
    for res in run["results"]:
        assert res["ruleId"] in ids
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in {"error", "warning", "note"}
        assert res["message"]["text"]
        assert res["locations"][0]["logicalLocations"][0]["name"]


def test_locations_and_levels(log: dict[str, Any]) -> None:
    results = log["runs"][0]["results"]
    by = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r for r in results}
    e3 = by[("TL-001", "case E3")]
    physical = e3["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "tests/fixtures/report/cases.csv"
    assert physical["region"]["startLine"] == 6  # data row 5 + the header line
    assert by[("TL-002", "case P3")]["level"] == "warning"
    assert by[("REC-001", "case E3")]["level"] == "note"
    kpi = by[("KPI-001", "2025-02")]
    assert "physicalLocation" not in kpi["locations"][0]
    waived = by[("TL-001", "case E2")]
    assert waived["suppressions"][0]["kind"] == "external"
    assert "Mail server outage" in waived["suppressions"][0]["justification"]


def test_site_url(result: CheckResult) -> None:
    log = json.loads(sarif.render(result, site_url="https://handbook.example.org/svc"))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert (
        rules[2]["helpUri"]
        == "https://handbook.example.org/svc/releases/2025.1/time-limits/#tl-001"
    )
