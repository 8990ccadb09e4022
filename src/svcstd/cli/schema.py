"""``svcstd schema``: the JSON Schema of a spec file, for editors and CI."""

from __future__ import annotations

import json

import click

from svcstd.cli.main import run
from svcstd.spec.schema import spec_schema, waiver_schema


@click.command("schema")
@click.option("--waivers", is_flag=True, help="Print the schema of a waivers file instead.")
@run
def command(waivers: bool) -> int:
    """Print the JSON Schema that every standards YAML file validates against."""
    schema = waiver_schema() if waivers else spec_schema()
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True))
    return 0
