"""Reading exports larger than memory: map parts of whole cases, join the canonical frames.

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

An export that lists each case's rows together needs no split: each worker maps the cases
inside its own range of the file where it reads them (:func:`map_grouped`), and steps 1 and 2
become one. :func:`map_export` tries that first, unless a number of parts is asked for.

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
from typing import Any, NamedTuple

import polars as pl
import pyarrow.ipc as ipc

from svcstd.errors import Problem, SvcstdError
from svcstd.records.build import CASE, check_paths, map_tables
from svcstd.records.profile import Profile, load_profile
from svcstd.records.readers import (
    ROW,
    Counted,
    CsvRefused,
    NotPlainText,
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

#: The bytes of a grouped export one worker reads and maps at once (:func:`map_grouped`): a
#: 32 MB range of CSV peaks at about 550 MB of a worker's memory while it is mapped (twice
#: that at 64 MB: every cell of a Polars text column costs 16 bytes, empty or not).
MAP_RANGE_BYTES = 32 * 1024 * 1024

_PART = "__part"


def parts_for(paths: Sequence[str | Path], per: int | None = None) -> int:
    """How many parts to split these files into, of ``per`` bytes (default
    :data:`BYTES_PER_PART`; 1: small enough to map at once).

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
    return max(1, -(-size // (per or BYTES_PER_PART)))


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
    #: Added to the saved events' ``source_row`` when they are read back: a part mapped where
    #: its range was read numbers rows from its range's start (see :func:`map_grouped`).
    shift: int = 0
    rows: int = 0  # its events

    @property
    def saved(self) -> Saved:
        assert self.events is not None and self.cases is not None
        return Saved(self.events, self.cases, self.shift)


class Saved(NamedTuple):
    """A mapped part's files (:func:`save_part`), what to add to its events' rows, and which
    of its cases to read (all when None)."""

    events: str
    cases: str
    shift: int = 0
    only: pl.Series | None = None


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
    with exported(paths, profile, parts, jobs, workdir) as ex:
        with worker_pool(ex.jobs) as run:
            mapped = map_export(run, ex.files, ex.shown, ex.prof, parts, ex.folder, ex.jobs)
        meta = mapped.parts[0].meta
        assert meta is not None
        records = load_parts([r.saved for r in mapped.parts], meta)
    return replace(records, files=tuple(mapped.sources))


def route(batch: pl.DataFrame, prof: Profile, parts: int) -> dict[int, pl.DataFrame]:
    """A batch of raw rows by part: ``hash(case id) mod parts`` (every engine routes so)."""
    key = pl.col(prof.case_id).cast(pl.Utf8).str.strip_chars().hash(0) % parts
    keyed = batch.with_columns(key.fill_null(0).alias(_PART))
    pieces = keyed.partition_by(_PART, as_dict=True, include_key=False)
    return {int(k): piece for (k,), piece in pieces.items()}


def split(
    files: list[Path], shown: list[str], prof: Profile, parts: int, folder: Path, jobs: int = 1,
    run: Run | None = None,
) -> tuple[list[SourceFile], list[dict[str, pl.DataType]], list[list[int]]]:  # fmt: skip
    """Stream every file's rows into IPC files by part (``hash(case id) mod parts``) and input
    file: ``folder/{k}-{i}/{r:05d}.arrow``, the rows of part ``k`` from range ``r`` of file ``i``.

    Returns each file's :class:`SourceFile` and column types, and the row offset of each of
    its ranges: ``__row`` in a range's pieces counts from 1, and :func:`map_part` adds the
    offset, so rows are numbered as in the whole file.

    With ``jobs`` > 1 and more than :data:`RANGE_BYTES` of local CSV and Parquet, the files are
    cut into ranges that ``jobs`` worker processes split at once (:func:`_split_ranges`; on
    ``run``'s workers when given); otherwise this process reads file after file, one range
    each.
    """
    if jobs > 1 and sum(_ranged_size(p, prof) for p in files) > RANGE_BYTES:
        return _split_ranges(files, shown, prof, parts, folder, jobs, run)
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
    files: list[Path], shown: list[str], prof: Profile, parts: int, folder: Path, jobs: int,
    run: Run | None = None,
) -> tuple[list[SourceFile], list[dict[str, pl.DataType]], list[list[int]]]:  # fmt: skip
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
        with contextlib.ExitStack() as pool:
            if run is None:
                run = pool.enter_context(worker_pool(min(jobs, len(work)) or 1))
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


class Workers:
    """``run(fn, argument tuples)`` → ``fn``'s results in order, on worker processes or, with
    no pool, in this process (see :func:`worker_pool`)."""

    def __init__(self, pool: cf.ProcessPoolExecutor | None) -> None:
        self.pool = pool

    def __call__(self, fn: Callable[..., Any], work: list[tuple[Any, ...]]) -> list[Any]:
        if self.pool is None:
            return [fn(*w) for w in work]
        return list(self.pool.map(fn, *zip(*work, strict=True))) if work else []

    def until(
        self, fn: Callable[..., Any], work: list[tuple[Any, ...]], stop: Callable[[Any], bool]
    ) -> tuple[list[Any], Any]:
        """``fn``'s results in order and None, or, as soon as one result meets ``stop``, no
        results and that one: the tasks not started yet are cancelled (those running finish,
        their results unread)."""
        if self.pool is None:
            done = []
            for w in work:
                done.append(fn(*w))
                if stop(done[-1]):
                    return [], done[-1]
            return done, None
        futures = [self.pool.submit(fn, *w) for w in work]
        for future in cf.as_completed(futures):
            if stop(result := future.result()):
                for f in futures:
                    f.cancel()
                return [], result
        return [f.result() for f in futures], None


#: ``run(fn, argument tuples)`` → ``fn``'s results in order (see :func:`worker_pool`).
Run = Callable[[Callable[..., Any], list[tuple[Any, ...]]], list[Any]]


#: How the workers' memory allocator (jemalloc, which Polars brings on Linux) hands freed
#: memory back: within a second, not ten. A worker maps a range, then judges a group, each
#: with a peak of its own; holding the last one's freed pages for ten seconds would stack
#: them: at 10^7 events the run peaked at 1,984 MiB, and at 1,737 MiB with this setting, in
#: the same time (at once, ``dirty_decay_ms:0``: 1,584 MiB, but judging took 30 % longer).
#: A value the user set is kept.
WORKER_MALLOC_CONF = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:1000,muzzy_decay_ms:0"}


@contextmanager
def worker_pool(jobs: int) -> Iterator[Workers]:
    """Workers on ``jobs`` processes (spawned: Polars' thread pool is not fork-safe), or in
    this process when ``jobs`` is 1.

    Each worker's Polars uses its share of the CPUs (``POLARS_MAX_THREADS``, unless the user
    set it): ``jobs`` workers each with a thread per CPU would contend for them. At 10^7
    events on 2 CPUs, one thread each mapped in 26 s instead of 28 s and judged in 43 s
    instead of 47 s.
    """
    if jobs == 1:
        yield Workers(None)
        return
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    arrow = {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"} if returning_arrow_pool() else {}
    # read when a worker first loads Polars (or pyarrow); workers are spawned as tasks come,
    # so the settings last as long as the pool
    with _environ(POLARS_MAX_THREADS=threads, **WORKER_MALLOC_CONF, **arrow):
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            yield Workers(pool)


def returning_arrow_pool() -> bool:
    """Whether pyarrow has its jemalloc memory pool, which hands freed memory back to the
    system within a second.

    pyarrow's default pool (mimalloc) keeps what it freed: a worker that had read Parquet
    row groups went on judging with some 200 MB more than one that had read CSV, and at 10^7
    events a Parquet export peaked at 2.2 GB where the same events from CSV took 1.7 GB.
    Workers use jemalloc when pyarrow has it (``ARROW_DEFAULT_MEMORY_POOL``, unless the user
    set it); so does the ``svcstd`` command itself.
    """
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return False
    return True


@contextmanager
def _environ(**defaults: str) -> Iterator[None]:
    """Environment variables the user did not set, set for the time being."""
    added = [k for k in defaults if k not in os.environ]
    os.environ.update({k: defaults[k] for k in added})
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


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


@dataclass(frozen=True)
class Export:
    """Export files to map in parts, and the temporary folder the parts go to."""

    prof: Profile
    files: list[Path]
    shown: list[str]
    folder: Path
    jobs: int


@contextmanager
def exported(
    paths: str | Path | Sequence[str | Path], profile: str | Path | Profile, parts: int | None,
    jobs: int | None, workdir: str | Path | None,
) -> Iterator[Export]:  # fmt: skip
    """The export's files and a temporary folder for its parts (in ``workdir``), removed
    afterwards; ``jobs`` defaults to the CPU count, at most one per part (``parts``, or as
    many as a grouped export has ranges)."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    files, shown = check_paths(paths, prof)
    count = parts or parts_for(files, min(BYTES_PER_PART, MAP_RANGE_BYTES))
    jobs = max(1, min(jobs or os.cpu_count() or 1, count))
    folder = Path(tempfile.mkdtemp(prefix="svcstd-parts-", dir=workdir))
    try:
        yield Export(prof, files, shown, folder, jobs)
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


def load_part(saved: Saved, meta: RecordSet, only: pl.Series | None = None) -> RecordSet:
    """A part saved by :func:`save_part`, read back: all its cases, or those ``only`` and
    ``saved.only`` name (a part holds whole cases, so any of them is a record set of its
    own)."""
    names = [ids for ids in (saved.only, only) if ids is not None]
    if not names:
        events, cases = pl.read_ipc(saved.events), pl.read_ipc(saved.cases)
    else:
        mine = pl.all_horizontal(pl.col(CASE).is_in(ids.implode()) for ids in names)
        events = pl.scan_ipc(saved.events).filter(mine).collect()
        cases = pl.scan_ipc(saved.cases).filter(mine).collect()
    if saved.shift:
        events = events.with_columns(pl.col("source_row") + saved.shift)
    return replace(meta, events=events, cases=cases)


def load_parts(
    saved: Sequence[Saved], meta: RecordSet, only: pl.Series | None = None
) -> RecordSet:
    """Parts saved by :func:`save_part` read back as one record set, sorted as
    :class:`RecordSet` promises (parts hold whole cases); with ``only``, just the cases it
    names."""
    if len(saved) == 1:
        return load_part(saved[0], meta, only)
    parts = [load_part(s, meta, only) for s in saved]
    return replace(
        meta,
        events=pl.concat([p.events for p in parts]).sort(CASE, "at", "seq"),
        cases=pl.concat([p.cases for p in parts], how="diagonal_relaxed").sort(CASE),
    )


def _saved_part(
    folder: Path, k: int, records: RecordSet, formats: tuple[str, ...] | None,
    extra: Callable[[RecordSet], Any] | None,
) -> _Part:  # fmt: skip
    """A mapped part written to ``folder`` (:func:`save_part`), with ``extra(records)``."""
    events, cases, meta = save_part(folder, k, records)
    derived = extra(records) if extra is not None else None
    return _Part(events, cases, formats, None, (0, 0), meta, k, derived,
                 rows=records.events.height)  # fmt: skip


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
    return _saved_part(folder, k, *done, extra)


# --------------------------------------------------------------------------------------------
# An export grouped by case: each range mapped where it is read


@dataclass(frozen=True)
class Mapped:
    """An export mapped in parts: its files, and the parts that hold rows."""

    sources: list[SourceFile]
    parts: list[_Part]
    grouped: bool  # mapped range by range (:func:`map_grouped`), not split by case first


def map_export(
    run: Workers, files: list[Path], shown: list[str], prof: Profile, parts: int | None,
    folder: Path, jobs: int, extra: Callable[[RecordSet], Any] | None = None,
) -> Mapped:  # fmt: skip
    """The export mapped in parts holding whole cases, their files in ``folder``.

    With ``parts`` unset, an export grouped by case is mapped range by range
    (:func:`map_grouped`); otherwise, or when it is not grouped, it is split into ``parts``
    (default: one per 48 MB) by case first (:func:`split`, :func:`map_parts`).
    """
    if parts is None:
        grouped = map_grouped(run, files, shown, prof, folder, extra)
        if grouped is _UNPLAIN:  # validate the text serially, and try again
            grouped = map_grouped(run, files, shown, prof, folder, extra, deferred=False)
        if isinstance(grouped, Mapped):
            return grouped
    count = parts or parts_for(files)
    sources, schemas, offsets = split(files, shown, prof, count, folder, jobs, run)
    done = Split(prof, shown, sources, schemas, folder, count, jobs, offsets)
    return Mapped(sources, map_parts(run, done, extra), grouped=False)


@dataclass(frozen=True)
class _Ranged:
    """What a worker made of one range mapped where it lies (see :func:`map_grouped`); rows
    are numbered from the range's start."""

    i: int
    rows: int = 0  # the rows read, a CSV file's blank lines included
    kept: int = 0  # the rows that are not blank
    schema: dict[str, pl.DataType] | None = None
    part: _Part | None = None  # the range's inner cases, mapped (None: it has none)
    inner: pl.Series | None = None  # their case ids
    edges: pl.DataFrame | None = None  # the raw rows of its first and last case
    failed: SvcstdError | None = None  # mapping the inner cases failed
    error: SvcstdError | None = None  # reading the range failed
    refused: str | None = None  # Polars refused the CSV text: its message
    ungrouped: bool = False  # a case's rows are not together: the export is not grouped
    unplain: bool = False  # its text, not validated beforehand, is not plain UTF-8


def _case_key(prof: Profile) -> pl.Expr:
    return pl.col(prof.case_id).cast(pl.Utf8).str.strip_chars()


#: What :func:`map_grouped` returns when text it did not validate first is not plain UTF-8.
_UNPLAIN = object()


def map_grouped(
    run: Workers, files: list[Path], shown: list[str], prof: Profile, folder: Path,
    extra: Callable[[RecordSet], Any] | None = None, deferred: bool = True,
) -> Mapped | object | None:  # fmt: skip
    """An export whose rows come grouped by case, mapped range by range with no split; None
    when it is not grouped (or not local CSV and Parquet files with one set of columns).

    Exports usually list a case's rows together (both real logs in the tests do), so a range
    of whole records (:func:`svcstd.records.readers.ranges`) holds whole cases but for the
    first and the last, which may go on in the ranges beside it. A worker reads its range
    and maps the cases *inside* it as a part, where it read them: no rows are written, routed
    or read again. The edge cases' raw rows come back to this process, which maps them as one
    more part. A worker that finds a case's rows apart within its range gives up at once (the
    tasks not started are cancelled); after all ranges, the inner cases of every range must
    be their own (no case inside two ranges, or at an edge too), else the export is not
    grouped and the caller splits it.

    Rows are numbered from each range's start; the rows of the ranges before it are only
    known once all are read, so a part's events are shifted when read back
    (:attr:`Saved.shift`), and the error of a failed range is made again here with its rows
    numbered in the file. Errors are the split's: the first file or range that cannot be read,
    else the mapping error of the earliest file and row.

    With ``deferred``, a plain CSV file's text is validated where its ranges are read, not
    first by one serial pass over the file (``utf8_text(deferred=True)``): a range with a NUL
    byte, a line too long or bytes that are not UTF-8 ends the attempt at once with
    :data:`_UNPLAIN`. Called again without ``deferred``, the serial pass names the line, or
    converts the file (GB18030) for the ranges to read.
    """
    with contextlib.ExitStack() as stack:
        cut: list[tuple[int, Range]] = []
        encodings: list[str | None] = []
        for i, (path, name) in enumerate(zip(files, shown, strict=True)):
            try:
                fmt = _ranged_format(path, name, prof)
                if fmt is None:
                    return None
                encoding, target, checked = None, path, True
                if fmt == "csv":
                    prep = stack.enter_context(
                        utf8_text(path, name, prof.encoding, deferred=deferred)
                    )
                    encoding, target, checked = prep.encoding, prep.path, prep.checked
                found = ranges(target, name, fmt, prof, require(name, prof), MAP_RANGE_BYTES)
                if not checked:
                    found = [replace(part, checked=False) for part in found]
            except SvcstdError:
                return None  # the split reports it, after the files before it
            cut += [(i, part) for part in found]
            encodings.append(encoding)
        # apart from the split's files, should it come to that, and from a first attempt's,
        # whose ranges still running when it gave up go on writing
        where = folder / ("grouped" if deferred else "grouped-again")
        where.mkdir()
        work = [(where, k, i, part, shown, prof, extra) for k, (i, part) in enumerate(cut)]
        done, stopped = run.until(_map_range, work, _gives_up)
        if stopped is not None:
            return _UNPLAIN if stopped.unplain else None
        for k, d in enumerate(done):  # reading errors first, by file and range, as the split
            if d.error is not None:
                raise d.error
            if d.refused is not None:
                raise refused(cut[k][1], prof, d.refused)
        return _joined_ranges(done, cut, encodings, shown, prof, where, extra)


def _gives_up(done: _Ranged) -> bool:
    """Whether a range's outcome ends the attempt at once."""
    return done.ungrouped or done.unplain


def _joined_ranges(
    done: list[_Ranged], cut: list[tuple[int, Range]], encodings: list[str | None],
    shown: list[str], prof: Profile, where: Path,
    extra: Callable[[RecordSet], Any] | None,
) -> Mapped | None:  # fmt: skip
    """The ranges' parts and the edge cases' part, once every range is read; None when the
    export turns out not grouped."""
    schemas = {tuple(d.schema.items()) for d in done if d.schema is not None}
    if len(schemas) > 1:
        return None  # files with other columns: each part must see them all, as split parts do
    inner = [d.inner for d in done if d.inner is not None]
    edges = [d.edges for d in done if d.edges is not None]
    if inner:
        ids = pl.concat(inner)
        keys = [e.select(_case_key(prof)).to_series() for e in edges]
        at_edges = pl.concat(keys) if keys else ids.clear()
        if ids.n_unique() != ids.len() or ids.is_in(at_edges.implode()).any():
            return None
    # the rows before each range of its file
    shift = [sum(e.rows for e in done[:k] if e.i == d.i) for k, d in enumerate(done)]
    schema = dict(next(iter(schemas))) if schemas else {ROW: pl.Int64}
    failed = [(d.i, shift[k] + d.failed.order[1], k) for k, d in enumerate(done) if d.failed]
    edge_error: SvcstdError | None = None
    edge_part: _Part | None = None
    tables = []
    for i, name in enumerate(shown):
        mine = [d.edges.with_columns(pl.col(ROW) + shift[k]) for k, d in enumerate(done)
                if d.i == i and d.edges is not None and d.edges.height]  # fmt: skip
        frame = pl.concat(mine) if mine else pl.DataFrame(schema=schema)
        tables.append(RawTable(frame, SourceFile(name, "part", None, frame.height)))
    if any(t.frame.height for t in tables):
        try:
            records, formats = map_tables(tables, prof)
        except SvcstdError as exc:
            failed.append((*exc.order, -1))
            edge_error = exc
        else:
            edge_part = _saved_part(where, len(done), records, formats, extra)
    if failed:
        k = min(failed)[2]
        if k < 0 and edge_error is not None:
            raise edge_error
        again = _map_range(where, k, *cut[k], shown, prof, extra, shift=shift[k], save=False)
        assert again.failed is not None
        raise again.failed
    parts = [replace(d.part, shift=shift[k]) for k, d in enumerate(done) if d.part is not None]
    parts += [edge_part] if edge_part is not None else []
    same_formats(parts, shown)
    sources = []
    for i, name in enumerate(shown):
        kept = sum(d.kept for d in done if d.i == i)
        if kept == 0:
            raise SvcstdError(Problem(name, "the file has a header but no data rows"))
        fmt = next(part.fmt for j, part in cut if j == i)
        sources.append(SourceFile(name, fmt, encodings[i], kept))
    return Mapped(sources, parts, grouped=True)


def _map_range(
    folder: Path, k: int, i: int, part: Range, shown: list[str], prof: Profile,
    extra: Callable[[RecordSet], Any] | None, shift: int = 0, save: bool = True,
) -> _Ranged:  # fmt: skip
    """Read range ``part`` of file ``i`` and map the cases inside it as part ``k`` (runs in a
    worker process); ``shift`` is added to its rows."""
    counted = Counted()
    try:
        frames = list(range_batches(part, prof, BATCH_ROWS, counted))
    except SvcstdError as exc:
        return _Ranged(i, error=exc)
    except CsvRefused as exc:
        return _Ranged(i, refused=str(exc))
    except NotPlainText:
        return _Ranged(i, unplain=True)
    if not frames:
        return _Ranged(i, counted.rows)
    raw = pl.concat(frames, rechunk=False)
    if shift:
        raw = raw.with_columns(pl.col(ROW) + shift)
    ids = raw.select(_case_key(prof)).to_series()
    runs = ids.rle().struct.field("len")
    if runs.len() != ids.n_unique():
        return _Ranged(i, ungrouped=True)
    # the first and the last case are runs at either end: the inner cases are a slice (no copy)
    head = runs[0] if runs.len() > 1 else raw.height
    tail = runs[-1] if runs.len() > 1 else 0
    inner = raw.slice(head, raw.height - head - tail)
    edges = pl.concat([raw.head(head), raw.tail(tail)]) if tail else raw.head(head)
    done = _Ranged(i, counted.rows, raw.height, dict(raw.schema), edges=edges)
    if not inner.height:
        return done
    # the cases inside, failed or not, count when the ranges are held against each other
    done = replace(done, inner=ids.slice(head, inner.height).unique())
    tables = []
    for j, name in enumerate(shown):  # every file, so the part's source_file knows them all
        frame = inner if j == i else inner.clear()
        tables.append(RawTable(frame, SourceFile(name, "part", None, frame.height)))
    try:
        records, formats = map_tables(tables, prof)
    except SvcstdError as exc:
        return replace(done, failed=exc)
    if not save:
        return done
    return replace(done, part=_saved_part(folder, k, records, formats, extra))


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
    "MAP_RANGE_BYTES",
    "RANGE_BYTES",
    "Export",
    "Mapped",
    "Run",
    "Saved",
    "Split",
    "Workers",
    "bare",
    "earliest_error",
    "exported",
    "load_part",
    "load_parts",
    "map_export",
    "map_grouped",
    "map_part",
    "map_parts",
    "parts_for",
    "read_records_partitioned",
    "route",
    "same_formats",
    "save_part",
    "split",
    "worker_pool",
]
