"""JSON report: the run's facts, per-rule counts, every failure with its evidence.

Pass and not-evaluable verdicts are counted, not listed — per rule, and per rule and reason —
so the document stays proportionate to what an auditor acts on (a year of a large desk has
millions of passes). Failures, waived failures and every KPI verdict are listed in full. The
CSV report lists every verdict.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from svcstd import __version__
from svcstd.checks.compare import Comparison
from svcstd.checks.engine import CheckResult
from svcstd.report import comparison as what_if
from svcstd.report.summary import per_rule, totals
from svcstd.timecalc import iso


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.iter_rows(named=True):
        row = {}
        for key, value in rec.items():
            if hasattr(value, "isoformat"):
                value = value.isoformat().replace("+00:00", "Z")
            row[key] = value
        out.append(row)
    return out


def document(result: CheckResult, comparison: Comparison | None = None) -> dict[str, Any]:
    """The report as plain data (also the basis of other machine-readable reporters).

    With a ``comparison`` (``--compare-release``) the document gains a ``comparison`` section
    (:mod:`svcstd.report.comparison`, ``schema/svcstd-comparison.schema.json``); the rest of
    the document is the run's own report, unchanged.
    """
    doc: dict[str, Any] = {
        "svcstd": __version__,
        "as_of": iso(result.as_of, "UTC").replace("+00:00", "Z"),
        "profile": result.records.profile,
        "files": [
            {"path": f.path, "format": f.format, "encoding": f.encoding, "rows": f.rows}
            for f in result.records.files
        ],
        "cases": result.records.cases.height,
        "export": {
            "lacks": sorted(result.records.lacks),
            "assumptions": dict(sorted(result.records.derived.items())),
        },
        "judged_by": result.judged_by,
        "not_judged": result.unjudged,
        "totals": totals(result),
        "rules": _rows(per_rule(result)),
        "verdicts": _rows(
            result.findings.filter(
                pl.col("outcome").is_in(["fail", "waived"]) | pl.col("case_id").is_null()
            )
        ),
        "not_evaluable": _rows(
            result.findings.filter(pl.col("outcome") == "not_evaluable")
            .group_by("rule_id", "reason")
            .agg(cases=pl.len())
            .sort("rule_id", "reason")
        ),
        "evidence": [
            {"rule_id": rule_id, "case_id": case_id, **ev}
            for (rule_id, case_id), ev in sorted(result.evidence.items())
        ],
        "evidence_cap_per_rule": result.evidence_cap,
    }
    if comparison is not None:
        doc["comparison"] = what_if.document(comparison)
    return doc


def render(
    result: CheckResult, *, site_url: str | None = None, comparison: Comparison | None = None
) -> str:
    """The JSON document (sorted keys, one space indent); ``site_url`` is not used."""
    doc = document(result, comparison)
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
