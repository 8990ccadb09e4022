"""``svcstd summary``: what the bundled standards contain, release by release."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from svcstd.cli.base import run
from svcstd.spec import load_standards
from svcstd.spec.model import SECTIONS, Rule


@click.command("summary")
@click.argument("standards", default="standards", type=click.Path())
@run
def command(standards: str) -> int:
    """Print a table of each release: effective date, and how many items each section holds."""
    loaded = load_standards(standards)
    console = Console(highlight=False)
    table = Table(title=f"Standards in {standards}", show_lines=False)
    table.add_column("section")
    for release in loaded.releases:
        table.add_column(f"{release.version}\nfrom {release.meta.effective_from}", justify="right")
    for name in SECTIONS:
        table.add_row(name, *(str(len(getattr(r, name))) for r in loaded.releases))
    table.add_row(
        "[bold]checkable rules[/]",
        *(f"[bold]{sum(1 for _ in r.rules())}[/]" for r in loaded.releases),
    )
    table.add_row(
        "process steps", *(str(sum(len(p.steps) for p in r.processes)) for r in loaded.releases)
    )
    table.add_row(
        "local decisions",
        *(str(sum(1 for _, i in r.items() if i.basis != "handbook")) for r in loaded.releases),
    )
    console.print(table)
    latest = loaded.latest
    console.print(
        f"Latest release {latest.version} ({latest.meta.title}), in force from "
        f"{latest.meta.effective_from}; {sum(isinstance(i, Rule) for _, i in latest.items())} rules."
    )
    return 0
