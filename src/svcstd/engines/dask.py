"""The Dask engine: the same steps as the local engine, as tasks on a Dask cluster.

Why Dask and not Spark: svcstd's rules are Polars code, and Dask runs Python functions on
Python objects (Polars frames travel between workers as Arrow IPC) with no second runtime —
no JVM, no conversion of every batch to Spark rows and back. A desk's exports are usually
Parquet in an object store or a shared folder, which Dask reaches through fsspec, and
``dask-scheduler``/``dask-worker`` (or Kubernetes, YARN, SLURM deployments) are a small step
from a laptop's ``LocalCluster``, which is what this module starts when given no scheduler.

The graph, for ``M`` input files and ``N`` parts:

- ``read`` (M tasks): read one Parquet file in batches and route each row to part
  ``hash(case id) mod N`` (the same routing as the local engine); returns the file's facts
  and N pieces — a task-based shuffle, so a case's rows from every file meet in one part;
- ``map`` (N tasks): map part k's pieces with the profile and take its shared facts;
  these results are *persisted*: they stay in the workers' memory for the later steps;
- ``judge`` (N tasks): judge part k with the merged facts (:func:`parts.judge_part`);
- ``explain`` (one task per part holding chosen failures).

The driver only merges facts, combines verdicts and assembles the result
(:func:`parts.assemble`), so the verdicts equal the local engine's (a test runs both on a
``LocalCluster`` in CI).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from svcstd.checks.context import SharedFacts
from svcstd.checks.engine import CheckResult, Plan
from svcstd.engines.parts import (
    PartVerdicts,
    assemble,
    explain_part,
    facts_of,
    judge_part,
    merge_facts,
)
from svcstd.errors import Problem, SvcstdError
from svcstd.records.build import expand_folder, map_tables
from svcstd.records.partitioned import (
    BATCH_ROWS,
    bare,
    earliest_error,
    parts_for,
    route,
    same_formats,
)
from svcstd.records.profile import Profile, load_profile
from svcstd.records.readers import RawTable, read_batches, require
from svcstd.records.schema import RecordSet, SourceFile

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Read:
    source: SourceFile | None
    pieces: tuple[pl.DataFrame, ...]
    error: SvcstdError | None = None
    order: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Mapped:
    records: RecordSet | None
    formats: tuple[str, ...] | None
    facts: SharedFacts | None
    error: SvcstdError | None = None
    order: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Judged:
    part: PartVerdicts | None
    error: SvcstdError | None = None
    order: tuple[int, int] = (0, 0)


def list_parquet(sources: Sequence[str | Path]) -> list[str]:
    """The Parquet files the arguments name: files, folders (every ``*.parquet`` under them)
    and URLs of either (``s3://bucket/desk/``; listed with fsspec, which needs the store's
    package, such as s3fs)."""
    out: list[str] = []
    for source in sources:
        text = str(source)
        if "://" not in text or text.startswith("file://"):
            local = text.removeprefix("file://")
            out += [str(p) if text == local else "file://" + str(p) for p in expand_folder(local)]
            continue
        import fsspec

        try:
            fs, root = fsspec.core.url_to_fs(text)
            protocol = text.split("://", 1)[0]
            if fs.isdir(root):
                found = sorted(p for p in fs.find(root) if p.endswith(".parquet"))
                if not found:
                    why = "is a folder with no Parquet files (*.parquet) in it"
                    raise SvcstdError(Problem(text, why))
                out += [f"{protocol}://{p}" for p in found]
            elif fs.exists(root):
                out.append(text)
            else:
                raise SvcstdError(Problem(text, "no such file or folder"))
        except SvcstdError:
            raise
        except Exception as exc:  # a missing store package, credentials, network
            raise SvcstdError(Problem(text, f"cannot list: {exc}".splitlines()[0])) from None
    for name in out:
        if not name.lower().endswith(".parquet"):
            raise SvcstdError(
                Problem(name, "the dask engine reads Parquet files (*.parquet); check other "
                        "formats with the local engine")
            )  # fmt: skip
    return out


def check_dask(
    paths: Sequence[str | Path],
    profile: str | Path | Profile,
    plan: Plan,
    *,
    parts: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Judge Parquet files (or folders or URLs of them) on a Dask cluster.

    ``scheduler``: the address of a running Dask scheduler (default ``$DASK_SCHEDULER_ADDRESS``);
    without one, a ``LocalCluster`` of ``jobs`` worker processes (default: the CPU count) is
    started for the run and closed after it. ``parts`` defaults to one per 48 MB of Parquet
    data (the local engine's rule).
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SvcstdError(
            Problem("--engine", "the dask engine needs Dask: pip install 'svcstd[dask]'")
        ) from None
    tell = progress or (lambda step, done, total: None)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    files = list_parquet(paths)
    if not files:
        raise SvcstdError(Problem(prof.profile, "no export files given"))
    parts = parts or _parts_for(files)
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    tell("starting Dask", 0, 5)
    if address:
        cluster = None
        client = Client(address)
    else:
        workers = max(1, jobs or os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    try:
        return _run(client, files, prof, plan, parts, tell)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(
    client: Any, files: list[str], prof: Profile, plan: Plan, parts: int, tell: Progress
) -> CheckResult:
    tell(f"reading {len(files)} files into {parts} parts", 1, 5)
    reads = [client.submit(_read, url, name, prof, parts, pure=False)
             for url, name in zip(_readable(files), files, strict=True)]  # fmt: skip
    read = client.gather(reads)
    earliest_error(read)
    sources = [r.source for r in read]
    mapped = [
        client.submit(_map, [reads[i] for i in range(len(files))], k, files, prof, pure=False)
        for k in range(parts)
    ]
    tell(f"mapping {parts} parts", 2, 5)
    facts = client.gather([client.submit(_facts, m, pure=False) for m in mapped])
    earliest_error(facts)
    same_formats(facts, files)
    held = [k for k, f in enumerate(facts) if f.facts is not None]
    shared = merge_facts([f.facts for f in facts if f.facts is not None])
    del reads  # the pieces are no longer needed once every part is mapped
    tell(f"judging {len(held)} parts", 3, 5)
    shared_f = client.scatter(shared, broadcast=True)
    judged = client.gather([client.submit(_judge, mapped[k], plan, shared_f, pure=False)
                            for k in held])  # fmt: skip
    earliest_error(judged)
    owner = pl.concat(
        [j.part.cases.select("case_id", _k=pl.lit(k)) for k, j in zip(held, judged, strict=True)]
    )

    def explain_parts(wanted: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
        tell("explaining failures", 4, 5)
        by_part = wanted.join(owner, on="case_id").partition_by("_k", as_dict=True)
        futures = [client.submit(_explain, mapped[k], plan, shared_f, frame.drop("_k"), pure=False)
                   for (k,), frame in sorted(by_part.items())]  # fmt: skip
        evidence: dict[tuple[str, str], dict[str, Any]] = {}
        for found in client.gather(futures):
            evidence.update(found)
        return evidence

    meta = client.submit(_meta, mapped[held[0]], pure=False).result()
    result = assemble([j.part for j in judged], plan, meta, sources, explain_parts)
    tell("done", 5, 5)
    return result


def _readable(files: list[str]) -> list[str | Path]:
    """What the reader opens: a local path, or the URL itself (read by Polars)."""
    out: list[str | Path] = []
    for name in files:
        if "://" not in name:
            out.append(Path(name))
        elif name.startswith("file://"):
            out.append(Path(name.removeprefix("file://")))
        else:
            out.append(name)
    return out


def _parts_for(files: list[str]) -> int:
    """The local engine's rule (one part per 48 MB of data); remote files' sizes are not
    fetched: a part per file."""
    if any("://" in f and not f.startswith("file://") for f in files):
        return max(1, len(files))
    return parts_for([f.removeprefix("file://") for f in files])


# -- tasks (run on the workers) -------------------------------------------------------------


def _read(path: str | Path, shown: str, prof: Profile, parts: int) -> _Read:
    """One file's rows, routed by case into ``parts`` pieces (and its SourceFile)."""
    pieces: list[list[pl.DataFrame]] = [[] for _ in range(parts)]
    source: SourceFile | None = None
    try:
        for item in read_batches(path, shown, prof, require(shown, prof), BATCH_ROWS):
            if isinstance(item, SourceFile):
                source = item
                continue
            for k, piece in route(item, prof, parts).items():
                pieces[k].append(piece)
    except SvcstdError as exc:
        return _Read(None, (), exc, exc.order)
    except Exception as exc:  # an unreachable object store, a corrupt file
        error = SvcstdError(Problem(shown, f"cannot read as Parquet: {exc}".splitlines()[0]))
        return _Read(None, (), error, error.order)
    assert source is not None
    schema = next((p[0].clear() for p in pieces if p), pl.DataFrame())
    return _Read(source, tuple(pl.concat(p) if p else schema for p in pieces))


