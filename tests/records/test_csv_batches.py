"""A CSV export read in batches (as ``svcstd check`` splits a large export) reads exactly as
the whole file: the same rows, values, nulls and row numbers, and the same error.

The batch reader cuts the file into blocks of whole records and parses each behind the file's
header; these tests shrink the blocks to a few bytes so that every kind of record — quoted
newlines, blank lines, short rows, CRLF — lands on a block's edge somewhere.

With several jobs, a large file is cut into byte ranges of whole records that workers read on
their own, each numbering its rows from 1 (:func:`svcstd.records.readers.ranges`); the split
adds the rows of the ranges before. The same tables read so, in ranges of a few bytes, give
the same rows, row numbers and errors as the whole file.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import svcstd.records.readers as readers
from svcstd.errors import Problem, SvcstdError
from svcstd.records.profile import Profile, load_profile
from svcstd.records.readers import read_batches, read_table
from svcstd.records.schema import SourceFile
from svcstd.records.textfile import utf8_text

BASE = load_profile("svcstd")


def _profile(delimiter: str = ",", null_values: tuple[str, ...] = ()) -> Profile:
    return BASE.model_copy(update={"delimiter": delimiter, "null_values": list(null_values),
                                   "format": "csv", "encoding": "auto"})  # fmt: skip


def _all(header: list[str]) -> list[str]:
    return header


def _some(header: list[str]) -> list[str]:
    return header[::2]


def _whole(path: Path, profile: Profile, select=_all) -> pl.DataFrame | str:  # type: ignore[no-untyped-def]
    try:
        return read_table(path, path.name, profile, select).frame
    except SvcstdError as exc:
        return str(exc)


def _batched(path: Path, profile: Profile, select=_all, rows: int = 3) -> pl.DataFrame | str:  # type: ignore[no-untyped-def]
    frames = []
    try:
        for item in read_batches(path, path.name, profile, select, rows):
            if isinstance(item, SourceFile):
                assert item.rows == sum(f.height for f in frames)
            else:
                frames.append(item)
    except SvcstdError as exc:
        return str(exc)
    return pl.concat(frames)


def _ranged(path: Path, profile: Profile, select=_all, rows: int = 3, size: int = 5) -> pl.DataFrame | str:  # type: ignore[no-untyped-def]
    """The file read as the parallel split reads it: cut into ranges of about ``size`` bytes,
    each read on its own, its rows numbered after the rows of the ranges before it."""
    frames, before = [], 0
    try:
        with utf8_text(path, path.name, profile.encoding) as prep:
            for part in readers.ranges(prep.path, path.name, "csv", profile, select, size):
                counted = readers.Counted()
                try:
                    for batch in readers.range_batches(part, profile, rows, counted):
                        frames.append(batch.with_columns(pl.col("__row") + before))
                except readers.CsvRefused as exc:
                    raise readers.refused(part, profile, str(exc)) from None
                before += counted.rows
    except SvcstdError as exc:
        return str(exc)
    if not frames:  # as the split says it
        return str(SvcstdError(Problem(path.name, "the file has a header but no data rows")))
    return pl.concat(frames)


def _same(path: Path, profile: Profile, select=_all, rows: int = 3, read=_batched) -> pl.DataFrame | str:  # type: ignore[no-untyped-def]
    whole = _whole(path, profile, select)
    batched = read(path, profile, select, rows)
    if isinstance(whole, str):
        assert isinstance(batched, str), "read in batches, a file read whole is refused"
        if "cannot parse as CSV:" in whole:
            # Neither the standard library nor Polars could say which row is at fault; the
            # message quotes the fragment Polars stopped at, which depends on where a block
            # began. Both refuse the same file, in the same words up to that fragment.
            assert batched.split("cannot parse as CSV:")[0] == whole.split("cannot parse as CSV:")[0]
            assert "cannot parse as CSV:" in batched
        else:
            assert batched == whole
    else:
        assert isinstance(batched, pl.DataFrame), batched
        assert batched.schema == whole.schema
        assert batched.rows() == whole.rows()
    return whole


@pytest.fixture(autouse=True)
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "CSV_BLOCK", 5)


def _write(tmp_path: Path, data: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


TABLE = {
    "empty field is null, quoted empty is text": b'a,b,c\n1,,3\n"",x,""\n',
    "blank lines count as rows": b"a,b,c\n1,2,3\n\n\n4,5,6\n\n",
    "crlf and blank crlf lines": b"a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n",
    "short rows are padded": b"a,b,c\n1,2\n4\n7,8,9\n",
    "quoted newlines and blank lines in a cell": b'a,b,c\n"x\ny",2,3\n4,"5\n\n",6\n7,"8\r\n",9\n',
    "escaped quotes": b'a,b,c\n"say ""hi""",2,"a,b"\n',
    "no newline at the end": b"a,b,c\n1,2,3\n4,5,6",
    "bom": b"\xef\xbb\xbfa,b,c\n1,2,3\n",
    "blank lines before the header": b"\n\r\n\na,b,c\n1,2,3\n",
    "quoted header with a newline": b'"a\nA",b,c\n1,2,3\n',
    "whitespace-only row": b"a,b,c\n  \n4,5,6\n",
    "duplicate header names": b"a,a,c\n1,2,3\n",
    "stray quote inside a field": b'a,b,c\n1,x"y,3\n4,5,6\n',
    "unclosed quote": b'a,b,c\n1,"x,3\n4,5,6\n',
    "too many fields": b"a,b,c\n1,2,3\n4,5,6,7\n",
    "header only": b"a,b,c\n",
    "blank rows only": b"a,b,c\n\n\n",
    "non-ascii text": "a,b,c\n工单,é,\"中\n文\"\n".encode(),
}


