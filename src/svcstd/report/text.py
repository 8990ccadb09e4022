"""Terminal summary: one line per rule with its outcome counts, then the run's totals."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from svcstd.checks.engine import CheckResult
from svcstd.report.summary import per_rule, totals
from svcstd.timecalc import iso


def render(result: CheckResult, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, highlight=False, color_system=None, soft_wrap=False)
    files = ", ".join(f.path for f in result.records.files)
    console.print(f"svcstd check: {result.records.cases.height} cases from {files} (profile {result.records.profile})")
    console.print(f"as of {iso(result.as_of, 'UTC')}; judged by " + ", ".join(f"{v} ({n} cases)" for v, n in result.judged_by.items()))
    if result.unjudged:
        console.print(f"not judged: {result.unjudged} cases opened before the first release took effect (use --release)")
    table = Table(show_edge=False, pad_edge=False)
    for col, justify in (("rule", "left"), ("title", "left"), ("pass", "right"), ("fail", "right"),
                         ("waived", "right"), ("n/e", "right"), ("breach", "right")):  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in per_rule(result).iter_rows(named=True):
        rule = result.rule(row["release"], row["rule_id"])
        rate = "" if row["breach_rate"] is None else f"{row['breach_rate']:.1%}"
        table.add_row(row["rule_id"], escape(rule.title[:48]), str(row["pass"]), str(row["fail"]),
                      str(row["waived"]), str(row["not_evaluable"]), rate)  # fmt: skip
    console.print(table)
    t = totals(result)
    console.print(f"{t['pass']} pass, {t['fail']} fail, {t['waived']} waived, {t['not_evaluable']} not evaluable")
    return buffer.getvalue()
