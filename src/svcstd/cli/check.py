"""``svcstd check``: audit exported records against the standards in force."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from svcstd.checks.compare import Comparison, replay
from svcstd.checks.engine import EVIDENCE_CAP, CheckResult, Plan, run_check
from svcstd.cli.base import run
from svcstd.engines import ENGINES
from svcstd.engines.local import check_files
from svcstd.errors import EXIT_FINDINGS, EXIT_OK, Problem, SvcstdError
from svcstd.history import record_check
from svcstd.history import validate as validate_history
from svcstd.io import write_atomically
from svcstd.records import read_records
from svcstd.records.partitioned import parts_for, read_records_partitioned
from svcstd.report import COMPARING, REPORTERS, STREAMING
from svcstd.spec import load_standards
from svcstd.spec.loader import validate_file
from svcstd.spec.model import WaiverFile
from svcstd.timecalc import parse_instant

LEVELS = {"info": 0, "warning": 1, "error": 2}


def failing_at(verdicts: pl.DataFrame, fail_on: str) -> int:
    """Failures (not waived) whose severity is at or above ``fail_on``."""
    if fail_on == "never":
        return 0
    wanted = [s for s, rank in LEVELS.items() if rank >= LEVELS[fail_on]]
    return verdicts.filter((pl.col("outcome") == "fail") & pl.col("severity").is_in(wanted)).height


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr when it is a terminal; silent otherwise (CI logs, pipes)."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda step, done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("checking", total=1)

        def tell(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield tell


def _database(
    records: tuple[str, ...], db: str | None, table: str | None, query: str | None
) -> str | None:
    """The database URL when records come from --db (or $SVCSTD_DB_URL), else None."""
    if table is None and query is None:
        if db is not None:
            raise SvcstdError(Problem("--db", "name what to read: --table NAME or --query SQL"))
        if not records:
            raise SvcstdError(
                Problem("svcstd check", "no records: export files, or --db with --table or --query")
            )
        return None
    if table is not None and query is not None:
        raise SvcstdError(Problem("--table", "give --table or --query, not both"))
    if records:
        raise SvcstdError(
            Problem("--db", "give export files or a database, not both (check each in its own run)")
        )
    url = db or os.environ.get("SVCSTD_DB_URL")
    if not url:
        raise SvcstdError(Problem("--db", "--table and --query need --db URL (or $SVCSTD_DB_URL)"))
    return url


@click.command("check")
@click.argument("records", nargs=-1, type=click.Path())
@click.option(
    "--db",
    metavar="URL",
    help="Read records from this database (SQLAlchemy URL) instead of files; default: "
    "$SVCSTD_DB_URL. Needs --table or --query.",
)
@click.option("--table", metavar="NAME", help="With --db: the table (or SCHEMA.TABLE) to read.")
@click.option("--query", metavar="SQL", help="With --db: a SELECT whose rows are the records.")
@click.option(
    "--parts",
    type=click.IntRange(0),
    default=0,
    help="Split the export by case into this many parts, each mapped and judged on its own "
    "in bounded memory (0: above 48 MB, an export grouped by case is mapped range by range "
    "where it is read, any other split into one part per 48 MB).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1),
    help="Processes judging parts at once (default: the number of CPUs).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="Where parts are judged: local processes, or a Dask cluster (Parquet files, a "
    "folder of them or an fsspec URL such as s3://bucket/desk/; see --scheduler).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: the Dask scheduler (tcp://host:8786); default: $DASK_SCHEDULER_"
    "ADDRESS, else Dask's local process scheduler.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=10_000,
    show_default=True,
    help="With --db: rows fetched per round trip.",
)
@click.option(
    "--profile",
    "-p",
    required=True,
    help="Built-in profile name (svcstd, servicenow, helpdesk) or a YAML path.",
)
@click.option(
    "--standards",
    default="standards",
    show_default=True,
    type=click.Path(),
    help="Standards folder.",
)
@click.option(
    "--as-of",
    "as_of",
    help="'Now' for the run (ISO 8601 with offset); fixes the result. Default: the current time.",
)
@click.option(
    "--release",
    help="Judge every case by this release instead of the one in force when it was opened.",
)
@click.option(
    "--compare-release",
    metavar="OLD",
    help="What-if replay: also judge every case by release OLD and report per rule what "
    "would newly fail or pass, and KPIs before and after (formats text, json, html).",
)
@click.option(
    "--waivers", type=click.Path(dir_okay=False), help="YAML file of waivers for this audit."
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write the report here (atomically) instead of stdout.",
)
@click.option(
    "--site-url",
    help="The manual's address: HTML and SARIF reports link rules there (default: relative).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 when a failure of this severity or above is found.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="With --output, do not also print the summary on stdout.",
)
@click.option("--include-draft", is_flag=True, help="Also check rules whose status is draft.")
@click.option(
    "--evidence-cap",
    type=click.IntRange(0),
    default=EVIDENCE_CAP,
    show_default=True,
    help="Failures explained in full per rule (totals are always exact).",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False),
    help="Record this run in this SQLite audit history (created when missing).",
)
@click.option(
    "--fail-on-regression",
    is_flag=True,
    help="Exit 1 when a rule's pass rate is lower than in the last run recorded in --history "
    "for the same profile.",
)
@click.option(
    "--regression-tolerance",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Percentage points a pass rate may drop before it counts as a regression.",
)
@run
def command(
    records: tuple[str, ...],
    db: str | None,
    table: str | None,
    query: str | None,
    parts: int,
    jobs: int | None,
    engine: str,
    scheduler: str | None,
    batch_size: int,
    profile: str,
    standards: str,
    as_of: str | None,
    release: str | None,
    compare_release: str | None,
    waivers: str | None,
    fmt: str,
    output: str | None,
    site_url: str | None,
    fail_on: str,
    quiet: bool,
    include_draft: bool,
    evidence_cap: int,
    history: str | None,
    fail_on_regression: bool,
    regression_tolerance: float,
) -> int:
    """Check exported RECORDS (CSV, JSONL, Parquet, XLSX, XES; gzip ok) against the standards.

    Or read the records from a database: --db URL with --table NAME or --query SQL.
    """
    source = _database(records, db, table, query)
    if history:
        validate_history(history)  # refuse a file we could not record into before the work
    elif fail_on_regression:
        raise SvcstdError(
            Problem("--fail-on-regression", "needs --history FILE (the runs to compare with)")
        )
    loaded = load_standards(standards)
    if release is not None:
        loaded.get(release)
    if compare_release is not None:
        loaded.get(compare_release)
        if fmt not in COMPARING:
            raise SvcstdError(
                Problem(
                    "--compare-release",
                    f"the {fmt} format cannot show a comparison; use "
                    + ", ".join(sorted(COMPARING)),
                )
            )
    now = parse_instant(as_of) if as_of else int(time.time())
    waiver_list = validate_file(Path(waivers), WaiverFile).waivers if waivers else []  # type: ignore[attr-defined]
    if output is None and fmt == "xlsx":
        raise SvcstdError(
            Problem("--output", "the xlsx format is binary: name a file with --output")
        )
    plan = Plan(loaded, now, release, tuple(waiver_list), include_draft, evidence_cap)
    if engine == "dask" and (source is not None or compare_release is not None):
        what = "--db" if source is not None else "--compare-release"
        raise SvcstdError(Problem("--engine", f"the dask engine cannot be used with {what}"))
    with _progress() as tell:
        tell("reading records", 0, 1)
        result, comparison = _judge(
            records, source, profile, plan, engine=engine, parts=parts, jobs=jobs,
            scheduler=scheduler, table=table, query=query, batch_size=batch_size,
            compare_release=compare_release, tell=tell,
        )  # fmt: skip
    report: str | bytes | Iterator[bytes]
    if comparison is not None:
        report = COMPARING[fmt](result, site_url=site_url, comparison=comparison)
    elif fmt in STREAMING:  # written in pieces: never the whole document in memory
        report = STREAMING[fmt](result, site_url=site_url)
    else:
        report = REPORTERS[fmt](result, site_url=site_url)
    if output:
        write_atomically(Path(output), report)
        if not quiet:  # the report went to a file: still tell the person at the terminal
            summary = (
                report
                if fmt == "text"
                else COMPARING["text"](result, site_url=site_url, comparison=comparison)
            )
            click.echo(summary, nl=False)
            click.echo(f"report written to {output}")
    elif isinstance(report, bytes):
        sys.stdout.buffer.write(report)
    elif isinstance(report, str):
        click.echo(report, nl=False)
    else:
        for piece in report:
            sys.stdout.buffer.write(piece)
    code = EXIT_FINDINGS if failing_at(result.findings, fail_on) else EXIT_OK
    if history:
        code = record_check(
            history,
            result,
            exit_code=code,
            exports=records,
            release=release,
            include_draft=include_draft,
            gate=fail_on_regression,
            tolerance=regression_tolerance,
        )
    return code


def _judge(
    records: tuple[str, ...],
    source: str | None,
    profile: str,
    plan: Plan,
    *,
    engine: str,
    parts: int,
    jobs: int | None,
    scheduler: str | None,
    table: str | None,
    query: str | None,
    batch_size: int,
    compare_release: str | None,
    tell: Callable[[str, int, int], None],
) -> tuple[CheckResult, Comparison | None]:
    """The run's result (and what-if comparison): split by case when the export is large."""
    if engine == "dask":
        from svcstd.engines.dask import check_dask  # imported here: Dask is optional

        result = check_dask(list(records), profile, plan, parts=parts or None, jobs=jobs,
                            scheduler=scheduler, progress=tell)  # fmt: skip
        return result, None
    split = (parts or parts_for(records)) if source is None else 1
    if split > 1 and compare_release is None:
        result = check_files(list(records), profile, plan, parts=parts or None, jobs=jobs,
                             progress=tell)  # fmt: skip
        return result, None
    if source is not None:  # imported here: file-only runs do not load SQLAlchemy
        from svcstd.records.sql import read_records_sql

        recordset = read_records_sql(source, profile, table=table, query=query,
                                     batch_size=batch_size)  # fmt: skip
    elif split > 1:
        recordset = read_records_partitioned(list(records), profile, parts=parts or None,
                                             jobs=jobs)  # fmt: skip
    else:
        recordset = read_records(list(records), profile)
    common: dict[str, Any] = dict(
        as_of=plan.as_of, release=plan.release, waivers=plan.waivers,
        include_draft=plan.include_draft, evidence_cap=plan.evidence_cap, progress=tell,
    )  # fmt: skip
    if compare_release is None:
        return run_check(recordset, plan.standards, **common), None
    # the run as usual, and the same cases again under the old release
    replayed = replay(recordset, plan.standards, old=compare_release, **common)
    return replayed.new, replayed.comparison
