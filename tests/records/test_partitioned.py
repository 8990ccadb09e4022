"""A split export reads exactly as a whole one: same events, cases, errors and reports.

``svcstd check`` splits exports above 48 MB by case (``--parts``) and maps the parts in worker
processes (``--jobs``). These tests force small exports through the split path and compare
with the whole-export path, frame for frame and report byte for byte.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.errors import SvcstdError
from svcstd.records import read_records, readers
from svcstd.records.partitioned import (
    read_records_partitioned,
    returning_arrow_pool,
    worker_pool,
)
from svcstd.records.profile import load_profile

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-10-29T00:00:00+08:00"


@pytest.fixture(scope="module")
def export(generated_export: Callable[..., Path]) -> Path:
    return generated_export("split", cases=300, seed=11, violations=0.1)


def _same(a, b) -> None:
    assert a.events.equals(b.events)
    assert a.cases.equals(b.cases)
    assert (a.files, a.lacks, a.derived, a.event_ids, a.state_ids) == (
        b.files, b.lacks, b.derived, b.event_ids, b.state_ids)  # fmt: skip


@pytest.mark.parametrize("parts", [2, 7])
def test_split_records_equal_the_whole_export(export: Path, parts: int) -> None:
    _same(read_records(export, "svcstd"), read_records_partitioned(export, "svcstd", parts=parts, jobs=1))


def test_worker_processes_give_the_same_records(export: Path) -> None:
    _same(read_records(export, "svcstd"), read_records_partitioned(export, "svcstd", parts=3, jobs=2))


def test_several_files_and_parquet_split_the_same(export: Path, tmp_path: Path) -> None:
    frame = pl.read_csv(export, infer_schema=False)
    half = frame.height // 2
    first, second = tmp_path / "a.csv", tmp_path / "b.parquet"
    frame.slice(0, half).write_csv(first)
    frame.slice(half).write_parquet(second)
    whole = read_records([first, second], "svcstd")
    _same(whole, read_records_partitioned([first, second], "svcstd", parts=4, jobs=1))
    assert {f.path for f in whole.files} == {str(first), str(second)}


def bad_times(export: Path, rows: tuple[int, ...], folder: Path) -> Path:
    """A copy of a CSV export whose time is "not a time" in these data rows."""
    lines = export.read_text(encoding="utf-8").splitlines()
    for row in rows:
        cells = lines[row].split(",")
        cells[1] = "not a time"
        lines[row] = ",".join(cells)
    bad = folder / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


def test_the_earliest_bad_row_is_reported_whichever_part_holds_it(export: Path, tmp_path: Path) -> None:
    # Two bad timestamps in (very likely) different parts: rows 40 and 250.
    bad = bad_times(export, (250, 40), tmp_path)
    with pytest.raises(SvcstdError) as whole:
        read_records(bad, "svcstd")
    for parts in (2, 5):
        with pytest.raises(SvcstdError) as split:
            read_records_partitioned(bad, "svcstd", parts=parts, jobs=1)
        assert str(split.value) == str(whole.value)
    assert "row 40, column 'at'" in str(whole.value)


def test_check_reports_are_byte_identical_split_or_whole(export: Path, tmp_path: Path) -> None:
    base = ["check", str(export), "-p", "svcstd", "--standards", str(ROOT / "standards"),
            "--as-of", AS_OF, "--format", "json", "--fail-on", "never", "-q"]  # fmt: skip
    outs = []
    for parts in ("1", "4"):
        out = tmp_path / f"report-{parts}.json"
        result = CliRunner().invoke(cli, [*base, "--parts", parts, "--jobs", "1", "-o", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b'"fail"' in outs[0]


def test_parquet_is_split_by_its_data_not_its_compressed_size(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import svcstd.records.partitioned as partitioned

    parquet = tmp_path / "export.parquet"
    pl.read_csv(export, infer_schema=False).write_parquet(parquet, compression="zstd")
    budget = export.stat().st_size // 4
    monkeypatch.setattr(partitioned, "BYTES_PER_PART", budget)
    assert parquet.stat().st_size < budget  # by file size alone it would not be split
    assert partitioned.parts_for([parquet]) >= 2
    assert partitioned.parts_for([export]) == 4


# -- the split on several processes: files cut into ranges of whole records ------------------
#
# With ``jobs`` > 1 a large CSV or Parquet file is cut into ranges (``RANGE_BYTES``, forced
# small here) that worker processes split at once; each numbers its rows from 1 and the map
# adds the rows of the ranges before. The records, row numbers and errors are the serial ones.


def _csv_bytes(rows: list[list[str]], header: list[str], newline: str, blank_every: int) -> bytes:
    """CSV text with quotes and newlines inside fields and a blank line every few rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % blank_every == 0:
            out.write(newline)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def tricky(export: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The export in three files: a CSV with a BOM and CRLF line ends, a gzipped one, and a
    Parquet file of many row groups; cells hold quotes, commas and line breaks."""
    frame = pl.read_csv(export, infer_schema=False)
    notes = [None, 'said "hi",\nthen left', "two\r\nlines", '""', "plain"]
    frame = frame.with_columns(
        pl.Series("attr_review", [notes[i % len(notes)] for i in range(frame.height)])
    )
    third = frame.height // 3
    folder = tmp_path_factory.mktemp("tricky")
    a, b, c = folder / "a.csv", folder / "b.csv.gz", folder / "c.parquet"
    cells = lambda f: [["" if v is None else v for v in row] for row in f.rows()]  # noqa: E731
    a.write_bytes(b"\xef\xbb\xbf" + _csv_bytes(cells(frame.slice(0, third)), frame.columns, "\r\n", 7))
    b.write_bytes(gzip.compress(_csv_bytes(cells(frame.slice(third, third)), frame.columns, "\n", 11)))
    frame.slice(2 * third).write_parquet(c, row_group_size=60)
    return [a, b, c]


def test_ranges_on_worker_processes_give_the_same_records(
    tricky: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import svcstd.records.partitioned as partitioned

    monkeypatch.setattr(partitioned, "RANGE_BYTES", 40_000)
    prof = load_profile("svcstd")
    pick = readers.require("a.csv", prof)
    assert len(readers.ranges(tricky[0], "a.csv", "csv", prof, pick, 40_000)) >= 4
    assert len(readers.ranges(tricky[2], "c.parquet", "parquet", prof, pick, 40_000)) >= 4
    whole = read_records(tricky, "svcstd")
    assert whole.cases["attr_review"].str.contains("\n").any()
    _same(whole, read_records_partitioned(tricky, "svcstd", parts=3, jobs=2))


def bad_time_near_the_end(export: Path, folder: Path) -> tuple[Path, int]:
    """A copy of a CSV export whose time is "not a time" in a record near its end, and where
    that record starts."""
    data = export.read_bytes()
    at = data.rfind(b"\r\nC", 0, len(data) - 2000) + 2
    time = data.index(b",", at) + 1
    bad = folder / "bad.csv"
    bad.write_bytes(data[:time] + b"not a time" + data[data.index(b",", time) :])
    return bad, at


def test_a_bad_row_in_a_late_range_is_named_by_its_row_in_the_file(
    tricky: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import svcstd.records.partitioned as partitioned

    monkeypatch.setattr(partitioned, "RANGE_BYTES", 40_000)
    data = tricky[0].read_bytes()
    bad, at = bad_time_near_the_end(tricky[0], tmp_path)
    with pytest.raises(SvcstdError) as whole:
        read_records(bad, "svcstd")
    with pytest.raises(SvcstdError) as split:
        read_records_partitioned(bad, "svcstd", parts=3, jobs=2)
    assert str(split.value) == str(whole.value)
    # the data row of the whole file: records before it, blank lines and all, less the header
    before = list(csv.reader(io.StringIO(data[:at].decode("utf-8-sig"), newline="")))
    assert len(before) > 4 * 40_000 // 200
    assert f"row {len(before)}, column 'at'" in str(whole.value)


def test_a_stray_quote_is_refused_as_when_read_serially(
    tricky: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import svcstd.records.partitioned as partitioned

    monkeypatch.setattr(partitioned, "RANGE_BYTES", 40_000)
    data = tricky[0].read_bytes()
    at = data.rfind(b"\r\nC", 0, len(data) // 2) + 2
    stray = tmp_path / "stray.csv"
    stray.write_bytes(data[:at] + b'"' + data[at:])  # an unclosed quote mid-file
    missing = tmp_path / "missing.csv"  # a later file the driver refuses before any worker
    missing.write_text("case,when\nC1,2026-01-01\n", encoding="utf-8")
    with pytest.raises(SvcstdError) as whole:
        read_records([stray, missing], "svcstd")
    with pytest.raises(SvcstdError) as split:
        read_records_partitioned([stray, missing], "svcstd", parts=3, jobs=2)
    assert str(split.value) == str(whole.value)
    assert str(whole.value).startswith(str(stray))


def test_workers_share_the_cpus_and_leave_the_environment_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two workers on a machine of 4 CPUs: two Polars threads each, not four each
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    with worker_pool(2) as run:
        assert run.pool is not None
        assert run.pool.submit(pl.thread_pool_size).result() == 2
        # pyarrow's pool that hands freed memory back (Linux wheels have it)
        pool = run.pool.submit(os.getenv, "ARROW_DEFAULT_MEMORY_POOL").result()
        assert pool == ("jemalloc" if returning_arrow_pool() else None)
    assert "POLARS_MAX_THREADS" not in os.environ
    assert "ARROW_DEFAULT_MEMORY_POOL" not in os.environ
    # a user's own setting wins
    monkeypatch.setenv("POLARS_MAX_THREADS", "3")
    with worker_pool(2) as run:
        assert run.pool is not None
        assert run.pool.submit(pl.thread_pool_size).result() == 3
    assert os.environ["POLARS_MAX_THREADS"] == "3"
