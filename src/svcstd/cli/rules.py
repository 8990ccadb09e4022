"""``svcstd rules``: every rule of a release with its metadata, for people and for tools."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from svcstd.cli.base import run
from svcstd.spec import load_standards
from svcstd.spec.model import Handbook, Item, Rule


def rule_record(section: str, item: Item) -> dict[str, Any]:
    """The metadata of one item as plain data (no locations)."""
    data = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    where = item.where()
    return {
        "section": section,
        **data,
        "file": where.file if where else None,
        "line": where.line if where else None,
    }


def rules_of(release: Handbook, everything: bool) -> list[dict[str, Any]]:
    return [
        rule_record(section, item)
        for section, item in release.items()
        if everything or isinstance(item, Rule)
    ]


@click.command("rules")
@click.argument("standards", default="standards", type=click.Path())
@click.option("--release", help="Release version (default: the latest).")
@click.option("--all", "everything", is_flag=True, help="Include roles, calendars and vocabulary.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@run
def command(standards: str, release: str | None, everything: bool, fmt: str) -> int:
    """List the rules of a release: id, kind, severity, basis, title and source."""
    loaded = load_standards(standards)
    handbook = loaded.get(release) if release else loaded.latest
    records = rules_of(handbook, everything)
    if fmt == "json":
        out = {
            "release": handbook.version,
            "effective_from": str(handbook.meta.effective_from),
            "rules": records,
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True))
        return 0
    table = Table(title=f"{handbook.version}: {len(records)} items")
    for col in ("id", "section", "severity", "basis", "title", "source"):
        table.add_column(col)
    for r in records:
        sources = "; ".join(f"{s['document']} §{s['section']}" for s in r.get("source", []))
        table.add_row(
            r["id"],
            r["section"],
            r.get("severity", ""),
            r["basis"],
            escape(r["title"]),
            escape(sources),
        )
    Console(highlight=False).print(table)
    return 0
