"""Reading exports larger than memory: split by case, map each part, join the canonical frames.

:func:`svcstd.records.read_records` maps a whole export at once; its working memory is many
times the raw columns' size (every column of every row is held as text while it is sorted and
mapped). The canonical frames it produces are small — ten columns per event, one row per case.
So a large export is read in three steps:

1. **Split** (streaming): the export's rows are read in batches (CSV and Parquet are scanned
   in bounded memory; see :func:`svcstd.records.readers.read_batches`) and each row goes to
   part ``hash(case id) mod N`` — an Arrow IPC file (LZ4) in a temporary folder. A case's rows
   all land in one part; the file index and data row travel with each row. Large CSV and
   Parquet files are cut into ranges of whole records that ``jobs`` processes split at once
   (:func:`split`).
2. **Map** each part with the profile, exactly as :func:`read_records` maps a whole export,
   on ``jobs`` processes at once. Every part must read timestamps in the same formats (an
   export whose parts disagree — some only ambiguous dates — is refused: name the format in the
   profile). Errors name file, row and column as usual; when several parts fail, the error of
   the earliest file and row is reported.
3. **Join** the parts' events and cases, sorted as :class:`~svcstd.records.schema.RecordSet`
   promises. The result equals :func:`read_records` on the same files (a test holds them equal).

Nothing here depends on the checks: the engine receives an ordinary :class:`RecordSet`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.ipc as ipc

from svcstd.errors import Problem, SvcstdError
from svcstd.records.build import CASE, check_paths, map_tables
from svcstd.records.profile import Profile, load_profile
from svcstd.records.readers import (
    ROW,
    Counted,
    CsvRefused,
    Range,
    RawTable,
    detect_format,
    range_batches,
    ranges,
    read_batches,
    refused,
    require,
)
from svcstd.records.schema import RecordSet, SourceFile
from svcstd.records.textfile import utf8_text

#: Rows per batch while splitting: about 50 MB of a wide export (every cell of a Polars text
#: column costs 16 bytes besides its text).
BATCH_ROWS = 40_000
#: Export bytes per part that keep one part's mapping well under a gigabyte.
BYTES_PER_PART = 48 * 1024 * 1024
#: The most bytes of a CSV or Parquet file (as :func:`parts_for` counts them) one worker
#: splits at a time (a file is cut in even ranges of at most this). A 64 MB range of CSV
#: costs a worker ~1.8 s of CPU (1.8 GB: 28 ranges, 14 per worker on two), so the last one
#: leaves the other cores idle for a second at most; each range writes one file per part, so
#: smaller ranges would only give the map more, smaller pieces to read.
RANGE_BYTES = 64 * 1024 * 1024

_PART = "__part"


def parts_for(paths: Sequence[str | Path]) -> int:
    """How many parts to split these files into (1: small enough to map at once).

    Text exports count their file size. A Parquet file is many times smaller than its rows'
    text, so it counts its uncompressed data size, or three bytes a cell (what mostly empty
    cells cost as CSV), whichever is larger.
    """
    size = 0
    for p in paths:
        try:
            size += _data_size(Path(p))
        except Exception:  # the reader reports the problem with the file
            return 1
    return max(1, -(-size // BYTES_PER_PART))


def _data_size(path: Path) -> int:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        data = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        return max(data, meta.num_rows * meta.num_columns * 3)
    return path.stat().st_size


@dataclass(frozen=True)
class _Part:
    """One part's mapping: where its frames are, or the error it raised."""

    events: str | None
    cases: str | None
    formats: tuple[str, ...] | None
    error: SvcstdError | None
    order: tuple[int, int]
    meta: RecordSet | None
    k: int = 0
    extra: Any = None  # what ``_map_part``'s ``extra`` derived from the part's records


def read_records_partitioned(
    paths: str | Path | Sequence[str | Path],
    profile: str | Path | Profile,
    *,
    parts: int | None = None,
    jobs: int | None = None,
    workdir: str | Path | None = None,
) -> RecordSet:
    """:func:`svcstd.records.read_records` in bounded memory: split by case, map, join.

    ``parts`` defaults to one per 48 MB of export; ``jobs`` (processes mapping parts at once)
    to the machine's CPU count. ``workdir`` holds the parts (a temporary folder by default,
    removed afterwards).
    """
    with split_export(paths, profile, parts, jobs, workdir) as done:
        with worker_pool(done.jobs) as run:
            mapped = map_parts(run, done)
        meta = mapped[0].meta
        assert meta is not None
        records = load_parts([(r.events, r.cases) for r in mapped if r.events and r.cases], meta)
    return replace(records, files=tuple(done.sources))


