"""``svcstd generate``: synthetic records that follow (and, on request, break) the standards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from svcstd.cli.base import run
from svcstd.errors import EXIT_OK, Problem, SvcstdError
from svcstd.generate import Options, generate, write
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant


@click.command("generate")
@click.option("--cases", type=click.IntRange(1), required=True, help="Number of cases.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--violations",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of cases with one planted breach.",
)
@click.option("--rules", help="Plant only breaches of these rules (comma-separated ids).")
@click.option(
    "--standards",
    default="standards",
    show_default=True,
    type=click.Path(),
    help="Standards folder.",
)
@click.option("--release", help="Follow this release for every case (default: the one in force).")
@click.option(
    "--start", default="2025-11-03", show_default=True, help="First day cases open (YYYY-MM-DD)."
)
@click.option(
    "--as-of",
    "as_of",
    help="When the export is taken (ISO 8601 with offset); cases open until 60 days before. "
    "Default: --start + 360 days, 00:00 Beijing time.",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False),
    help="Export file: .csv, .csv.gz, .jsonl or .parquet; the manifest goes next to it.",
)
@run
def command(
    cases: int,
    seed: int,
    violations: float,
    rules: str | None,
    standards: str,
    release: str | None,
    start: str,
    as_of: str | None,
    output: str,
) -> int:
    """Write a synthetic export in the svcstd profile format, and a manifest of planted breaches."""
    try:
        start_day = dt.date.fromisoformat(start)
    except ValueError:
        raise SvcstdError(Problem("--start", f"not a date: {start!r}")) from None
    loaded = load_standards(standards)
    if release is not None:
        loaded.get(release)
    wanted = frozenset(r.strip() for r in rules.split(",") if r.strip()) if rules else None
    if wanted is not None:
        known = {r.id for h in loaded.releases for r in h.rules()}
        unknown = sorted(wanted - known)
        if unknown:
            raise SvcstdError(Problem("--rules", f"unknown rule ids: {', '.join(unknown)}"))
    opts = Options(
        cases=cases,
        seed=seed,
        violations=violations,
        rules=wanted,
        release=release,
        start=start_day,
        as_of=parse_instant(as_of) if as_of else None,
    )
    result = generate(loaded, opts)
    manifest = write(result, Path(output))
    click.echo(
        f"{output}: {cases} cases, {result.events.height} events; "
        f"{result.manifest['cases_with_plants']} cases with planted breaches "
        f"({len(result.planted)} (case, rule) pairs) listed in {manifest}"
    )
    return EXIT_OK
