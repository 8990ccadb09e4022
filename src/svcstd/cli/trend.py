"""``svcstd trend``: compliance per rule over the runs recorded with ``check --history``.

One row per (release, rule), one column per run, oldest first. A cell is the rule's pass rate
in that run (``pass / (pass + fail + waived)``, see :mod:`svcstd.history`) with an arrow
against the rule's rate in the previous shown run *of the same scope* (the runs the
regression gate compares): ``↑`` up, ``↓`` down, ``=`` unchanged. ``-`` means the rule was
checked but nothing was evaluated; an empty cell, that the run did not check the rule.

Output depends only on the history's content: the wall-clock time of recording is not shown.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from svcstd.cli.base import run
from svcstd.errors import EXIT_OK, Problem, SvcstdError
from svcstd.history import EPSILON, RuleResult, Run, load_runs

ARROWS = {"up": "↑", "down": "↓", "same": "="}


@dataclass(frozen=True)
class Cell:
    """One rule in one run: counts, pass rate, and the change against the previous run."""

    run: Run
    release: str
    rule_id: str
    change: str | None  # up, down, same; None when there is nothing to compare with

    @property
    def result(self) -> RuleResult | None:
        return self.run.rules.get((self.release, self.rule_id))


def cells(runs: list[Run], keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[Cell]]:
    """Per rule, one cell per run with the change against the same scope's previous rate."""
    out: dict[tuple[str, str], list[Cell]] = {}
    for key in keys:
        previous: dict[str, float] = {}
        row = []
        for r in runs:
            res = r.rules.get(key)
            rate = res.pass_rate if res is not None else None
            change = None
            if rate is not None:
                before = previous.get(r.scope)
                if before is not None:
                    diff = rate - before
                    change = "up" if diff > EPSILON else "down" if diff < -EPSILON else "same"
                previous[r.scope] = rate
            row.append(Cell(r, key[0], key[1], change))
        out[key] = row
    return out


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def render_text(path: str, runs: list[Run], table: dict[tuple[str, str], list[Cell]]) -> str:
    buffer = io.StringIO()
    width = 40 + 14 * len(runs) + max([len(r.scope) for r in runs] + [0]) + 80
    console = Console(file=buffer, width=width, highlight=False, color_system=None, soft_wrap=True)

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    say(
        f"svcstd trend: {len(runs)} run{'s' * (len(runs) != 1)} in {path}; "
        "pass rate = pass / (pass + fail + waived)"
    )
    for r in runs:
        files = ", ".join(e.path for e in r.exports) or "(no files)"
        gate = ""
        if r.compared_with is not None:
            gate = f"; {r.regressions} rules lower than #{r.compared_with}"
            if r.gated:
                gate += " (gated)"
        say(
            f"#{r.run_id}  as of {r.as_of}  {r.scope}  releases {', '.join(r.releases)}  "
            f"exports {files}  exit {r.exit_code}{gate}"
        )
    grid = Table(show_edge=False, pad_edge=False)
    grid.add_column("release")
    grid.add_column("rule")
    for r in runs:
        grid.add_column(f"#{r.run_id}", justify="right")
    for (release, rule_id), row in table.items():
        shown = []
        for c in row:
            res = c.result
            if res is None:
                shown.append("")
                continue
            arrow = f" {ARROWS[c.change]}" if c.change else "  "
            shown.append(_rate(res.pass_rate) + arrow)
        grid.add_row(escape(release), escape(rule_id), *shown)
    console.print(grid)
    return buffer.getvalue()


def _record(c: Cell) -> dict[str, Any]:
    res = c.result
    assert res is not None  # callers skip runs that did not check the rule
    return {
        "run_id": c.run.run_id,
        "pass": res.passed,
        "fail": res.failed,
        "waived": res.waived,
        "not_evaluable": res.not_evaluable,
        "not_applicable": res.not_applicable,
        "pass_rate": res.pass_rate,
        "change": c.change,
    }


def render_json(path: str, runs: list[Run], table: dict[tuple[str, str], list[Cell]]) -> str:
    doc = {
        "history": path,
        "pass_rate": "pass / (pass + fail + waived)",
        "runs": [
            {
                "run_id": r.run_id,
                "as_of": r.as_of,
                "scope": r.scope,
                "profile": r.profile,
                "releases": list(r.releases),
                "standards_sha256": r.standards_sha256,
                "exports": [
                    {"path": e.path, "sha256": e.sha256, "bytes": e.size} for e in r.exports
                ],
                "compared_with": r.compared_with,
                "regressions": r.regressions,
                "gated": r.gated,
                "exit_code": r.exit_code,
            }
            for r in runs
        ],
        "rules": [
            {
                "release": release,
                "rule_id": rule_id,
                "kind": next(c.result.kind for c in row if c.result is not None),
                "runs": [_record(c) for c in row if c.result is not None],
                "kpi_values": [
                    {
                        "run_id": r.run_id,
                        "period": k.period,
                        "group": k.group or None,
                        "outcome": k.outcome,
                        "value": k.value,
                        "target": k.target,
                    }
                    for r in runs
                    for k in r.kpis
                    if (k.release, k.rule_id) == (release, rule_id)
                ],
            }
            for (release, rule_id), row in table.items()
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("run_id", "as_of", "scope", "release", "rule_id", "kind", "pass", "fail",
               "waived", "not_evaluable", "not_applicable", "pass_rate", "change")  # fmt: skip


def render_csv(path: str, runs: list[Run], table: dict[tuple[str, str], list[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in table.values():
        for c in row:
            if c.result is None:
                continue
            rec = _record(c)
            rate = rec["pass_rate"]
            writer.writerow(
                [c.run.run_id, c.run.as_of, c.run.scope, c.release, c.rule_id, c.result.kind]
                + [rec[k] if rec[k] is not None else "" for k in CSV_COLUMNS[6:11]]
                + ["" if rate is None else repr(rate), c.change or ""]
            )
    return buffer.getvalue()


FORMATS = {"text": render_text, "json": render_json, "csv": render_csv}


@click.command("trend")
@click.option(
    "--history",
    required=True,
    type=click.Path(),
    help="The SQLite history that `svcstd check --history` records into.",
)
@click.option("--rule", "rule_id", help="Show only this rule id (in every release).")
@click.option("--last", type=click.IntRange(1), help="Show only the last N recorded runs.")
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True
)
@run
def command(history: str, rule_id: str | None, last: int | None, fmt: str) -> int:
    """Compliance per rule over the recorded runs: pass rate per run, with arrows for change."""
    runs = load_runs(history, last=last)
    if not runs:
        click.echo(f"svcstd trend: no runs recorded in {history}", err=True)
        return EXIT_OK
    keys = sorted({k for r in runs for k in r.rules})
    if rule_id is not None:
        keys = [k for k in keys if k[1] == rule_id]
        if not keys:
            raise SvcstdError(Problem(history, f"no rule {rule_id!r} in the runs shown"))
    click.echo(FORMATS[fmt](history, runs, cells(runs, keys)), nl=False)
    return EXIT_OK
