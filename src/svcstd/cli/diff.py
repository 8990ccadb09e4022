"""``svcstd diff OLD NEW``: what changed between two releases."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from svcstd.cli.base import run
from svcstd.spec import load_release, load_standards
from svcstd.spec.diff import diff_releases
from svcstd.spec.model import Handbook


def _resolve(ref: str, standards: str) -> Handbook:
    """A release folder path, or a version looked up under ``--standards``."""
    if Path(ref).is_dir():
        return load_release(ref)
    return load_standards(standards).get(ref)


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 100 else text[:97] + "..."


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--standards",
    default="standards",
    show_default=True,
    help="Where to find releases named by version.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@run
def command(old: str, new: str, standards: str, fmt: str) -> int:
    """Show what changed between two releases (folders, or versions under --standards)."""
    result = diff_releases(_resolve(old, standards), _resolve(new, standards))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, sort_keys=True))
        return 0
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"{result.old} → {result.new}: {len(result.changes)} items changed")
    for change in result.changes:
        mark = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
        console.print(f"{mark} {change.section}/{change.id}  {escape(change.title)}")
        for f in change.fields:
            console.print(f"    {f.path}: {escape(_short(f.old))} → {escape(_short(f.new))}")
    return 0