def route(batch: pl.DataFrame, prof: Profile, parts: int) -> dict[int, pl.DataFrame]:
    """A batch of raw rows by part: ``hash(case id) mod parts`` (every engine routes so)."""
    key = pl.col(prof.case_id).cast(pl.Utf8).str.strip_chars().hash(0) % parts
    keyed = batch.with_columns(key.fill_null(0).alias(_PART))
    pieces = keyed.partition_by(_PART, as_dict=True, include_key=False)
    return {int(k): piece for (k,), piece in pieces.items()}


def split(
    files: list[Path], shown: list[str], prof: Profile, parts: int, folder: Path, jobs: int = 1
) -> tuple[list[SourceFile], list[dict[str, pl.DataType]], list[list[int]]]:
    """Stream every file's rows into IPC files by part (``hash(case id) mod parts``) and input
    file: ``folder/{k}-{i}/{r:05d}.arrow``, the rows of part ``k`` from range ``r`` of file ``i``.

    Returns each file's :class:`SourceFile` and column types, and the row offset of each of
    its ranges: ``__row`` in a range's pieces counts from 1, and :func:`map_part` adds the
    offset, so rows are numbered as in the whole file.

    With ``jobs`` > 1 and more than :data:`RANGE_BYTES` of local CSV and Parquet, the files are
    cut into ranges that ``jobs`` worker processes split at once (:func:`_split_ranges`);
    otherwise this process reads file after file, one range each.
    """
    if jobs > 1 and sum(_ranged_size(p, prof) for p in files) > RANGE_BYTES:
        return _split_ranges(files, shown, prof, parts, folder, jobs)
    sources: list[SourceFile] = []
    schemas: list[dict[str, pl.DataType]] = []
    for i, (path, name) in enumerate(zip(files, shown, strict=True)):
        schema: dict[str, pl.DataType] | None = None
        with _Pieces(folder, i, 0, prof, parts) as pieces:
            items = read_batches(path, name, prof, require(name, prof), BATCH_ROWS)
            for item in _ahead(items):
                if isinstance(item, SourceFile):
                    sources.append(item)
                    continue
                if schema is None:
                    schema = dict(item.schema)
                pieces.write(item)
        assert schema is not None
        schemas.append(schema)
    return sources, schemas, [[0] for _ in files]


class _Pieces:
    """Where one range's rows go: ``folder/{k}-{i}/{r:05d}.arrow`` for each part ``k``.

    A part's file stays open while the range is read and takes each batch's rows for that part
    as one more record batch, so a part gets one file per range however long the range.
    """

    def __init__(self, folder: Path, i: int, r: int, prof: Profile, parts: int) -> None:
        self.folder, self.i, self.r, self.prof, self.parts = folder, i, r, prof, parts
        self.writers: dict[int, ipc.RecordBatchFileWriter] = {}
        self.stack = contextlib.ExitStack()
        # A part's piece of a batch is small (a thousand rows at 37 parts): compressing its
        # columns on one thread costs half what handing them to Arrow's thread pool does.
        self.options = ipc.IpcWriteOptions(compression="lz4", use_threads=False)

    def __enter__(self) -> _Pieces:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def write(self, batch: pl.DataFrame) -> None:
        for k, piece in route(batch, self.prof, self.parts).items():
            table = piece.to_arrow()
            if k not in self.writers:
                target = self.folder / f"{k}-{self.i}"
                target.mkdir(exist_ok=True)
                sink = str(target / f"{self.r:05d}.arrow")
                writer = ipc.new_file(sink, table.schema, options=self.options)
                self.writers[k] = self.stack.enter_context(writer)
            self.writers[k].write_table(table)


def _ranged_size(path: Path, prof: Profile) -> int:
    """The bytes of ``path`` that workers would split in ranges: a local CSV or Parquet
    file's size (as :func:`parts_for` counts it), else 0."""
    try:
        if _ranged_format(path, str(path), prof) is None:
            return 0
        return _data_size(path)
    except Exception:  # the reader reports the problem with the file
        return 0


