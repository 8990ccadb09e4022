"""An export grouped by case is mapped range by range, and reads exactly as a whole one.

Exports usually list a case's rows together; ``svcstd check`` then maps each range of the file
where a worker reads it, with no split by case (``map_grouped``). These tests cut small
exports into tiny ranges — cases across ranges and files, ranges inside one case — and compare
the records, row numbers and errors with the whole-export path; exports that are not grouped
must be found out and split first, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

import svcstd.records.partitioned as partitioned
from svcstd.errors import SvcstdError
from svcstd.records import read_records
from svcstd.records.partitioned import Mapped, exported, load_parts, map_export, worker_pool
from svcstd.records.profile import Profile, load_profile
from svcstd.records.schema import RecordSet

from .test_partitioned import (  # noqa: F401  (tricky: the tricky files fixture)
    _same,
    bad_time_near_the_end,
    bad_times,
    tricky,
)


@pytest.fixture(scope="module")
def export(generated_export: Callable[..., Path]) -> Path:
    return generated_export("grouped", cases=300, seed=11, violations=0.1)


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """Set the bytes a worker maps at once (the driver cuts the ranges)."""
    yield lambda size: monkeypatch.setattr(partitioned, "MAP_RANGE_BYTES", size)


def _mapped(
    paths: Path | list[Path], jobs: int = 1, profile: str | Profile = "svcstd"
) -> tuple[Mapped, RecordSet]:
    with exported(paths, profile, None, jobs, None) as ex:
        with worker_pool(jobs) as run:
            mapped = map_export(run, ex.files, ex.shown, ex.prof, None, ex.folder, jobs)
        meta = mapped.parts[0].meta
        assert meta is not None
        records = load_parts([p.saved for p in mapped.parts], meta)
    return mapped, RecordSet(**{**records.__dict__, "files": tuple(mapped.sources)})


def _split_first(paths: Path | list[Path], jobs: int = 1) -> None:
    """The export is found not grouped, split by case, and read as the whole."""
    mapped, records = _mapped(paths, jobs)
    assert not mapped.grouped
    _same(read_records(paths, "svcstd"), records)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_grouped_export_maps_range_by_range_as_the_whole(
    tricky: list[Path], small_ranges: Callable[[int], None], jobs: int  # noqa: F811
) -> None:
    # three files (BOM and CRLF, gzip, Parquet in row groups); a case runs on from one file
    # into the next; cells hold quotes and line breaks; blank lines between rows
    small_ranges(40_000)
    whole = read_records(tricky, "svcstd")
    mapped, records = _mapped(tricky, jobs)
    assert mapped.grouped
    assert len(mapped.parts) > 6  # ranges of each file, and the cases at their edges
    assert {p.shift for p in mapped.parts} != {0}  # later ranges number rows from their start
    _same(whole, records)
    assert whole.events["source_row"].max() > 100


@pytest.mark.parametrize("size", [1, 2_000])
def test_cases_longer_than_a_range(
    export: Path, small_ranges: Callable[[int], None], size: int
) -> None:
    # 1 byte: a range per record, every case an edge case; 2 KB: a case spans several ranges
    small_ranges(size)
    mapped, records = _mapped(export)
    assert mapped.grouped
    _same(read_records(export, "svcstd"), records)


def _case_rows(frame: pl.DataFrame, n: int) -> pl.Expr:
    return pl.col("case_id") == frame["case_id"].unique(maintain_order=True)[n]


def test_an_export_sorted_by_time_is_split_by_case_first(
    export: Path, tmp_path: Path, small_ranges: Callable[[int], None]
) -> None:
    small_ranges(20_000)
    frame = pl.read_csv(export, infer_schema=False)
    by_time = tmp_path / "by-time.csv"
    frame.sort("at", maintain_order=True).write_csv(by_time)
    _split_first(by_time, jobs=2)


def test_a_case_found_again_far_on_is_split_by_case_first(
    export: Path, tmp_path: Path, small_ranges: Callable[[int], None]
) -> None:
    # every range lists its cases' rows together, but one case's last rows come again in a
    # later range: only the ranges taken together show the export is not grouped
    small_ranges(20_000)
    frame = pl.read_csv(export, infer_schema=False)
    case = _case_rows(frame, 3)
    rows = frame.filter(case)
    rest = frame.filter(~case)
    middle = rest.height // 2
    moved = pl.concat([rows.head(2), rest.slice(0, middle), rows.slice(2), rest.slice(middle)])
    apart = tmp_path / "apart.csv"
    moved.write_csv(apart)
    _split_first(apart)


def test_files_with_other_columns_are_split_by_case_first(
    export: Path, tmp_path: Path, small_ranges: Callable[[int], None]
) -> None:
    small_ranges(20_000)
    frame = pl.read_csv(export, infer_schema=False)
    ids = frame["case_id"].unique(maintain_order=True)
    first = frame.filter(pl.col("case_id").is_in(ids.head(ids.len() // 2).implode()))
    second = frame.join(first.select("case_id").unique(), on="case_id", how="anti")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_csv(a)
    second.drop("attr_review").write_csv(b)  # the second file lacks a column
    _split_first([a, b])
    # the same columns in both: grouped, and equal
    second.write_csv(b)
    mapped, records = _mapped([a, b])
    assert mapped.grouped
    _same(read_records([a, b], "svcstd"), records)


def _same_error(bad: Path) -> str:
    """The error a grouped read of ``bad`` gives, which must be the whole read's."""
    with pytest.raises(SvcstdError) as whole:
        read_records(bad, "svcstd")
    with pytest.raises(SvcstdError) as grouped:
        _mapped(bad, jobs=2)
    assert str(grouped.value) == str(whole.value)
    return str(whole.value)


