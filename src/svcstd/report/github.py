"""GitHub Actions workflow commands: an annotation per failure, capped, then a count.

``::error file=cases.csv,line=22,title=TL-013::case INC0000060: stopped after the deadline …``
— ``error`` / ``warning`` / ``notice`` from the rule's severity; file and line from the
evidence's first event (else the case's first row in the export; no ``file`` when unknown).

GitHub shows at most 10 error and 10 warning annotations per step (50 per job) and drops the
rest, so more would only slow the log: :data:`PER_LEVEL` annotations per level are written,
chosen round-robin over the rules (the first failure of every rule before the second of any),
so one noisy rule cannot hide the others. A final ``::notice`` counts all failures and how many
were not annotated. Waived failures are not annotated (they are accepted), only counted.
Messages and properties are percent-encoded as the runner requires.
"""

from __future__ import annotations

import polars as pl

from svcstd.checks.engine import CheckResult
from svcstd.report.escaping import gh_data, gh_property
from svcstd.report.summary import describe, failures, locations, totals

#: Annotations written per level (GitHub displays 10 per level and step).
PER_LEVEL = 10
_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def render(result: CheckResult, *, site_url: str | None = None) -> str:
    """Workflow commands, one per line; ``site_url`` is not used."""
    failing = failures(result, waived=False).with_columns(
        _nth=pl.int_range(pl.len()).over("release", "rule_id")
    )
    # Round-robin over rules: rank within the rule first, then the usual verdict order.
    failing = failing.sort(
        ["_nth", "rule_id", "release", "case_id", "period", "group"], nulls_last=False
    )
    written = {level: 0 for level in _COMMAND.values()}
    chosen = []
    for row in failing.iter_rows(named=True):
        level = _COMMAND.get(row["severity"], "warning")
        if written[level] < PER_LEVEL:
            written[level] += 1
            chosen.append((level, row))
    where = locations(
        result,
        pl.DataFrame([r for _, r in chosen], schema=failing.schema) if chosen else failing.head(0),
    )
    lines = []
    for level, row in chosen:
        props = []
        loc = where.get((row["rule_id"], row["case_id"]))
        if loc is not None:
            props.append(f"file={gh_property(loc.file)}")
            if loc.line is not None:
                props.append(f"line={loc.line}")
        props.append(f"title={gh_property(row['rule_id'])}")
        lines.append(f"::{level} {','.join(props)}::{gh_data(describe(row))}")
    t = totals(result)
    shown = len(chosen)
    summary = (
        f"svcstd check: {t['fail']} failures, {t['waived']} waived, {t['pass']} passed, "
        f"{t['not_evaluable']} not evaluable; {shown} annotated"
    )
    if t["fail"] > shown:
        summary += f", {t['fail'] - shown} more in the full report"
    lines.append(f"::notice title=svcstd::{gh_data(summary)}")
    return "\n".join(lines) + "\n"