def _ranged_format(path: Path, shown: str, prof: Profile) -> str | None:
    if not path.is_file():
        return None
    fmt = detect_format(path, prof, shown)
    return fmt if fmt in ("csv", "parquet") else None


@dataclass(frozen=True)
class _Done:
    """What a worker made of one range (or of one file read whole, ``source`` set)."""

    i: int
    r: int
    rows: int = 0  # the rows read, a CSV file's blank lines included
    kept: int = 0  # the rows written
    schema: dict[str, pl.DataType] | None = None
    source: SourceFile | None = None
    error: SvcstdError | None = None
    refused: str | None = None  # Polars refused the CSV text: its message


def _split_ranges(
    files: list[Path], shown: list[str], prof: Profile, parts: int, folder: Path, jobs: int
) -> tuple[list[SourceFile], list[dict[str, pl.DataType]], list[list[int]]]:
    """:func:`split` on ``jobs`` worker processes.

    The driver checks each local CSV and Parquet file (encoding, header, required columns) and
    cuts it into ranges of about :data:`RANGE_BYTES` (:func:`svcstd.records.readers.ranges`;
    a CSV file in another encoding or compressed is cut as the UTF-8 copy ``utf8_text`` makes,
    kept until the workers are done). Every range — and every other file, read whole — is a
    task for the pool. The outcome is what :func:`split` reads serially: the first error by
    file, then range (a file the driver refuses, after the files before it have been split;
    CSV text Polars refuses is located by rescanning the whole file, once).
    """
    planned: list[tuple[list[Range], str | None] | None] = []  # None: read whole by a worker
    stop: SvcstdError | None = None
    with contextlib.ExitStack() as stack:
        for path, name in zip(files, shown, strict=True):
            try:
                fmt = _ranged_format(path, name, prof)
                if fmt is None:
                    planned.append(None)
                    continue
                encoding, target = None, path
                if fmt == "csv":
                    prep = stack.enter_context(utf8_text(path, name, prof.encoding))
                    encoding, target = prep.encoding, prep.path
                cut = ranges(target, name, fmt, prof, require(name, prof), RANGE_BYTES)
            except SvcstdError as exc:
                stop = exc  # raised once the files before this one are split
                break
            planned.append((cut, encoding))
        work: list[tuple[Any, ...]] = []
        for i, plan in enumerate(planned):
            if plan is None:
                work.append((folder, i, 0, None, files[i], shown[i], prof, parts))
            else:
                work.extend((folder, i, r, part, None, None, prof, parts)
                            for r, part in enumerate(plan[0]))  # fmt: skip
        with worker_pool(min(jobs, len(work)) or 1) as run:
            done: list[_Done] = run(_split_range, work)
        sources: list[SourceFile] = []
        schemas: list[dict[str, pl.DataType]] = []
        offsets: list[list[int]] = []
        for i, plan in enumerate(planned):
            mine = [d for d in done if d.i == i]
            for d in mine:
                if d.error is not None:
                    raise d.error
                if d.refused is not None:
                    assert plan is not None
                    raise refused(plan[0][d.r], prof, d.refused)
            kept = sum(d.kept for d in mine)
            if plan is None:
                assert mine[0].source is not None
                sources.append(mine[0].source)
            elif kept == 0:
                raise SvcstdError(Problem(shown[i], "the file has a header but no data rows"))
            else:
                cut, encoding = plan
                sources.append(SourceFile(shown[i], cut[0].fmt, encoding, kept))
            schema = next(d.schema for d in mine if d.schema is not None)
            schemas.append(schema)
            offsets.append([sum(d.rows for d in mine[:r]) for r in range(len(mine))])
    if stop is not None:
        raise stop
    return sources, schemas, offsets


