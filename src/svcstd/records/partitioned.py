"""Reading exports larger than memory: split by case, map each part, join the canonical frames.

:func:`svcstd.records.read_records` maps a whole export at once; its working memory is many
times the raw columns' size (every column of every row is held as text while it is sorted and
mapped). The canonical frames it produces are small — ten columns per event, one row per case.
So a large export is read in three steps:

1. **Split** (streaming): the export's rows are read in batches (CSV and Parquet are scanned
   in bounded memory; see :func:`svcstd.records.readers.read_batches`) and each row goes to
   part ``hash(case id) mod N`` — an Arrow IPC file (LZ4) in a temporary folder. A case's rows
   all land in one part; the file index and data row travel with each row.
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
from svcstd.records.readers import RawTable, read_batches, require
from svcstd.records.schema import RecordSet, SourceFile

#: Rows per batch while splitting: about 50 MB of a wide export (every cell of a Polars text
#: column costs 16 bytes besides its text).
BATCH_ROWS = 40_000
#: Export bytes per part that keep one part's mapping well under a gigabyte.
BYTES_PER_PART = 48 * 1024 * 1024

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
    files: list[Path], shown: list[str], prof: Profile, parts: int, folder: Path
) -> tuple[list[SourceFile], list[dict[str, pl.DataType]]]:
    """Stream every file's rows into one IPC file per part and input file, by case id.

    Each part's file stays open while its input file is read and takes each batch's rows
    for that part as one more record batch, so a part is one file however long the export.
    """
    sources: list[SourceFile] = []
    schemas: list[dict[str, pl.DataType]] = []
    # A part's piece of a batch is small (a thousand rows at 37 parts): compressing its
    # columns on one thread costs half what handing them to Arrow's thread pool does.
    options = ipc.IpcWriteOptions(compression="lz4", use_threads=False)
    for i, (path, name) in enumerate(zip(files, shown, strict=True)):
        schema: dict[str, pl.DataType] | None = None
        with contextlib.ExitStack() as stack:
            writers: dict[int, ipc.RecordBatchFileWriter] = {}
            items = read_batches(path, name, prof, require(name, prof), BATCH_ROWS)
            for item in _ahead(items):
                if isinstance(item, SourceFile):
                    sources.append(item)
                    continue
                if schema is None:
                    schema = dict(item.schema)
                for k, piece in route(item, prof, parts).items():
                    table = piece.to_arrow()
                    if k not in writers:
                        target = folder / f"{k}-{i}"
                        target.mkdir()
                        sink = str(target / "part.arrow")
                        writers[k] = stack.enter_context(ipc.new_file(sink, table.schema, options=options))
                    writers[k].write_table(table)
        assert schema is not None
        schemas.append(schema)
    return sources, schemas


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
        sources, schemas = split(files, shown, prof, parts, folder)
        yield Split(prof, shown, sources, schemas, folder, parts, jobs)
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
    work = [(done.folder, k, names, done.schemas, done.prof, extra) for k in range(done.parts)]
    results = run(_map_part, work)
    earliest_error(results)
    same_formats(results, done.shown)
    return [r for r in results if r.meta is not None]


def map_part(
    folder: Path, k: int, files: list[str], schemas: list[dict[str, pl.DataType]], prof: Profile
) -> tuple[RecordSet, tuple[str, ...] | None] | None:
    """Part ``k``'s canonical records and timestamp formats (None: the part has no rows).

    Raises :class:`~svcstd.errors.SvcstdError` as :func:`read_records` would.
    """
    tables = []
    for i, (name, schema) in enumerate(zip(files, schemas, strict=True)):
        pieces = sorted((folder / f"{k}-{i}").glob("*.arrow"))
        frame = pl.concat([pl.read_ipc(p) for p in pieces]) if pieces else pl.DataFrame(schema=schema)
        tables.append(RawTable(frame, SourceFile(name, "part", None, frame.height)))
    if not any(t.frame.height for t in tables):
        return None
    return map_tables(tables, prof)


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
    extra: Callable[[RecordSet], Any] | None = None,
) -> _Part:  # fmt: skip
    """Map part ``k`` (runs in a worker process): write its events and cases as IPC files,
    and return ``extra(records)`` along (the checks' shared facts)."""
    try:
        done = map_part(folder, k, files, schemas, prof)
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
