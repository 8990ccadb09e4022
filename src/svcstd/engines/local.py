"""The local engine: an export split by case, each part mapped and judged on its own process.

Memory stays bounded by a part's size, not the export's: the export streams into parts (Arrow
IPC files in a temporary folder, :func:`svcstd.records.partitioned.split`); each worker maps
one part. Mapped parts are then judged in *groups* of about :data:`JUDGE_BYTES` of canonical
events — a group holds whole cases as its parts do. The failures chosen for evidence (a few
thousand at most) are explained by the driver, from just their cases read back from the
groups' files. Judging has a fixed cost per call (a few thousand small Polars operations,
≈2 s on one core, whatever the size), so groups are as large as memory allows, as many as
keep every worker busy to the end: a multiple of the number of workers. The driver holds only
the small things: the parts' shared facts, the findings and verdict counts (passes stay in the
workers' files, see :mod:`svcstd.checks.store`), every case's canonical fields and first
event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
    Saved,
    earliest_error,
    exported,
    load_parts,
    map_export,
    worker_pool,
)
from svcstd.records.profile import Profile
from svcstd.records.schema import RecordSet

Progress = Callable[[str, int, int], None]

#: Canonical events (Arrow IPC bytes) judged in one call: about half a million events of a
#: generated export, ~0.8 GB of a worker's memory at its peak (measured at 10^7 events).
JUDGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class _Judged:
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
    """Judge export files in parts of whole cases on ``jobs`` processes (default: the CPU
    count); the result equals ``run_check(read_records(paths, profile), …)``.

    An export grouped by case is mapped range by range where it is read; any other, or any
    with ``parts`` given, is split by case into ``parts`` (default: one per 48 MB) first
    (:func:`svcstd.records.partitioned.map_export`).
    """
    tell = progress or (lambda step, done, total: None)
    tell("reading and mapping the export", 0, 4)
    with exported(paths, profile, parts, jobs, workdir) as ex:
        with worker_pool(ex.jobs) as run:
            mapped = map_export(run, ex.files, ex.shown, ex.prof, parts, ex.folder, ex.jobs,
                                extra=facts_of)  # fmt: skip
            how = "range by range" if mapped.grouped else "split by case"
            tell(f"mapped {len(mapped.parts)} parts ({how})", 1, 4)
            sources = mapped.sources
            shared = merge_facts([m.extra for m in mapped.parts])
            done = [replace(m, extra=None) for m in mapped.parts]
            del mapped  # the parts' facts are merged: their copies can go
            groups = judge_groups(done, ex.jobs)
            tell(f"judging {len(done)} parts in {len(groups)} groups", 2, 4)
            meta = done[0].meta
            assert meta is not None
            work = [(ex.folder, k, g, meta, plan, shared) for k, g in enumerate(groups)]
            judged = run(_judge, work)
        # The workers are gone while the driver combines: their memory is not held idle.
        earliest_error(judged)

        def explain_parts(wanted: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
            # A few thousand failures at most (a cap per rule), explained here from their
            # cases' events alone: cheaper than starting workers again.
            tell("explaining failures", 3, 4)
            only = wanted.get_column("case_id").unique()
            explained = load_parts([f for g in groups for f in g], meta, only)
            return explain_part(explained, plan, shared, wanted)

        parts_judged = [j.part for j in judged if j.part is not None]
        result = assemble(parts_judged, plan, meta, sources, explain_parts, workdir)
    tell("done", 4, 4)
    return result


#: A judging group: the files of the mapped parts it joins.
Group = list[Saved]


def judge_groups(parts: Sequence[Any], jobs: int, size: int = JUDGE_BYTES) -> list[Group]:
    """Mapped parts joined into groups of at most about ``size`` bytes of events, balanced by
    size (largest part first, to the lightest group), and as many groups as a multiple of
    ``jobs`` (while there are parts): workers judging groups of one size finish together,
    where one group more than a round would leave the last worker alone. Each group lists its
    parts in part order, so a group reads the same every run."""
    sizes = {m.k: Path(m.events).stat().st_size for m in parts}
    rounds = -(-sum(sizes.values()) // (size * jobs))
    count = min(len(parts), max(1, rounds) * jobs)
    load = [0] * count
    members: list[list[Any]] = [[] for _ in range(count)]
    for m in sorted(parts, key=lambda m: (-sizes[m.k], m.k)):
        lightest = min(range(count), key=lambda i: (load[i], i))
        load[lightest] += sizes[m.k]
        members[lightest].append(m)
    return [
        [m.saved for m in sorted(group, key=lambda m: m.k)]
        for group in members
        if group
    ]


def _judge(
    folder: Path, k: int, group: Group, meta: RecordSet, plan: Plan, shared: SharedFacts
) -> _Judged:
    try:
        part = judge_part(load_parts(group, meta), plan, shared)
        return _Judged(part.spill(str(folder / f"passes-{k}.arrow"),
                                  str(folder / f"findings-{k}.arrow")))  # fmt: skip
    except SvcstdError as exc:
        return _Judged(None, exc, exc.order)


__all__ = ["JUDGE_BYTES", "check_files", "judge_groups"]