def _split_range(
    folder: Path, i: int, r: int, part: Range | None, path: Path | None, shown: str | None,
    prof: Profile, parts: int,
) -> _Done:  # fmt: skip
    """Split range ``r`` of file ``i`` (or, with no ``part``, the whole file at ``path``) into
    part files (runs in a worker process)."""
    counted = Counted()
    schema: dict[str, pl.DataType] | None = None
    source: SourceFile | None = None
    kept = 0
    try:
        with _Pieces(folder, i, r, prof, parts) as pieces:
            if part is None:
                assert path is not None and shown is not None
                select = require(shown, prof)
                items: Iterator[Any] = read_batches(path, shown, prof, select, BATCH_ROWS)
            else:
                items = range_batches(part, prof, BATCH_ROWS, counted)
            for item in items:
                if isinstance(item, SourceFile):
                    source = item
                    continue
                if schema is None:
                    schema = dict(item.schema)
                kept += item.height
                pieces.write(item)
    except SvcstdError as exc:
        return _Done(i, r, error=exc)
    except CsvRefused as exc:
        return _Done(i, r, refused=str(exc))
    return _Done(i, r, counted.rows, kept, schema, source)


_END = object()


def _ahead(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, each next one produced on a thread while the caller handles this one (the
    reader parses a block while the last one is routed and written)."""
    try:
        with cf.ThreadPoolExecutor(1, thread_name_prefix="svcstd-read") as pool:
            future = pool.submit(next, items, _END)
            while (item := future.result()) is not _END:
                future = pool.submit(next, items, _END)
                yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


#: ``run(fn, argument tuples)`` → ``fn``'s results in order (see :func:`worker_pool`).
Run = Callable[[Callable[..., Any], list[tuple[Any, ...]]], list[Any]]


@contextmanager
def worker_pool(jobs: int) -> Iterator[Run]:
    """``run`` on ``jobs`` worker processes (spawned: Polars' thread pool is not fork-safe),
    or in this process when ``jobs`` is 1."""
    if jobs == 1:
        yield lambda fn, work: [fn(*w) for w in work]
        return
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
        yield lambda fn, work: list(pool.map(fn, *zip(*work, strict=True))) if work else []


@dataclass(frozen=True)
class Split:
    """An export split into part files: where they are and how to read them."""

    prof: Profile
    shown: list[str]
    sources: list[SourceFile]
    schemas: list[dict[str, pl.DataType]]
    folder: Path
    parts: int
    jobs: int
    #: Per file, the row offset of each range's pieces (see :func:`split`).
    offsets: list[list[int]]


@contextmanager
def split_export(
    paths: str | Path | Sequence[str | Path], profile: str | Path | Profile, parts: int | None,
    jobs: int | None, workdir: str | Path | None,
) -> Iterator[Split]:  # fmt: skip
    """The export split by case into ``parts`` (default: one per 48 MB) in a temporary folder
    (in ``workdir``), removed afterwards; ``jobs`` defaults to the CPU count."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    files, shown = check_paths(paths, prof)
    parts = parts or parts_for(files)
    jobs = max(1, min(jobs or os.cpu_count() or 1, parts))
    folder = Path(tempfile.mkdtemp(prefix="svcstd-parts-", dir=workdir))
    try:
        sources, schemas, offsets = split(files, shown, prof, parts, folder, jobs)
        yield Split(prof, shown, sources, schemas, folder, parts, jobs, offsets)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def map_parts(
    run: Run, done: Split, extra: Callable[[RecordSet], Any] | None = None
) -> list[_Part]:
    """Map every split part; the parts that hold rows.

    Raises the error of the earliest file and row when any part fails, and refuses parts that
    read timestamps in different formats.
    """
    names = [s.path for s in done.sources]
    work = [(done.folder, k, names, done.schemas, done.prof, extra, done.offsets)
            for k in range(done.parts)]  # fmt: skip
    results = run(_map_part, work)
    earliest_error(results)
    same_formats(results, done.shown)
    return [r for r in results if r.meta is not None]


def map_part(
    folder: Path, k: int, files: list[str], schemas: list[dict[str, pl.DataType]], prof: Profile,
    offsets: Sequence[Sequence[int]] | None = None,
) -> tuple[RecordSet, tuple[str, ...] | None] | None:  # fmt: skip
    """Part ``k``'s canonical records and timestamp formats (None: the part has no rows).
    ``offsets``: per file, the rows before each range (:func:`split`), added to its pieces'
    ``__row``.

    Raises :class:`~svcstd.errors.SvcstdError` as :func:`read_records` would.
    """
    tables = []
    for i, (name, schema) in enumerate(zip(files, schemas, strict=True)):
        pieces = sorted((folder / f"{k}-{i}").glob("*.arrow"))
        shift = [offsets[i][int(p.stem)] if offsets else 0 for p in pieces]
        frames = [_numbered(pl.read_ipc(p), n) for p, n in zip(pieces, shift, strict=True)]
        frame = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
        tables.append(RawTable(frame, SourceFile(name, "part", None, frame.height)))
    if not any(t.frame.height for t in tables):
        return None
    return map_tables(tables, prof)


def _numbered(piece: pl.DataFrame, offset: int) -> pl.DataFrame:
    return piece.with_columns(pl.col(ROW) + offset) if offset else piece


def save_part(folder: Path, k: int, records: RecordSet) -> tuple[str, str, RecordSet]:
    """Write a mapped part's frames as IPC files: their paths, and the records' metadata."""
    events, cases = folder / f"events-{k}.arrow", folder / f"cases-{k}.arrow"
    records.events.write_ipc(events)
    records.cases.write_ipc(cases)
    return str(events), str(cases), bare(records)


def bare(records: RecordSet) -> RecordSet:
    """The records' metadata, with empty frames (cheap to send to another process)."""
    return replace(records, events=records.events.clear(), cases=records.cases.clear())


def load_part(events: str, cases: str, meta: RecordSet, only: pl.Series | None = None) -> RecordSet:
    """A part saved by :func:`save_part`, read back: all its cases, or those ``only`` names
    (a part holds whole cases, so any of them is a record set of its own)."""
    if only is None:
        return replace(meta, events=pl.read_ipc(events), cases=pl.read_ipc(cases))
    mine = pl.col(CASE).is_in(only.implode())
    return replace(meta, events=pl.scan_ipc(events).filter(mine).collect(),
                   cases=pl.scan_ipc(cases).filter(mine).collect())  # fmt: skip


def load_parts(
    saved: Sequence[tuple[str, str]], meta: RecordSet, only: pl.Series | None = None
) -> RecordSet:
    """Parts saved by :func:`save_part` — ``(events, cases)`` files — read back as one record
    set, sorted as :class:`RecordSet` promises (parts hold whole cases); with ``only``, just
    the cases it names."""
    if len(saved) == 1:
        return load_part(*saved[0], meta, only)
    parts = [load_part(events, cases, meta, only) for events, cases in saved]
    return replace(
        meta,
        events=pl.concat([p.events for p in parts]).sort(CASE, "at", "seq"),
        cases=pl.concat([p.cases for p in parts], how="diagonal_relaxed").sort(CASE),
    )


def _map_part(
    folder: Path, k: int, files: list[str], schemas: list[dict[str, pl.DataType]], prof: Profile,
    extra: Callable[[RecordSet], Any] | None = None, offsets: list[list[int]] | None = None,
) -> _Part:  # fmt: skip
    """Map part ``k`` (runs in a worker process): write its events and cases as IPC files,
    and return ``extra(records)`` along (the checks' shared facts)."""
    try:
        done = map_part(folder, k, files, schemas, prof, offsets)
    except SvcstdError as exc:
        return _Part(None, None, None, exc, exc.order, None, k)
    if done is None:
        return _Part(None, None, None, None, (0, 0), None, k)
    records, formats = done
    events, cases, meta = save_part(folder, k, records)
    derived = extra(records) if extra is not None else None
    return _Part(events, cases, formats, None, (0, 0), meta, k, derived)


def earliest_error(results: Sequence[Any]) -> None:
    """Raise the error of the earliest file and row among the parts' results, if any failed."""
    failed = [r for r in results if r.error is not None]
    if failed:
        raise min(failed, key=lambda r: r.order).error


def same_formats(results: Sequence[Any], shown: list[str]) -> None:
    """Every part must have read timestamps in the same formats."""
    formats = {r.formats for r in results if r.formats is not None}
    if len(formats) > 1:
        raise SvcstdError(
            Problem(shown[0], "parts of the export read timestamps in different formats "
                    "(some dates are ambiguous); set timestamps.formats in the profile")
        )  # fmt: skip


__all__ = [
    "BATCH_ROWS",
    "BYTES_PER_PART",
    "RANGE_BYTES",
    "Run",
    "Split",
    "bare",
    "earliest_error",
    "load_part",
    "load_parts",
    "map_part",
    "map_parts",
    "parts_for",
    "read_records_partitioned",
    "route",
    "same_formats",
    "save_part",
    "split",
    "split_export",
    "worker_pool",
]
