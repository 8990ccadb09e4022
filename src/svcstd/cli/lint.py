"""``svcstd lint`` — placeholder until the lint package lands (schema errors already exit 2)."""

from __future__ import annotations

import click

from svcstd.cli.main import run
from svcstd.spec import load_standards


@click.command("lint")
@click.argument("standards", default="standards", type=click.Path())
@run
def command(standards: str) -> int:
    """Check the standards for schema errors and contradictions."""
    load_standards(standards)
    return 0
