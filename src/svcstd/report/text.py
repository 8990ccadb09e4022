"""Terminal summary: one line per rule with its outcome counts, the run's totals, and why rules
could not be evaluated.

The not-evaluable reasons are what an auditor reads first on a real export: a rule with no
verdict but ``not_evaluable`` usually means the export lacks an event or a field, not that the
desk complies. They are shown per rule, most frequent first, with counts that add up.

No progress output: the report is rendered after the run, and progress belongs to the CLI.
Everything that came from records or specs is printed with Rich markup switched off (or
escaped inside tables), so a ``[bold]`` in a title stays text.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from svcstd.checks.compare import Comparison
from svcstd.checks.engine import CheckResult
from svcstd.report import comparison as what_if
from svcstd.report.summary import per_rule, top_reasons, totals
from svcstd.timecalc import iso

#: Not-evaluable reasons shown per rule (the rest are counted on one line).
REASONS_PER_RULE = 3


def render(
    result: CheckResult,
    *,
    width: int = 120,
    site_url: str | None = None,
    comparison: Comparison | None = None,
) -> str:
    """The summary as plain text ``width`` columns wide (``site_url`` is not used).

    With a ``comparison`` (``--compare-release``) the what-if section follows the summary.
    """
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, highlight=False, color_system=None, soft_wrap=False)

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    files = ", ".join(f.path for f in result.records.files)
    say(
        f"svcstd check: {result.records.cases.height} cases from {files} "
        f"(profile {result.records.profile})"
    )
    say(
        f"as of {iso(result.as_of, 'UTC')}; judged by "
        + ", ".join(f"{v} ({n} cases)" for v, n in result.judged_by.items())
    )
    if result.unjudged:
        say(
            f"not judged: {result.unjudged} cases opened before the first release took effect "
            "(use --release)"
        )
    table = Table(show_edge=False, pad_edge=False)
    for col, justify in (
        ("rule", "left"),
        ("title", "left"),
        ("pass", "right"),
        ("fail", "right"),
        ("waived", "right"),
        ("n/e", "right"),
        ("breach", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in per_rule(result).iter_rows(named=True):
        rule = result.rule(row["release"], row["rule_id"])
        rate = "" if row["breach_rate"] is None else f"{row['breach_rate']:.1%}"
        table.add_row(
            row["rule_id"],
            escape(rule.title[:48]),
            str(row["pass"]),
            str(row["fail"]),
            str(row["waived"]),
            str(row["not_evaluable"]),
            rate,
        )
    console.print(table)
    t = totals(result)
    say(
        f"{t['pass']} pass, {t['fail']} fail, {t['waived']} waived, "
        f"{t['not_evaluable']} not evaluable"
    )
    reasons = top_reasons(result, REASONS_PER_RULE)
    if reasons:
        say("")
        say("Not evaluable, by reason:")
        why = Table(show_edge=False, pad_edge=False, show_header=False, box=None)
        why.add_column("rule", no_wrap=True)
        why.add_column("n", justify="right", no_wrap=True)
        why.add_column("reason", overflow="fold")
        multi = len(result.judged_by) > 1
        for (release, rule_id), rows in reasons.items():
            label = f"{rule_id} ({release})" if multi else rule_id
            for i, (reason, count) in enumerate(rows):
                why.add_row(label if i == 0 else "", str(count), escape(reason))
        console.print(why)
    if comparison is not None:
        _comparison(console, comparison)
    # Rich pads table cells to the column width; trailing blanks only make diffs noisy.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _comparison(console: Console, comparison: Comparison) -> None:
    """The what-if section: per-rule deltas, the cases that flip, rules and KPIs that differ."""

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    say("")
    say(what_if.heading(comparison))
    say(what_if.totals_line(comparison))
    table = Table(show_edge=False, pad_edge=False)
    for col, justify in (
        ("rule", "left"),
        ("in", "left"),
        ("pass", "right"),
        ("fail", "right"),
        ("n/e", "right"),
        ("+fail", "right"),
        ("+pass", "right"),
        ("still", "right"),
        ("other changes", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in what_if.rule_rows(comparison, changed_only=True):
        table.add_row(
            row.rule_id,
            row.present,
            row.passes,
            row.fails,
            row.not_evaluable,
            row.newly_fail,
            row.newly_pass,
            row.still_fail,
            row.other,
        )
    if any(d.changed for d in comparison.rules):
        console.print(table)
    if same := what_if.rules_same(comparison):
        say(f"{same} rules give every case the same verdict under both releases.")
    new = comparison.new_label
    for change, title in (
        ("newly_fail", f"Newly failing under {new} (were passing or not evaluable):"),
        ("newly_pass", f"Newly passing under {new} (were failing):"),
    ):
        lists = what_if.case_lists(comparison, change)
        if lists:
            say("")
            say(title)
            for rule_id, total, ids in lists:
                say(f"  {rule_id} ({total}): {ids}")
    for side, rules in (
        (comparison.old_release, comparison.only_old),
        (new, comparison.only_new),
    ):
        if rules:
            say("")
            say(f"Rules only in {side}:")
            for d in rules:
                counts = d.old_counts if d.present == "old" else d.new_counts
                tally = ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in counts.items() if n)
                say(f"  {d.rule_id} {d.title}: {tally or 'no verdicts'}")
    kpis = what_if.kpi_rows(comparison)
    if kpis or comparison.kpis:
        say("")
        same = what_if.kpi_same(comparison)
        say(
            f"KPIs before ({comparison.old_release}) and after ({new}): {len(kpis)} periods "
            f"differ, {same} are the same"
        )
        rows = Table(show_edge=False, pad_edge=False, show_header=False, box=None)
        for _ in range(6):
            rows.add_column(no_wrap=True)
        for k in kpis:
            rows.add_row(
                k.rule_id,
                escape(k.where),
                escape(f"{k.old_value or '—'} (target {k.old_target or '—'}) {k.old_outcome}"),
                "→",
                escape(f"{k.new_value or '—'} (target {k.new_target or '—'}) {k.new_outcome}"),
                k.change,
            )
        console.print(rows)
