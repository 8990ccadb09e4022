"""A Parquet export read in batches (pyarrow, a row group at a time) gives the rows, types and
row numbers of the file read whole, for the column types exporters write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from svcstd.errors import SvcstdError
from svcstd.records.profile import load_profile
from svcstd.records.readers import read_batches, read_table
from svcstd.records.schema import SourceFile

PROFILE = load_profile("svcstd").model_copy(update={"format": "parquet", "null_values": ["NA"]})


def _table(n: int) -> pa.Table:
    ids = [f"C{i % 97:03d}" for i in range(n)]
    return pa.table({
        "case_id": pa.array(ids).dictionary_encode(),  # how Spark and pandas often write text
        "at": pa.array([dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=7 * i)
                        for i in range(n)], type=pa.timestamp("ns", tz="Asia/Shanghai")),
        "day": pa.array([dt.date(2025, 3, 1 + i % 28) for i in range(n)], type=pa.date32()),
        "priority": pa.array([None if i % 11 == 0 else i % 4 for i in range(n)], type=pa.int16()),
        "vip": pa.array([None if i % 5 == 0 else i % 2 == 0 for i in range(n)]),
        "note": pa.array(["NA" if i % 13 == 0 else None if i % 3 == 0 else f"n{i}" for i in range(n)],
                         type=pa.large_string()),  # fmt: skip
        "score": pa.array([i / 8 for i in range(n)], type=pa.float32()),
    })


@pytest.mark.parametrize("rows", [1, 7, 1000])
def test_batches_equal_the_whole_file(tmp_path: Path, rows: int) -> None:
    path = tmp_path / "export.parquet"
    pq.write_table(_table(250), path, row_group_size=40)  # batches cross row groups
    whole = read_table(path, "export.parquet", PROFILE, lambda h: h).frame
    frames, source = [], None
    for item in read_batches(path, "export.parquet", PROFILE, lambda h: h, rows):
        if isinstance(item, SourceFile):
            source = item
        else:
            frames.append(item)
    batched = pl.concat(frames)
    assert batched.schema == whole.schema
    assert batched.rows() == whole.rows()
    assert source is not None and source.rows == 250
    assert batched.get_column("__row").to_list() == list(range(1, 251))
    assert batched.get_column("note").null_count() == whole.get_column("note").null_count() > 0


def test_some_columns_only(tmp_path: Path) -> None:
    path = tmp_path / "export.parquet"
    pq.write_table(_table(30), path, row_group_size=8)
    pick = lambda header: [h for h in header if h in ("case_id", "vip")]  # noqa: E731
    whole = read_table(path, "export.parquet", PROFILE, pick).frame
    batched = pl.concat(
        [b for b in read_batches(path, "export.parquet", PROFILE, pick, 5)
         if isinstance(b, pl.DataFrame)]
    )  # fmt: skip
    assert batched.columns == whole.columns == ["__row", "case_id", "vip"]
    assert batched.rows() == whole.rows()


def test_a_truncated_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "export.parquet"
    pq.write_table(_table(100), path, row_group_size=10)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + data[-8:])  # footer kept, row groups cut
    with pytest.raises(SvcstdError) as err:
        list(read_batches(path, "export.parquet", PROFILE, lambda h: h, 10))
    assert str(err.value).startswith("export.parquet: cannot read as Parquet")


@pytest.mark.parametrize("groups", [0, 2, 100])
def test_runs_of_row_groups_read_as_the_whole_file(tmp_path: Path, groups: int) -> None:
    """With several jobs, a Parquet file is cut between row groups into ranges of about a
    given size that workers read on their own, each numbering its rows from 1; the split adds
    the rows of the ranges before."""
    import svcstd.records.readers as readers

    path = tmp_path / "export.parquet"
    pq.write_table(_table(250), path, row_group_size=40)  # 7 row groups
    whole = read_table(path, "export.parquet", PROFILE, lambda h: h).frame
    group = pq.ParquetFile(path).metadata.row_group(0).total_byte_size
    parts = readers.ranges(path, "export.parquet", "parquet", PROFILE, lambda h: h, group * groups)
    assert [g for p in parts for g in p.row_groups] == list(range(7))
    assert len(parts) == {0: 7, 2: 4, 100: 1}[groups]
    frames, before = [], 0
    for part in parts:
        counted = readers.Counted()
        for batch in readers.range_batches(part, PROFILE, 15, counted):
            frames.append(batch.with_columns(pl.col("__row") + before))
        before += counted.rows
    batched = pl.concat(frames)
    assert batched.schema == whole.schema
    assert batched.rows() == whole.rows()
