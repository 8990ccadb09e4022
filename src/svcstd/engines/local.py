"""The local engine: an export split by case, each part mapped and judged on its own process.

Memory stays bounded by a part's size, not the export's: the export streams into parts (Arrow
IPC files in a temporary folder, :func:`svcstd.records.partitioned.split`); each worker maps
one part, then judges it, then explains the failures chosen in it, reading the part back from
its files each time (the operating system's cache keeps that cheap). The driver holds only the
small things: the parts' shared facts, the verdicts, every case's canonical fields and first
event.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
from svcstd.errors import SvcstdError
from svcstd.records.build import check_paths
from svcstd.records.partitioned import (
    earliest_error,
    load_part,
    map_part,
    parts_for,
    same_formats,
    save_part,
    split,
)
from svcstd.records.profile import Profile, load_profile
from svcstd.records.schema import RecordSet

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Mapped:
    k: int
    events: str | None
    cases: str | None
    meta: RecordSet | None
    formats: tuple[str, ...] | None
    facts: SharedFacts | None
    error: SvcstdError | None = None
    order: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Judged:
    k: int
    part: PartVerdicts | None
    error: SvcstdError | None = None
    order: tuple[int, int] = (0, 0)


def check_files(
    paths: str | Path | Sequence[str | Path],
    profile: str | Path | Profile,
    plan: Plan,
    *,
    parts: int | None = None,
    jobs: int | None = None,
    workdir: str | Path | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Judge export files split into ``parts`` (default: one per 48 MB) on ``jobs`` processes
    (default: the CPU count); the result equals ``run_check(read_records(paths, profile), …)``.
    """
    tell = progress or (lambda step, done, total: None)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    files, shown = check_paths(paths, prof)
    parts = parts or parts_for(files)
    jobs = max(1, min(jobs or os.cpu_count() or 1, parts))
    folder = Path(tempfile.mkdtemp(prefix="svcstd-parts-", dir=workdir))
    try:
        tell("splitting the export by case", 0, 4)
        sources, schemas = split(files, shown, prof, parts, folder)
        names = [s.path for s in sources]
        with _pool(jobs) as run:
            tell(f"mapping {parts} parts", 1, 4)
            mapped = run(_map, [(folder, k, names, schemas, prof) for k in range(parts)])
            earliest_error(mapped)
            same_formats(mapped, shown)  # type: ignore[arg-type]
            done = [m for m in mapped if m.meta is not None]
            shared = merge_facts([m.facts for m in done if m.facts is not None])
            tell(f"judging {len(done)} parts", 2, 4)
            work = [(m.k, m.events, m.cases, m.meta, plan, shared) for m in done]
            judged = run(_judge, work)
            earliest_error(judged)
            holder = {m.k: m for m in done}
            owner = pl.concat(
                [j.part.cases.select("case_id", _k=pl.lit(j.k)) for j in judged if j.part]
            )  # fmt: skip

            def explain_parts(wanted: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
                tell("explaining failures", 3, 4)
                by_part = wanted.join(owner, on="case_id").partition_by("_k", as_dict=True)
                tasks = [
                    (holder[k].events, holder[k].cases, holder[k].meta, plan, shared,
                     frame.drop("_k"))
                    for (k,), frame in sorted(by_part.items())
                ]  # fmt: skip
                evidence: dict[tuple[str, str], dict[str, Any]] = {}
                for found in run(_explain, tasks):
                    evidence.update(found)
                return evidence

            meta = done[0].meta
            assert meta is not None
            result = assemble(
                [j.part for j in judged if j.part is not None], plan, meta, sources, explain_parts
            )
        tell("done", 4, 4)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _pool(jobs: int) -> Iterator[Callable[[Callable[..., Any], list[tuple[Any, ...]]], list[Any]]]:
    """``run(fn, argument tuples)`` → results in order: on ``jobs`` worker processes (spawned:
    Polars' thread pool is not fork-safe), or in this process when ``jobs`` is 1."""
    if jobs == 1:
        yield lambda fn, work: [fn(*w) for w in work]
        return
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
        yield lambda fn, work: list(pool.map(fn, *zip(*work, strict=True))) if work else []


def _map(
    folder: Path, k: int, files: list[str], schemas: list[dict[str, pl.DataType]], prof: Profile
) -> _Mapped:
    try:
        done = map_part(folder, k, files, schemas, prof)
    except SvcstdError as exc:
        return _Mapped(k, None, None, None, None, None, exc, exc.order)
    if done is None:
        return _Mapped(k, None, None, None, None, None)
    records, formats = done
    events, cases, meta = save_part(folder, k, records)
    return _Mapped(k, events, cases, meta, formats, facts_of(records))


def _judge(
    k: int, events: str, cases: str, meta: RecordSet, plan: Plan, shared: SharedFacts
) -> _Judged:
    try:
        return _Judged(k, judge_part(load_part(events, cases, meta), plan, shared))
    except SvcstdError as exc:
        return _Judged(k, None, exc, exc.order)


def _explain(
    events: str, cases: str, meta: RecordSet, plan: Plan, shared: SharedFacts,
    wanted: pl.DataFrame,
) -> dict[tuple[str, str], dict[str, Any]]:  # fmt: skip
    return explain_part(load_part(events, cases, meta), plan, shared, wanted)


__all__ = ["check_files"]