@pytest.mark.parametrize("data", TABLE.values(), ids=TABLE.keys())
@pytest.mark.parametrize("select", [_all, _some], ids=["all columns", "some columns"])
def test_tricky_csv_reads_the_same_in_batches(tmp_path: Path, data: bytes, select) -> None:  # type: ignore[no-untyped-def]
    _same(_write(tmp_path, data), _profile(), select)


@pytest.mark.parametrize("size", [1, 9, 40])
@pytest.mark.parametrize("data", TABLE.values(), ids=TABLE.keys())
def test_tricky_csv_reads_the_same_in_ranges(tmp_path: Path, data: bytes, size: int) -> None:
    _same(_write(tmp_path, data), _profile(), _some, read=lambda *a: _ranged(*a, size=size))


def test_ranges_start_at_record_ends_and_cover_the_data(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbfcase,note\r\nC1,"a\r\n""b"""\r\n\r\nC2,x\r\nC3,"y\n\nz"\r\n'
    path = _write(tmp_path, data)
    parts = readers.ranges(path, "export.csv", "csv", _profile(), _all, 1)
    header = b"\xef\xbb\xbfcase,note\r\n"
    assert [data[p.start : p.end] for p in parts] == [
        b'C1,"a\r\n""b"""\r\n', b"\r\n", b"C2,x\r\n", b'C3,"y\n\nz"\r\n']  # fmt: skip
    assert {p.header for p in parts} == {header} and parts[0].start == len(header)
    frame = _same(path, _profile(), read=lambda *a: _ranged(*a, size=1))
    assert isinstance(frame, pl.DataFrame)
    assert frame.rows() == [(1, "C1", 'a\r\n"b"'), (3, "C2", "x"), (4, "C3", "y\n\nz")]


def test_a_stray_quote_leaves_the_rest_of_the_file_in_one_range(tmp_path: Path) -> None:
    data = b"a,b,c\n" + b"1,2,3\n" * 5 + b'4,x"y,6\n' + b"7,8,9\n" * 5
    path = _write(tmp_path, data)
    parts = readers.ranges(path, "export.csv", "csv", _profile(), _all, 1)
    assert data[parts[-1].start : parts[-1].end] == b'4,x"y,6\n' + b"7,8,9\n" * 5
    assert len(parts) == 6
    _same(path, _profile(), read=lambda *a: _ranged(*a, size=1))


def test_row_numbers_count_blank_lines_and_quoted_newlines(tmp_path: Path) -> None:
    data = b'case,note\nC1,"two\nlines"\n\nC2,x\n\n\nC3,y\n'
    frame = _same(_write(tmp_path, data), _profile())
    assert isinstance(frame, pl.DataFrame)
    assert frame.rows() == [(1, "C1", "two\nlines"), (3, "C2", "x"), (6, "C3", "y")]


def test_null_markers_and_delimiter_of_the_profile(tmp_path: Path) -> None:
    data = b'case;note;n\nC1;NA;"NA"\nC2;-;\nC3;"x;y";1\n'
    frame = _same(_write(tmp_path, data), _profile(";", ("NA", "-")))
    assert isinstance(frame, pl.DataFrame)
    assert frame["note"].to_list() == [None, None, "x;y"]


@pytest.mark.parametrize("read", [_batched, _ranged], ids=["batches", "ranges"])
def test_gzip_and_gbk_exports_read_the_same_in_batches(tmp_path: Path, read) -> None:  # type: ignore[no-untyped-def]
    text = "工单,备注\nT1,\"多\n行\"\n\nT2,好\n"
    _same(_write(tmp_path, gzip.compress(text.encode()), "export.csv.gz"), _profile(), read=read)
    frame = _same(_write(tmp_path, text.encode("gbk"), "gbk.csv"), _profile(), read=read)
    assert isinstance(frame, pl.DataFrame)
    assert frame.rows() == [(1, "T1", "多\n行"), (3, "T2", "好")]


@pytest.mark.parametrize("read", [_batched, _ranged], ids=["batches", "ranges"])
def test_a_bad_row_is_located_as_in_the_whole_file(tmp_path: Path, read) -> None:  # type: ignore[no-untyped-def]
    data = b"a,b,c\n" + b"1,2,3\n" * 50 + b"4,5,6,7\n" + b"1,2,3\n" * 5
    message = _same(_write(tmp_path, data), _profile(), rows=7, read=read)
    assert message == "export.csv:52: row 51 has 4 fields, the header has 3"


# -- property: any CSV text Polars reads whole reads the same in batches ----------------------

_CELL = st.one_of(st.just("NA"), st.text(alphabet=list('a1 ,;"\n\ré中'), max_size=6))


@st.composite
def _csv_text(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(1, 4))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = [f"c{i}" for i in range(width)]
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["row", "row", "row", "blank", "short", "raw"]))
        if kind == "blank":
            lines.append("")
            continue
        cells = draw(st.lists(_CELL, min_size=1, max_size=width if kind != "raw" else width + 1))
        if kind == "row":
            cells = (cells + [""] * width)[:width]
        quoted = [
            '"' + c.replace('"', '""') + '"' if draw(st.booleans()) or any(x in c for x in ',"\r\n') else c
            for c in cells
        ]
        lines.append(",".join(cells if kind == "raw" else quoted))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return text.encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_csv_text(), block=st.integers(1, 40), rows=st.integers(1, 5))
@example(data=b'c0,c1\n"\nNA,\n"NA",\n"1\n",', block=1, rows=1)  # an unclosed quote, found by CI
def test_any_csv_reads_the_same_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block: int, rows: int
) -> None:
    monkeypatch.setattr(readers, "CSV_BLOCK", block)
    _same(_write(tmp_path, data), _profile(null_values=("NA",)), rows=rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_csv_text(), size=st.integers(1, 60), block=st.integers(1, 40))
def test_any_csv_reads_the_same_in_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, size: int, block: int
) -> None:
    monkeypatch.setattr(readers, "CSV_BLOCK", block)
    _same(_write(tmp_path, data), _profile(null_values=("NA",)), read=lambda *a: _ranged(*a, size=size))
