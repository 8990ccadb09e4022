"""Readers: one export file → a raw Polars frame of the columns a profile needs.

Every reader returns a :class:`RawTable`: the selected columns, each either text (``Utf8``)
or, where the format has typed instants (Parquet, XLSX), a ``Datetime``; plus ``__row``, the
1-based *data row* of the file (the header is not a row). Null markers are already applied.

Readers scan lazily where the format allows (``pl.scan_csv``, ``pl.scan_ndjson``,
``pl.scan_parquet``) and select only the needed columns, so a wide export costs what its used
columns cost. XLSX (openpyxl read-only mode) and XES (``iterparse``) stream row by row. A CSV
file read in batches (:func:`read_batches`) is cut into blocks of whole records, each parsed by
Polars' CSV reader behind the file's header, so memory stays at a few blocks however large the
file is.

Bad input raises :class:`~svcstd.errors.SvcstdError` with one located line; a Polars error is
never shown raw when svcstd can say where the problem is.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import itertools
import json
import mmap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import polars as pl

from svcstd.errors import Problem, SvcstdError
from svcstd.records.profile import EXTENSIONS, Profile
from svcstd.records.schema import SourceFile
from svcstd.records.textfile import BOM, GZIP_MAGIC, plain_utf8, utf8_text

ROW = "__row"
#: Bytes of CSV text parsed at once when reading in batches (some 40,000 rows of a wide
#: export; smaller blocks parse slower, larger ones hold more memory).
CSV_BLOCK = 8 * 1024 * 1024

#: Chooses the columns to read from a file's header; raises when a required one is missing.
Selector = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class RawTable:
    """The needed columns of one export file, before any mapping."""

    frame: pl.DataFrame
    source: SourceFile


def detect_format(path: Path, profile: Profile, shown: str) -> str:
    """The profile's format, or for ``auto`` the one the file name's extension says."""
    if profile.format != "auto":
        return profile.format
    name = path.name.lower()
    name = name.removesuffix(".gz")
    for ext, fmt in EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    known = ", ".join(sorted(EXTENSIONS))
    raise SvcstdError(
        Problem(shown, f"cannot tell the format from the file name (known: {known}); set the profile's format")
    )


def require(shown: str, profile: Profile) -> Selector:
    """A selector for the profile's columns (plus ``attribute_prefix`` columns)."""
    wanted = profile.columns()

    def select(header: list[str]) -> list[str]:
        have = set(header)
        for col in wanted:
            if col not in have:
                hint = difflib.get_close_matches(col, header, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else f"; columns: {', '.join(header)}"
                raise SvcstdError(Problem(shown, f"missing required column {col!r}{more}"))
        extra = []
        if profile.attribute_prefix:
            extra = [c for c in header if c.startswith(profile.attribute_prefix) and c not in wanted]
        return [*wanted, *extra]

    return select


def read_table(path: Path, shown: str, profile: Profile, select: Selector) -> RawTable:
    """Read the columns ``select`` picks from one export file, in the profile's format."""
    if not path.exists():
        raise SvcstdError(Problem(shown, "no such file"))
    if path.is_dir():
        raise SvcstdError(Problem(shown, "is a folder, not an export file"))
    fmt = detect_format(path, profile, shown)
    encoding: str | None = None
    if fmt in ("csv", "jsonl"):
        with utf8_text(path, shown, profile.encoding) as prep:
            encoding = prep.encoding
            if fmt == "csv":
                frame = _csv(prep.path, shown, profile, select)
            else:
                frame = _jsonl(prep.path, shown, profile, select)
    elif fmt == "parquet":
        frame = _parquet(path, shown, profile, select)
    elif fmt == "xlsx":
        frame = _xlsx(path, shown, profile, select)
    else:
        from svcstd.records.xes import read_xes

        frame = _typed(read_xes(path, shown, select), shown, profile)
    if frame.height == 0:
        what = "events" if fmt == "xes" else "data rows"
        raise SvcstdError(Problem(shown, f"the file has a header but no {what}"))
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(frame, SourceFile(shown, fmt, encoding, frame.height))


# --------------------------------------------------------------------------------------------
# CSV


def _csv_lazy(path: Path, shown: str, profile: Profile, select: Selector) -> pl.LazyFrame:
    lf = pl.scan_csv(
        path,
        separator=profile.delimiter,
        infer_schema=False,  # everything is text: the profile decides what a value means
        null_values=profile.null_values or None,
        row_index_name=ROW,
        row_index_offset=1,
    )
    try:
        header = [c for c in lf.collect_schema().names() if c != ROW]
    except pl.exceptions.PolarsError as exc:
        raise SvcstdError(Problem(shown, f"cannot read the CSV header: {_first_line(exc)}")) from None
    cols = select(header)
    return lf.select([ROW, *cols]).filter(~_blank(cols))


def _blank(cols: list[str]) -> pl.Expr:
    # A blank line reads as a row of nulls: skip it, but keep counting it, so row N stays
    # the N-th line after the header.
    return pl.all_horizontal([pl.col(c).is_null() for c in cols])


def _csv(path: Path, shown: str, profile: Profile, select: Selector) -> pl.DataFrame:
    lf = _csv_lazy(path, shown, profile, select)
    try:
        return lf.collect()
    except pl.exceptions.PolarsError as exc:
        raise _csv_problem(path, shown, profile, len(lf.collect_schema()) - 1, exc) from None


def read_batches(
    path: Path | str, shown: str, profile: Profile, select: Selector, rows: int
) -> Iterator[pl.DataFrame | SourceFile]:
    """The rows :func:`read_table` returns, in batches of about ``rows``; the last item is the
    file's :class:`SourceFile`. ``path`` may be a Parquet file's URL (object stores and
    HTTP(S), with credentials from the environment as Polars reads them).

    CSV (plain, gzip or converted from another encoding) and Parquet stream, so memory stays
    bounded whatever the file's size; JSON Lines, XLSX and XES are read whole, then sliced.
    Errors are the ones :func:`read_table` raises.
    """
    if isinstance(path, str):  # a URL (s3://, gs://, az://, https://): Parquet read by Polars
        fmt = "parquet"
    elif not path.exists() or path.is_dir():
        yield from _sliced(read_table(path, shown, profile, select), rows)
        return
    else:
        fmt = detect_format(path, profile, shown)
    if fmt not in ("csv", "parquet"):
        yield from _sliced(read_table(path, shown, profile, select), rows)
        return
    count = 0
    encoding: str | None = None
    with contextlib.ExitStack() as stack:
        if fmt == "csv":
            prep = stack.enter_context(utf8_text(path, shown, profile.encoding))
            encoding = prep.encoding
            batches = _csv_batches(prep.path, shown, profile, select, rows)
        else:
            batches = _parquet_batches(path, shown, profile, select, rows)
        for batch in batches:
            count += batch.height
            yield batch
    if count == 0:
        raise SvcstdError(Problem(shown, "the file has a header but no data rows"))
    yield SourceFile(shown, fmt, encoding, count)


def _parquet_batches(
    path: Path | str, shown: str, profile: Profile, select: Selector, rows: int
) -> Iterator[pl.DataFrame]:
    """A Parquet file's rows as :func:`_parquet` reads them, in batches of about ``rows``.

    A local file is read by pyarrow a row group at a time (Polars' streaming scan reads far
    ahead of its consumer: gigabytes at 10^7 events); a URL is scanned by Polars.
    """
    lf = _parquet_lazy(path, shown, select)  # checks the file and the columns
    if isinstance(path, str):
        try:
            for batch in lf.collect_batches(chunk_size=rows):
                if batch.height:
                    yield _typed(batch, shown, profile).with_columns(pl.col(ROW).cast(pl.Int64))
        except pl.exceptions.PolarsError as exc:
            raise SvcstdError(Problem(shown, f"cannot read as Parquet: {_first_line(exc)}")) from None
        return
    columns = [c for c in lf.collect_schema().names() if c != ROW]
    yield from _parquet_rows(path, shown, profile, columns, rows)


def _parquet_rows(
    path: Path, shown: str, profile: Profile, columns: list[str], rows: int,
    row_groups: list[int] | None = None,
) -> Iterator[pl.DataFrame]:  # fmt: skip
    """A local Parquet file's ``columns`` (all its row groups, or these), read by pyarrow in
    batches of about ``rows``, numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = 1
    try:
        with pq.ParquetFile(path) as pf:
            batches = pf.iter_batches(batch_size=rows, columns=columns, row_groups=row_groups)
            for record_batch in batches:
                if not record_batch.num_rows:
                    continue
                batch = pl.from_arrow(pa.Table.from_batches([record_batch]))
                assert isinstance(batch, pl.DataFrame)
                n = batch.height
                batch = batch.select(pl.int_range(start, start + n, dtype=pl.Int64).alias(ROW),
                                     *columns)  # fmt: skip
                start += n
                yield _typed(batch, shown, profile)
    except (pa.ArrowException, OSError) as exc:
        raise SvcstdError(Problem(shown, f"cannot read as Parquet: {_first_line(exc)}")) from None


def _csv_batches(
    path: Path, shown: str, profile: Profile, select: Selector, rows: int
) -> Iterator[pl.DataFrame]:
    """A UTF-8 CSV file's rows as :func:`_csv` reads them, in batches of at least ``rows``
    (or the rest of the file).

    Polars' streaming CSV scan reads far ahead of its consumer (about a gigabyte of a wide
    export), so the file is cut here into blocks of whole records (:func:`_record_blocks`) and
    each block is parsed by ``pl.read_csv`` with the file's own header bytes in front: the same
    parser and options as the whole file, a row index that goes on from block to block.
    """
    cols = _csv_columns(path, shown, profile, select)
    with path.open("rb") as fh:
        header, data, blocks = _csv_head(fh)
        try:
            yield from _csv_parsed(itertools.chain([data], blocks), header, profile, cols, rows)
        except CsvRefused as exc:
            raise _csv_problem(path, shown, profile, len(cols), exc) from None


def _csv_columns(path: Path, shown: str, profile: Profile, select: Selector) -> list[str]:
    """The columns to read from a CSV file (checks the header and the required columns)."""
    lf = _csv_lazy(path, shown, profile, select)
    return [c for c in lf.collect_schema().names() if c != ROW]


def _csv_head(fh: BinaryIO) -> tuple[bytes, bytes, Iterator[bytes]]:
    """The file's header bytes (with any BOM and blank lines before it), the data bytes read
    past it, and the record blocks of the rest of the file."""
    blocks = _record_blocks(fh, CSV_BLOCK)
    header, data = b"", b""
    for block in blocks:
        header += block
        if (found := _split_header(header)) is not None:
            header, data = found
            break
    return header, data, blocks


class CsvRefused(Exception):
    """Polars refused a block of CSV records (the message's first line); locate the problem
    with :func:`csv_problem` on the whole file."""


class NotPlainText(Exception):
    """A range of a file whose text was not validated beforehand (``Range.checked``) has bytes
    :func:`~svcstd.records.textfile.plain_utf8` refuses: validate the whole file serially
    (:func:`~svcstd.records.textfile.utf8_text`), which names the line or finds the file's
    real encoding."""


@dataclass
class Counted:
    """Data rows read so far, blank lines included (they are numbered, then dropped)."""

    rows: int = 0


def _csv_parsed(
    blocks: Iterator[bytes], header: bytes, profile: Profile, cols: list[str], rows: int,
    counted: Counted | None = None,
) -> Iterator[pl.DataFrame]:  # fmt: skip
    """Record ``blocks`` each parsed behind the ``header`` bytes, in batches of at least
    ``rows`` (or the rest); ``__row`` counts on from block to block, from 1 (blank lines
    count). Raises :class:`CsvRefused` where Polars refuses a block."""
    counted = counted if counted is not None else Counted()
    held: list[pl.DataFrame] = []
    size = 0
    for block in blocks:
        if not block:
            continue
        try:
            frame = pl.read_csv(
                header + block,
                separator=profile.delimiter,
                infer_schema=False,
                null_values=profile.null_values or None,
                columns=cols,
                row_index_name=ROW,
                row_index_offset=counted.rows + 1,
            )
        except pl.exceptions.PolarsError as exc:
            raise CsvRefused(_first_line(exc)) from None
        counted.rows += frame.height
        frame = frame.select([ROW, *cols])
        blank = frame.select(_blank(cols)).to_series()
        if blank.any():
            frame = frame.filter(~blank)
        if frame.height:
            held.append(frame)
            size += frame.height
        if size >= rows:
            yield _joined(held)
            held, size = [], 0
    if held:
        yield _joined(held)


def _joined(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=False)
    return frame.with_columns(pl.col(ROW).cast(pl.Int64))


_QUOTE = ord('"')
_NL = ord("\n")


class _Reader(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _record_blocks(fh: _Reader, size: int) -> Iterator[bytes]:
    """The file's bytes in blocks of about ``size`` that each end where a record ends.

    A record ends at a newline outside quotes: one with an even number of quote characters
    before it, as Polars itself counts records when it splits a file (a stray quote makes
    Polars refuse the rest of the file, and here the rest becomes one block that it refuses
    the same way). Only the newest read is searched, so a long quoted field costs linear time.
    """
    held: list[bytes] = []
    odd = 0  # quote parity of the bytes in ``held``
    while block := fh.read(size):
        odd ^= block.count(_QUOTE) & 1
        end, parity, cut = len(block), odd, -1
        while (nl := block.rfind(_NL, 0, end)) >= 0:
            parity ^= block.count(_QUOTE, nl, end) & 1
            if not parity:
                cut = nl + 1
                break
            end = nl
        if cut < 0:
            held.append(block)
            continue
        held.append(block[:cut])
        yield b"".join(held)
        held = [block[cut:]] if cut < len(block) else []
        # the block up to ``cut`` has even parity, so the rest keeps the whole read's parity
    if held:
        yield b"".join(held)


def _split_header(block: bytes) -> tuple[bytes, bytes] | None:
    """The file's first bytes cut after the header record (with the blank lines before it,
    which Polars skips), and the data rows after it; None if the header does not end here."""
    start, pos, parity = 0, 0, 0
    while (nl := block.find(_NL, pos)) >= 0:
        parity ^= block.count(_QUOTE, pos, nl) & 1
        pos = nl + 1
        if parity:
            continue
        record = block[start:nl].removeprefix(BOM) if start == 0 else block[start:nl]
        if record not in (b"", b"\r"):
            return block[:pos], block[pos:]
        start = pos
    return None


# --------------------------------------------------------------------------------------------
# Ranges: a large local CSV or Parquet file cut into runs of whole records, read by workers


@dataclass(frozen=True)
class Range:
    """Whole records of one local CSV or Parquet file that a worker reads on its own (see
    :func:`ranges`): CSV bytes ``[start, end)`` parsed behind the file's ``header`` bytes, or
    Parquet ``row_groups``. Rows are numbered from 1 within the range; the rows of the ranges
    before it (blank lines included) give the file's row."""

    path: Path
    shown: str
    fmt: str
    columns: list[str]
    header: bytes = b""
    start: int = 0
    end: int = 0
    row_groups: tuple[int, ...] = ()
    #: False: the CSV text was not validated (``utf8_text(deferred=True)``); the worker holds
    #: the header and each block to ``plain_utf8`` before parsing it.
    checked: bool = True


