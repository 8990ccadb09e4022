"""JUnit XML: a ``testsuite`` per rule, so CI systems show svcstd's rules as test suites.

Layout (the Jenkins / GitLab / Azure flavour of JUnit XML that every CI loader accepts):

* ``testsuites`` — the run; ``name="svcstd check"``, totals as attributes.
* ``testsuite name="TL-013"`` per (release, rule) with verdicts; ``properties`` hold the
  release, kind, severity, title and manual path.
* **Failures individually**: one ``testcase classname="TL-013" name="INC0000060"`` with a
  ``failure`` per failing case (or KPI period), message = reason and observed vs target, body =
  the evidence in short (elapsed vs limit, the events with file:row) when it was collected.
  At most :data:`FAILURES_PER_RULE` per rule; beyond that one more failing testcase counts the
  rest, so a million-case export still loads (the CSV / JSON reports list every verdict).
* **Passes aggregated**: one passing testcase ``"17708 passed"`` per rule. A testcase per
  passing case would make CI pages of 10^5 green rows and say nothing more.
* **Not evaluable aggregated per reason**: one ``skipped`` testcase per distinct reason with
  its count (``"24696 not evaluable"``) — they are coverage gaps, not passes.
* **Waived individually**, as ``skipped`` with the waiver, because each one is a decision an
  auditor may want to see (they are few by nature).

``tests`` / ``failures`` / ``skipped`` count testcase elements, as loaders expect, not cases.
No timestamps: the document depends on the result only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import polars as pl

from svcstd.checks.engine import CheckResult
from svcstd.report.escaping import xml_text
from svcstd.report.summary import describe, iter_evidence_events, rules, subject

#: Failing verdicts listed one by one per rule; the rest are counted in one more testcase.
FAILURES_PER_RULE = 1000


def _evidence_text(evidence: dict[str, Any] | None) -> str:
    if not evidence:
        return ""
    lines = []
    if evidence.get("elapsed") is not None and evidence.get("limit") is not None:
        lines.append(f"elapsed {evidence['elapsed']} against a limit of {evidence['limit']}")
    for key in ("started_at", "stopped_at", "archived_at", "deadline", "retention_ends"):
        if evidence.get(key):
            lines.append(f"{key.replace('_', ' ')}: {evidence[key]}")
    for e in iter_evidence_events(evidence):
        what = e.get("event") or e.get("state") or ""
        lines.append(f"{e.get('file')}:{e.get('row')}  {e.get('at', '')}  {what}".rstrip())
    return "\n".join(lines)


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=xml_text(name), time="0")


def render(result: CheckResult, *, site_url: str | None = None) -> str:
    """The JUnit XML document; ``site_url`` is not used (the manual path is a property)."""
    root = ET.Element("testsuites", name="svcstd check")
    verdicts = result.findings  # passes are only counted
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for info in rules(result):
        rid = info.id
        mine = verdicts.filter((pl.col("release") == info.release) & (pl.col("rule_id") == rid))
        suite = ET.SubElement(root, "testsuite", name=rid)
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("release", info.release),
            ("kind", info.kind),
            ("severity", info.severity),
            ("title", info.rule.title),
            ("manual", info.url or ""),
        ):
            ET.SubElement(props, "property", name=key, value=xml_text(value))
        n = {"tests": 0, "failures": 0, "skipped": 0}
        failed = mine.filter(pl.col("outcome") == "fail")
        for row in failed.head(FAILURES_PER_RULE).iter_rows(named=True):
            case = _case(suite, rid, subject(row))
            fail = ET.SubElement(
                case, "failure", message=xml_text(describe(row)), type=info.severity
            )
            found = result.evidence.get((rid, row["case_id"])) if row["case_id"] else None
            fail.text = xml_text(_evidence_text(found))
            n["tests"] += 1
            n["failures"] += 1
        if failed.height > FAILURES_PER_RULE:
            rest = failed.height - FAILURES_PER_RULE
            case = _case(suite, rid, f"{rest} more failures")
            ET.SubElement(
                case,
                "failure",
                type=info.severity,
                message=f"{rest} more failures not listed one by one; see the CSV or JSON report",
            )
            n["tests"] += 1
            n["failures"] += 1
        for row in mine.filter(pl.col("outcome") == "waived").iter_rows(named=True):
            case = _case(suite, rid, subject(row))
            ET.SubElement(case, "skipped", message=xml_text(describe(row)))
            n["tests"] += 1
            n["skipped"] += 1
        if info.counts["pass"]:
            _case(suite, rid, f"{info.counts['pass']} passed")
            n["tests"] += 1
        reasons = (
            mine.filter(pl.col("outcome") == "not_evaluable")
            .group_by(reason=pl.col("reason").fill_null("(no reason given)"))
            .len()
            .sort(["len", "reason"], descending=[True, False])
        )
        for reason, count in reasons.iter_rows():
            case = _case(suite, rid, f"{count} not evaluable: {reason}")
            ET.SubElement(case, "skipped", message=xml_text(f"not evaluable: {reason}"))
            n["tests"] += 1
            n["skipped"] += 1
        for what, count in n.items():
            suite.set(what, str(count))
            totals[what] += count
        suite.set("errors", "0")
        suite.set("time", "0")
    for what, count in totals.items():
        root.set(what, str(count))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
