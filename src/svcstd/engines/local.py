"""The local engine: an export split by case, each part mapped and judged on its own process.

Memory stays bounded by a part's size, not the export's: the export streams into parts (Arrow
IPC files in a temporary folder, :func:`svcstd.records.partitioned.split`); each worker maps
one part, then judges it, then explains the failures chosen in it, reading the part back from
its files each time (the operating system's cache keeps that cheap). The driver holds only the
small things: the parts' shared facts, the verdicts, every case's canonical fields and first
event.
"""

from __future__ import annotations

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
from svcstd.errors import SvcstdError
from svcstd.records.partitioned import (
    earliest_error,
    load_part,
    map_parts,
    split_export,
    worker_pool,
)
from svcstd.records.profile import Profile
from svcstd.records.schema import RecordSet

Progress = Callable[[str, int, int], None]


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
    tell("splitting the export by case", 0, 4)
    exported = split_export(paths, profile, parts, jobs, workdir)
    with exported as split, worker_pool(split.jobs) as run:
        tell(f"mapping {split.parts} parts", 1, 4)
        done = map_parts(run, split, extra=facts_of)
        shared = merge_facts([m.extra for m in done])
        tell(f"judging {len(done)} parts", 2, 4)
        work = [(split.folder, m.k, m.events, m.cases, m.meta, plan, shared) for m in done]
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
        parts_judged = [j.part for j in judged if j.part is not None]
        result = assemble(parts_judged, plan, meta, split.sources, explain_parts)
    tell("done", 4, 4)
    return result


def _judge(
    folder: Path, k: int, events: str, cases: str, meta: RecordSet, plan: Plan,
    shared: SharedFacts,
) -> _Judged:  # fmt: skip
    try:
        part = judge_part(load_part(events, cases, meta), plan, shared)
        return _Judged(k, part.spill(str(folder / f"verdicts-{k}.arrow")))
    except SvcstdError as exc:
        return _Judged(k, None, exc, exc.order)


def _explain(
    events: str, cases: str, meta: RecordSet, plan: Plan, shared: SharedFacts,
    wanted: pl.DataFrame,
) -> dict[tuple[str, str], dict[str, Any]]:  # fmt: skip
    return explain_part(load_part(events, cases, meta), plan, shared, wanted)


__all__ = ["check_files"]