#: Bytes scanned for quote characters at once while cutting a CSV file into ranges.
_SCAN = 16 * 1024 * 1024


def ranges(
    path: Path, shown: str, fmt: str, profile: Profile, select: Selector, size: int
) -> list[Range]:
    """A local ``csv`` (UTF-8, as :func:`utf8_text` prepares it) or ``parquet`` file cut into
    ranges of at most about ``size`` bytes of data, as even as the records allow (a 100 MB
    file in ranges of 64 MB: two of 50 MB), in file order. Checks the header and the required
    columns (raising what :func:`read_batches` raises) before anything is read.

    A CSV file is cut just after a newline with an even number of quote characters between
    the data's start and it — a record's end, as :func:`_record_blocks` finds them — so each
    range reads as the same records in the same order as the whole file. A stray quote makes
    every later newline odd: the rest of the file is one range, refused by Polars as it is
    when the file is read serially. A Parquet file is cut between row groups.
    """
    if fmt == "parquet":
        return _parquet_ranges(path, shown, select, size)
    cols = _csv_columns(path, shown, profile, select)
    with path.open("rb") as fh:
        header, _, _ = _csv_head(fh)
    end = path.stat().st_size
    starts = _record_starts(path, len(header), _even(end - len(header), size))
    ends = [*starts[1:], end]
    pairs = zip(starts, ends, strict=True)
    return [Range(path, shown, "csv", cols, header, a, b) for a, b in pairs]


