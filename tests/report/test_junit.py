"""JUnit XML: a suite per rule, failures one by one, passes and not-evaluable aggregated."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from svcstd.checks.engine import CheckResult
from svcstd.report import junit


def test_suites_and_counts(result: CheckResult) -> None:
    root = ET.fromstring(junit.render(result))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["KPI-001", "REC-001", "TL-001", "TL-002"]
    tl1 = suites["TL-001"]
    names = [c.get("name") for c in tl1.iter("testcase")]
    assert names == ["case <script>alert(1)</script>", "case E3", "case E2", "3 passed"]
    assert {c.get("classname") for c in tl1.iter("testcase")} == {"TL-001"}
    assert (tl1.get("tests"), tl1.get("failures"), tl1.get("skipped")) == ("4", "2", "1")
    for suite in suites.values():
        cases = list(suite.iter("testcase"))
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(
            1 for c in cases if c.find("failure") is not None
        )
    assert int(root.get("tests", "")) == sum(int(s.get("tests", "")) for s in suites.values())


def test_failures_beyond_the_cap_are_counted(
    result: CheckResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(junit, "FAILURES_PER_RULE", 1)
    root = ET.fromstring(junit.render(result))
    tl1 = next(s for s in root.iter("testsuite") if s.get("name") == "TL-001")
    names = [c.get("name") for c in tl1.iter("testcase")]
    assert names[:2] == ["case <script>alert(1)</script>", "1 more failures"]
