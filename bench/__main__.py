"""``python -m bench run|render``: the benchmark suite's command line (see site/benchmarks.md)."""

from __future__ import annotations

import click


def _sizes(text: str) -> list[int]:
    try:
        return [int(float(s)) for s in text.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give sizes like 1e5,1e6,1e7") from None


@click.group()
def cli() -> None:
    """svcstd's benchmark suite (not part of the test run)."""


@cli.command()
@click.option("--sizes", default="1e5,1e6,1e7", show_default=True,
              help="Approximate numbers of events, comma-separated.")
@click.option("--formats", default="csv,parquet", show_default=True)
@click.option("--repeat", default=3, show_default=True, help="Runs per figure (median).")
@click.option("--quick", is_flag=True, help="One run only at 10^7 events and above.")
@click.option("--compare-size", default="1e5", show_default=True,
              help="Size at which DuckDB's verdicts must equal svcstd's, and pm4py's are tabled.")
@click.option("--pm4py-max", default="1e6", show_default=True,
              help="Largest size given to pm4py (its event log lives in pandas).")
@click.option("--dask-max", default="1e6", show_default=True,
              help="Largest Parquet size also checked with --engine dask.")
@click.option("--regenerate", is_flag=True, help="Generate the exports again.")
@click.option("--no-save", is_flag=True, help="Print only; write no results file or page.")
def run(sizes: str, formats: str, repeat: int, quick: bool, compare_size: str, pm4py_max: str,
        dask_max: str, regenerate: bool, no_save: bool) -> None:  # fmt: skip
    """Measure, write bench/results/<date>-<host>.json and render site/benchmarks.md."""
    import json

    from bench import page
    from bench import run as runner

    results = runner.run(
        _sizes(sizes), [f.strip() for f in formats.split(",")], repeat, quick,
        _sizes(compare_size)[0], _sizes(pm4py_max)[0], regenerate, _sizes(dask_max)[0],
    )  # fmt: skip
    if no_save:
        click.echo(json.dumps(results, indent=1, sort_keys=True))
    else:
        click.echo(f"wrote {runner.save(results)} and {page.render()}")
    eq = results.get("equality")
    if eq and eq["mismatches"]:
        raise SystemExit(f"DuckDB SQL and svcstd disagree on {eq['mismatches']} verdicts")


@cli.command()
def render() -> None:
    """Render site/benchmarks.md from bench/results/*.json."""
    from bench import page

    click.echo(f"wrote {page.render()}")


if __name__ == "__main__":
    cli()