@pytest.mark.parametrize("size", [1, 40_000])
def test_a_bad_row_is_named_by_its_row_in_the_file(
    tricky: list[Path], tmp_path: Path, small_ranges: Callable[[int], None], size: int  # noqa: F811
) -> None:
    # 40 KB: the bad row is inside a late range, numbered from the range's start by its
    # worker; 1 byte: every row is an edge case's, mapped by the driver
    small_ranges(size)
    bad, _ = bad_time_near_the_end(tricky[0], tmp_path)
    assert "column 'at'" in _same_error(bad)


def test_the_earliest_of_two_bad_rows_is_reported(
    export: Path, tmp_path: Path, small_ranges: Callable[[int], None]
) -> None:
    small_ranges(5_000)
    # in two different ranges, the later one mapped first or not
    bad = bad_times(export, (900, 400), tmp_path)
    assert "row 400, column 'at'" in _same_error(bad)


def test_a_stray_quote_is_refused_as_when_read_serially(
    tricky: list[Path], tmp_path: Path, small_ranges: Callable[[int], None]  # noqa: F811
) -> None:
    small_ranges(40_000)
    data = tricky[0].read_bytes()
    at = data.rfind(b"\r\nC", 0, len(data) // 2) + 2
    stray = tmp_path / "stray.csv"
    stray.write_bytes(data[:at] + b'"' + data[at:])
    assert _same_error(stray).startswith(str(stray))


@pytest.mark.parametrize(
    "bad", [b"\xff\xfe", b"\x00"], ids=["not UTF-8", "a NUL byte"]
)
def test_text_checked_where_it_is_read_is_refused_as_when_read_serially(
    export: Path, tmp_path: Path, small_ranges: Callable[[int], None], bad: bytes
) -> None:
    # A plain CSV file is validated by the workers, range by range; a bad byte in a late
    # range sends the read back to the serial check, which names its line
    small_ranges(5_000)
    data = export.read_bytes()
    at = data.index(b"\n", len(data) * 3 // 4) + 1
    broken = tmp_path / "broken.csv"
    broken.write_bytes(data[:at] + b"C" + bad + data[at + 1 :])
    line = data.count(b"\n", 0, at) + 1
    message = _same_error(broken)
    assert f"line {line}" in message or f":{line}:" in message, message


def test_a_grouped_gb18030_export_is_converted_then_mapped_range_by_range(
    export: Path, tmp_path: Path, small_ranges: Callable[[int], None]
) -> None:
    # GB18030 bytes are not UTF-8: the workers' check fails, the serial pass finds the
    # encoding and converts the file, and its ranges are then mapped as a grouped export's
    small_ranges(5_000)
    frame = pl.read_csv(export, infer_schema=False)
    frame = frame.with_columns(pl.col("actor").str.replace(r"^", "客服"))
    chinese = tmp_path / "gb.csv"
    chinese.write_bytes(frame.write_csv().encode("gb18030"))
    auto = load_profile("svcstd").model_copy(update={"encoding": "auto"})
    whole = read_records(chinese, auto)
    assert whole.events["actor"].str.starts_with("客服").all()
    assert whole.files[0].encoding == "gb18030"
    mapped, records = _mapped(chinese, jobs=2, profile=auto)
    assert mapped.grouped
    _same(whole, records)