def _even(total: int, size: int) -> int:
    """The size of the fewest even shares of ``total`` that are at most ``size``."""
    size = max(1, size)
    return max(1, -(-total // -(-total // size))) if total > 0 else size


def _record_starts(path: Path, start: int, every: int) -> list[int]:
    """Offsets from ``start`` on, about ``every`` bytes apart, where a record begins.

    The file is mapped, not read: a stretch with no quote costs one ``find`` (memchr), one
    with quotes a ``count`` of a copy — about 0.4 s and 2 s for 1.8 GB. Pages are released as
    they are passed, so the mapping does not grow the process.
    """
    starts = [start]
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end, pos, odd = len(mm), start, 0  # ``odd``: quote parity of the bytes [start, pos)
        while (want := starts[-1] + every) < end:
            odd ^= _quotes(mm, pos, want) & 1
            found = _next_record(mm, want, odd)
            if found is None or found >= end:
                break
            pos, odd = found, 0  # a record's end: an even number of quotes before it
            starts.append(found)
    return starts


def _quotes(mm: mmap.mmap, start: int, end: int) -> int:
    """The number of quote characters in ``mm[start:end]``."""
    count = 0
    for lo in range(start, end, _SCAN):
        hi = min(lo + _SCAN, end)
        if mm.find(b'"', lo, hi) >= 0:
            count += mm[lo:hi].count(_QUOTE)
        if hasattr(mmap, "MADV_DONTNEED"):  # Linux, macOS: the pages passed are let go
            page = lo - lo % mmap.PAGESIZE
            mm.madvise(mmap.MADV_DONTNEED, page, hi - page)
    return count


def _next_record(mm: mmap.mmap, pos: int, odd: int) -> int | None:
    """The first offset from ``pos`` just after a newline outside quotes (``odd``: whether an
    odd number of quotes precede ``pos``); None if there is none."""
    while True:
        if odd:
            quote = mm.find(b'"', pos)
            if quote < 0:
                return None
            pos, odd = quote + 1, 0
        nl = mm.find(b"\n", pos)
        if nl < 0:
            return None
        quote = mm.find(b'"', pos, nl)
        if quote < 0:
            return nl + 1
        pos, odd = quote + 1, 1


def _parquet_ranges(path: Path, shown: str, select: Selector, size: int) -> list[Range]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    lf = _parquet_lazy(path, shown, select)  # checks the file and the columns
    cols = [c for c in lf.collect_schema().names() if c != ROW]
    try:
        with pq.ParquetFile(path) as pf:
            meta = pf.metadata
            # as partitioned.parts_for counts it: what the rows cost as text, at least
            groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
            sizes = [max(g.total_byte_size, g.num_rows * meta.num_columns * 3) for g in groups]
    except (pa.ArrowException, OSError) as exc:
        raise SvcstdError(Problem(shown, f"cannot read as Parquet: {_first_line(exc)}")) from None
    runs: list[list[int]] = [[]]
    held, share = 0, _even(sum(sizes), size)
    for group, bytes_ in enumerate(sizes):
        if runs[-1] and held >= share:
            runs.append([])
            held = 0
        runs[-1].append(group)
        held += bytes_
    return [Range(path, shown, "parquet", cols, row_groups=tuple(run)) for run in runs]


class _Slice:
    """At most ``size`` bytes of a file, from where it stands."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.left = fh, size

    def read(self, size: int) -> bytes:
        data = self.fh.read(min(size, self.left)) if self.left > 0 else b""
        self.left -= len(data)
        return data


def range_batches(
    part: Range, profile: Profile, rows: int, counted: Counted
) -> Iterator[pl.DataFrame]:
    """A range's rows as :func:`read_batches` reads them, numbered from 1 within the range, in
    batches of about ``rows``; ``counted`` gets the rows read (a CSV file's blank lines too).

    Raises :class:`CsvRefused` where Polars refuses CSV text (see :func:`refused`),
    :class:`NotPlainText` where text not validated beforehand is not plain UTF-8, and
    :class:`~svcstd.errors.SvcstdError` for Parquet.
    """
    if part.fmt == "parquet":
        if not part.row_groups:
            return
        groups = list(part.row_groups)
        for batch in _parquet_rows(part.path, part.shown, profile, part.columns, rows, groups):
            counted.rows += batch.height
            yield batch
        return
    with part.path.open("rb") as fh:
        fh.seek(part.start)
        blocks = _record_blocks(_Slice(fh, part.end - part.start), CSV_BLOCK)
        if not part.checked:
            blocks = _plain(blocks, part.header)
        yield from _csv_parsed(blocks, part.header, profile, part.columns, rows, counted)


def _plain(blocks: Iterator[bytes], header: bytes) -> Iterator[bytes]:
    if not plain_utf8(header):
        raise NotPlainText
    for block in blocks:
        if not plain_utf8(block):
            raise NotPlainText
        yield block


def refused(part: Range, profile: Profile, message: str) -> SvcstdError:
    """The error for CSV text Polars refused in ``part``: located by rescanning the whole file,
    so it is the one a serial read reports."""
    return _csv_problem(part.path, part.shown, profile, len(part.columns), CsvRefused(message))


def _sliced(table: RawTable, rows: int) -> Iterator[pl.DataFrame | SourceFile]:
    for start in range(0, table.frame.height, rows):
        yield table.frame.slice(start, rows)
    yield table.source


def _csv_problem(
    path: Path, shown: str, profile: Profile, width: int, exc: Exception
) -> SvcstdError:
    """Locate a CSV parse error with the standard library's reader (the slow path, on error)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=profile.delimiter)
        try:
            next(reader, None)
            start = reader.line_num + 1
            for row_no, row in enumerate(reader, start=1):
                if row and len(row) != width:
                    message = f"row {row_no} has {len(row)} fields, the header has {width}"
                    if reader.line_num > start:  # a quoted field ran over several lines
                        message += (
                            f" (a quote opened on line {start} closes only on line "
                            f"{reader.line_num}: an unclosed quote?)"
                        )
                    return SvcstdError(Problem(shown, message, start))
                start = reader.line_num + 1
        except csv.Error as err:
            return SvcstdError(Problem(shown, f"malformed CSV: {err}", reader.line_num))
    return SvcstdError(Problem(shown, f"cannot parse as CSV: {_first_line(exc)}"))


# --------------------------------------------------------------------------------------------
# JSON Lines


def _jsonl(path: Path, shown: str, profile: Profile, select: Selector) -> pl.DataFrame:
    try:
        lf = pl.scan_ndjson(path, infer_schema_length=None).with_row_index(ROW, offset=1)
        header = [c for c in lf.collect_schema().names() if c != ROW]
        cols = select(header)
        frame = lf.select([ROW, *cols]).collect()
    except pl.exceptions.PolarsError as exc:
        raise _jsonl_problem(path, shown, exc) from None
    return _typed(frame, shown, profile)


def _jsonl_problem(path: Path, shown: str, exc: Exception) -> SvcstdError:
    with path.open(encoding="utf-8-sig") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                return SvcstdError(Problem(shown, f"invalid JSON: {err.msg}", line_no, err.colno))
            if not isinstance(value, dict):
                kind = type(value).__name__
                return SvcstdError(Problem(shown, f"each line must be a JSON object, not {kind}", line_no))
    return SvcstdError(Problem(shown, f"cannot read as JSON Lines: {_first_line(exc)}"))


# --------------------------------------------------------------------------------------------
# Parquet


def _parquet_lazy(path: Path | str, shown: str, select: Selector) -> pl.LazyFrame:
    if isinstance(path, Path):
        with path.open("rb") as fh:
            head = fh.read(4)
        if not head:
            raise SvcstdError(Problem(shown, "the file is empty (no header, no rows)"))
        if head[:2] == GZIP_MAGIC:
            raise SvcstdError(Problem(shown, "gzip-compressed Parquet is not supported; decompress it"))
    try:
        lf = pl.scan_parquet(path).with_row_index(ROW, offset=1)
        header = [c for c in lf.collect_schema().names() if c != ROW]
    except pl.exceptions.PolarsError as exc:
        raise SvcstdError(Problem(shown, f"cannot read as Parquet: {_first_line(exc)}")) from None
    except OSError as exc:
        raise SvcstdError(Problem(shown, f"cannot read as Parquet: {exc}")) from None
    return lf.select([ROW, *select(header)])


def _parquet(path: Path, shown: str, profile: Profile, select: Selector) -> pl.DataFrame:
    lf = _parquet_lazy(path, shown, select)
    try:
        frame = lf.collect()
    except pl.exceptions.PolarsError as exc:
        raise SvcstdError(Problem(shown, f"cannot read as Parquet: {_first_line(exc)}")) from None
    except OSError as exc:
        raise SvcstdError(Problem(shown, f"cannot read as Parquet: {exc}")) from None
    return _typed(frame, shown, profile)


# --------------------------------------------------------------------------------------------
# XLSX


def _xlsx(path: Path, shown: str, profile: Profile, select: Selector) -> pl.DataFrame:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SvcstdError(Problem(shown, f"cannot read as XLSX: {exc}")) from None
    try:
        if profile.sheet is not None:
            if profile.sheet not in wb.sheetnames:
                names = ", ".join(wb.sheetnames)
                raise SvcstdError(Problem(shown, f"no sheet {profile.sheet!r} (sheets: {names})"))
            ws = wb[profile.sheet]
        else:
            ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None or all(v is None for v in header_row):
            raise SvcstdError(Problem(shown, "the sheet is empty (no header, no rows)"))
        header = ["" if v is None else str(v).strip() for v in header_row]
        cols = select([h for h in header if h])
        index = {name: header.index(name) for name in cols}
        data: dict[str, list[Any]] = {name: [] for name in cols}
        numbers: list[int] = []
        for row_no, row in enumerate(rows, start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue  # blank rows: spreadsheets keep formatted-but-empty rows
            numbers.append(row_no)
            for name, i in index.items():
                data[name].append(row[i] if i < len(row) else None)
    finally:
        wb.close()
    columns: list[pl.Series] = [pl.Series(ROW, numbers, dtype=pl.Int64)]
    for name, values in data.items():
        columns.append(_cells(name, values))
    return _typed(pl.DataFrame(columns), shown, profile)


def _cells(name: str, values: list[Any]) -> pl.Series:
    """A spreadsheet column: all instants stays a Datetime column, anything else becomes text."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, dt.datetime) for v in present):
        if all(v.tzinfo is None for v in present):
            return pl.Series(name, values, dtype=pl.Datetime("us"))
    return pl.Series(name, [_cell_text(v) for v in values], dtype=pl.Utf8)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


# --------------------------------------------------------------------------------------------
# Common


def _typed(frame: pl.DataFrame, shown: str, profile: Profile) -> pl.DataFrame:
    """Text for every column except instants; null markers applied; nested values refused."""
    exprs = []
    for name, dtype in frame.schema.items():
        if name == ROW:
            continue
        col = pl.col(name)
        if dtype == pl.Utf8:
            pass
        elif isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.cast_time_unit("us"))
            continue
        elif dtype == pl.Date:
            exprs.append(col.cast(pl.Datetime("us")))
            continue
        elif dtype.is_nested() or dtype == pl.Object:
            raise SvcstdError(Problem(shown, f"column {name!r} holds nested values ({dtype}); flatten it"))
        elif dtype == pl.Boolean:
            col = pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
        else:
            col = col.cast(pl.Utf8)
        if profile.null_values:
            col = pl.when(col.is_in(profile.null_values)).then(None).otherwise(col)
        exprs.append(col.alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
