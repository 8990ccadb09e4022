"""SARIF 2.1.0 for code-scanning UIs (GitHub code scanning, VS Code SARIF viewer, DefectDojo).

Same conventions as the lint report (:class:`svcstd.lint.report.SarifReporter`): the SARIF level
of a severity, relative artifact URIs, sorted keys. Specific to record checks:

* ``tool.driver.rules`` lists every rule that has verdicts, with its real id, slug as ``name``,
  title and statement as short and full description, severity as default level, release and
  kind as properties. A rule judged under several releases appears once, described by the
  newest of them (SARIF rule ids must be unique); each result names its own release.
* ``helpUri`` must be an *absolute* URI (SARIF §3.49.12), so it is set only when the site's
  address is known (``--site-url``); the manual path (``releases/2025.1/...#tl-003``) is
  always in ``properties.manualPath`` and the help text.
* One result per failing verdict; a waived failure is a result with a ``suppressions`` entry
  carrying the waiver (code-scanning UIs show it as dismissed, with the justification).
* Location: the export file and row of the evidence's first event (``region.startLine`` is
  the text line: data row + 1 for the CSV header), else the case's first row in the export;
  always a logical location naming the case (or the KPI period and group).
* ``partialFingerprints`` are the rule and case, so re-runs on a grown export match up.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from svcstd import __version__
from svcstd.checks.engine import CheckResult
from svcstd.lint.report import _SARIF_LEVEL as SARIF_LEVEL
from svcstd.lint.report import artifact_uri
from svcstd.report.summary import Location, RuleInfo, describe, failures, locations, rules, subject
from svcstd.timecalc import iso


def absolute(url: str | None, site_url: str | None) -> str | None:
    """The manual link as an absolute URL under ``site_url`` (None without a site URL)."""
    if not url or not site_url:
        return None
    return urljoin(site_url.rstrip("/") + "/", url)


def _rule(info: RuleInfo, site_url: str | None) -> dict[str, Any]:
    rule = info.rule
    help_lines = [rule.statement or rule.title]
    if rule.source:
        help_lines.append("Source: " + "; ".join(str(s) for s in rule.source))
    if info.url:
        help_lines.append(f"Manual: {absolute(info.url, site_url) or info.url}")
    out: dict[str, Any] = {
        "id": rule.id,
        "name": rule.slug or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.statement or rule.title},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": SARIF_LEVEL.get(info.severity, "warning")},
        "properties": {
            "release": info.release,
            "kind": info.kind,
            "manualPath": info.url,
            "tags": [info.kind],
        },
    }
    if help_uri := absolute(info.url, site_url):
        out["helpUri"] = help_uri
    return out


def _location(where: Location | None, row: dict[str, Any]) -> dict[str, Any]:
    logical = {"name": subject(row), "kind": "object"}
    loc: dict[str, Any] = {"logicalLocations": [logical]}
    if where is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(where.file)}}
        if where.line is not None:
            physical["region"] = {"startLine": where.line}
        loc["physicalLocation"] = physical
        loc["message"] = {"text": f"data row {where.row} of {where.file}"}
    return loc


def document(result: CheckResult, site_url: str | None = None) -> dict[str, Any]:
    """The SARIF log as plain data."""
    newest: dict[str, RuleInfo] = {}
    order = {r.version: i for i, r in enumerate(result.standards.releases)}
    for info in sorted(rules(result), key=lambda i: (order.get(i.release, -1), i.id)):
        newest[info.id] = info  # later releases overwrite earlier ones
    ids = sorted(newest)
    index = {rid: i for i, rid in enumerate(ids)}
    failing = failures(result)
    where = locations(result, failing)
    results = []
    for row in failing.iter_rows(named=True):
        key = row["case_id"] if row["case_id"] is not None else subject(row)
        res: dict[str, Any] = {
            "ruleId": row["rule_id"],
            "ruleIndex": index[row["rule_id"]],
            "level": SARIF_LEVEL.get(row["severity"], "warning"),
            "message": {"text": f"{row['rule_id']} {describe(row)}"},
            "locations": [_location(where.get((row["rule_id"], row["case_id"])), row)],
            "partialFingerprints": {"svcstdVerdict/v1": f"{row['rule_id']}|{key}"},
            "properties": {"release": row["release"], "kind": row["kind"]},
        }
        if row["outcome"] == "waived":
            res["suppressions"] = [{"kind": "external", "justification": row["waiver"] or ""}]
        results.append(res)
    driver: dict[str, Any] = {
        "name": "svcstd",
        "version": __version__,
        "rules": [_rule(newest[rid], site_url) for rid in ids],
    }
    if site_url:
        driver["informationUri"] = site_url
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "asOf": iso(result.as_of, "UTC").replace("+00:00", "Z"),
                    "profile": result.records.profile,
                    "cases": result.records.cases.height,
                },
                "results": results,
            }
        ],
    }


def render(result: CheckResult, *, site_url: str | None = None) -> str:
    """The SARIF log as JSON text (sorted keys, so re-runs diff cleanly)."""
    return (
        json.dumps(document(result, site_url), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
