"""``svcstd lint``: consistency findings over the standards, with file:line, for people and CI.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 the standards
could not be loaded (one ``file:line:col: message`` line per problem) or bad arguments.
"""

from __future__ import annotations

from pathlib import Path

import click

from svcstd.cli.base import run
from svcstd.errors import EXIT_FINDINGS, EXIT_OK, Problem, SvcstdError
from svcstd.io import write_atomically
from svcstd.lint import RULES, SEVERITIES, at_least, lint
from svcstd.lint.report import REPORTERS, LintReport, render_rules
from svcstd.spec import load_standards


@click.command("lint")
@click.argument("standards", default="standards", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Report format (with --list-rules: text or json).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is this severe or more.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here instead of stdout.",
)
@click.option("--list-rules", is_flag=True, help="Print every lint rule's metadata and exit.")
@run
def command(standards: str, fmt: str, fail_on: str, output: Path | None, list_rules: bool) -> int:
    """Check the standards for schema errors, broken references and contradictions."""
    if list_rules:
        if fmt == "sarif":
            raise SvcstdError(Problem("svcstd lint", "--list-rules prints text or json, not sarif"))
        text = render_rules(list(RULES.values()), fmt)
        code = EXIT_OK
    else:
        loaded = load_standards(standards)
        findings = lint(loaded)
        report = LintReport(
            standards=standards,
            releases=tuple(r.version for r in loaded.releases),
            rules=tuple(RULES.values()),
            findings=tuple(findings),
        )
        text = REPORTERS[fmt]().render(report)
        failing = any(at_least(f.severity, fail_on) for f in findings)  # type: ignore[arg-type]
        code = EXIT_FINDINGS if failing else EXIT_OK
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)
        click.echo(f"wrote {output}", err=True)
    return code
