"""``svcstd schema``: the JSON Schema of a spec file, for editors and CI."""

from __future__ import annotations

import click

from svcstd.cli.base import run
from svcstd.errors import EXIT_FINDINGS, Problem, SvcstdError
from svcstd.spec.schema import render, spec_schema, waiver_schema


@click.command("schema")
@click.option("--waivers", is_flag=True, help="Print the schema of a waivers file instead.")
@click.option(
    "--comparison",
    is_flag=True,
    help="Print the schema of the JSON check report's 'comparison' section (--compare-release).",
)
@click.option(
    "--check",
    "check_path",
    type=click.Path(dir_okay=False),
    help="Exit 1 if this committed schema file differs from the model (CI drift check).",
)
@run
def command(waivers: bool, comparison: bool, check_path: str | None) -> int:
    """Print the JSON Schema that every standards YAML file validates against."""
    if comparison:
        from svcstd.report.comparison import json_schema

        text = json_schema()
    else:
        text = render(waiver_schema() if waivers else spec_schema())
    if check_path:
        try:
            with open(check_path, encoding="utf-8") as fh:
                committed = fh.read()
        except OSError as exc:
            raise SvcstdError(Problem(check_path, f"cannot read: {exc.strerror}")) from None
        if committed != text:
            click.echo(
                f"{check_path}: out of date; regenerate with: svcstd schema > {check_path}",
                err=True,
            )
            return EXIT_FINDINGS
        return 0
    click.echo(text, nl=False)
    return 0