def _map(reads: list[_Read], k: int, files: list[str], prof: Profile) -> _Mapped:
    tables = [RawTable(r.pieces[k], SourceFile(name, "part", None, r.pieces[k].height))
              for r, name in zip(reads, files, strict=True)]  # fmt: skip
    if not any(t.frame.height for t in tables):
        return _Mapped(None, None, None)
    try:
        records, formats = map_tables(tables, prof)
    except SvcstdError as exc:
        return _Mapped(None, None, None, exc, exc.order)
    return _Mapped(records, formats, facts_of(records))


def _facts(m: _Mapped) -> _Mapped:
    """What the driver needs of a mapped part: all but its records, which stay on the worker."""
    return _Mapped(None, m.formats, m.facts, m.error, m.order)


def _judge(m: _Mapped, plan: Plan, shared: SharedFacts) -> _Judged:
    assert m.records is not None
    try:
        return _Judged(judge_part(m.records, plan, shared))
    except SvcstdError as exc:
        return _Judged(None, exc, exc.order)


def _explain(
    m: _Mapped, plan: Plan, shared: SharedFacts, wanted: pl.DataFrame
) -> dict[tuple[str, str], dict[str, Any]]:
    assert m.records is not None
    return explain_part(m.records, plan, shared, wanted)


def _meta(m: _Mapped) -> RecordSet:
    assert m.records is not None
    return bare(m.records)


__all__ = ["check_dask", "list_parquet"]
