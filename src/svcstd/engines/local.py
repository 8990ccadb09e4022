"""The local engine: an export split by case, each part mapped and judged on its own process.

Memory stays bounded by a part's size, not the export's: the export streams into parts (Arrow
IPC files in a temporary folder, :func:`svcstd.records.partitioned.split`); each worker maps
one part. Mapped parts are then judged in *groups* of about :data:`JUDGE_EVENTS` canonical
events, each of the cases one release judges — a group holds whole cases as its parts do.
The failures chosen for evidence (a few thousand at most) are explained by the driver, from
just their cases read back from the parts' files. Judging has a fixed cost per release and
call (a few thousand small Polars operations, ≈0.8 s on one core, whatever the size), so
groups are as large as memory allows, of one release each, as many as keep every worker busy
to the end: a multiple of the number of workers (:func:`judge_groups`). The driver holds only
the small things: the parts' shared facts, the findings and verdict counts (passes stay in the
workers' files, see :mod:`svcstd.checks.store`), every case's canonical fields and first
event.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from svcstd.checks.context import SharedFacts
from svcstd.checks.engine import CheckResult, Plan, release_labels
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

#: Events judged in one call: ~0.65 GB of a worker's memory at its peak (measured at 10^7
#: events). Counted in events, not in the bytes of the parts' files: a part mapped from CSV
#: text writes its strings' whole parse buffers, one from Parquet only the strings, so the
#: same events made 24 groups of 64 MB from CSV and 22 from Parquet.
JUDGE_EVENTS = 420_000


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
            releases = {m.k: releases_of(m.extra, plan) for m in mapped.parts}
            done = [replace(m, extra=None) for m in mapped.parts]
            del mapped  # the parts' facts are merged: their copies can go
            groups = judge_groups(done, ex.jobs, releases=releases)
            tell(f"judging {len(done)} parts in {len(groups)} groups", 2, 4)
            meta = done[0].meta
            assert meta is not None
            facts = _saved_facts(ex.folder, shared)
            work = [(ex.folder, k, g, meta, plan, facts) for k, g in enumerate(groups)]
            judged = run(_judge, work)
        # The workers are gone while the driver combines: their memory is not held idle.
        _read_facts.cache_clear()  # what a run judged in this process (one job) read
        earliest_error(judged)

        def explain_parts(wanted: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
            # A few thousand failures at most (a cap per rule), explained here from their
            # cases' events alone: cheaper than starting workers again.
            tell("explaining failures", 3, 4)
            only = wanted.get_column("case_id").unique()
            explained = load_parts([m.saved for m in done], meta, only)
            return explain_part(explained, plan, shared, wanted)

        parts_judged = [j.part for j in judged if j.part is not None]
        result = assemble(parts_judged, plan, meta, sources, explain_parts, workdir)
    tell("done", 4, 4)
    return result


#: A judging group: the files of the mapped parts it joins, each with the cases it judges.
Group = list[Saved]


def releases_of(facts: SharedFacts, plan: Plan) -> pl.DataFrame:
    """``case_id, release``: the release that judges each case of a part (from its facts)."""
    openings = facts.openings
    opened = openings.get_column("opened")
    return openings.select("case_id").with_columns(
        release_labels(opened, plan.standards, plan.release)
    )


def judge_groups(
    parts: Sequence[Any], jobs: int, size: int = JUDGE_EVENTS,
    releases: dict[int, pl.DataFrame] | None = None,
) -> list[Group]:  # fmt: skip
    """Mapped parts joined into groups of at most about ``size`` events to judge.

    Judging costs a fixed ≈0.8 s per release a group holds cases of (a few thousand small
    Polars steps), whatever the group's size; so with ``releases`` (per part ``k``, each
    case's release: ``case_id, release``) a group holds one release's cases. A part whose
    cases two releases judge is then read by a group of each, which keeps its own cases
    (:attr:`Saved.only`), its events counted in proportion to its cases; the cases no release
    judges go with the part's largest release.

    Within a release, pieces are balanced by events (largest first, to the lightest group), and
    there are as many groups in all as a multiple of ``jobs`` (while there are pieces):
    workers judging groups of one size finish together, where one group more than a round
    would leave the last worker alone. The largest groups come first; each lists its parts in
    part order, so a group reads the same every run.
    """
    pieces: dict[str, list[tuple[float, int, Saved]]] = {}
    for m in parts:
        whole = m.rows
        labels = releases.get(m.k) if releases is not None else None
        counts = labels.get_column("release").value_counts() if labels is not None else None
        if counts is None or counts.height <= 1:
            label = counts.item(0, 0) if counts is not None and counts.height else None
            pieces.setdefault(label or "", []).append((whole, m.k, m.saved))
            continue
        assert labels is not None
        largest = counts.drop_nulls().sort("count", "release", descending=True).item(0, 0)
        labels = labels.with_columns(pl.col("release").fill_null(largest))
        for (label,), mine in labels.partition_by("release", as_dict=True).items():
            share = whole * mine.height / labels.height
            only = mine.get_column("case_id")
            pieces.setdefault(str(label), []).append((share, m.k, m.saved._replace(only=only)))
    weight = {r: sum(p[0] for p in ps) for r, ps in pieces.items()}
    count = {r: min(len(ps), max(1, math.ceil(weight[r] / size))) for r, ps in pieces.items()}
    while sum(count.values()) % jobs:
        more = [r for r in count if count[r] < len(pieces[r])]
        if not more:
            break
        heaviest = max(more, key=lambda r: (weight[r] / count[r], r))
        count[heaviest] += 1
    groups: list[tuple[float, list[tuple[float, int, Saved]]]] = []
    for r in sorted(pieces):
        load = [0.0] * count[r]
        members: list[list[tuple[float, int, Saved]]] = [[] for _ in range(count[r])]
        for piece in sorted(pieces[r], key=lambda p: (-p[0], p[1])):
            lightest = min(range(count[r]), key=lambda i: (load[i], i))
            load[lightest] += piece[0]
            members[lightest].append(piece)
        groups += [(load[i], members[i]) for i in range(count[r]) if members[i]]
    groups.sort(key=lambda g: -g[0])  # stable: ties keep release and group order
    return [[p[2] for p in sorted(group, key=lambda p: p[1])] for _, group in groups]


class _Facts(NamedTuple):
    """Where the merged facts were saved for the workers (:func:`_saved_facts`)."""

    roles: str
    openings: str


def _saved_facts(folder: Path, shared: SharedFacts) -> _Facts:
    """The merged facts written once for every judging group to read, not sent with each:
    at 10^7 events they are 44 MB pickled, and 24 groups pickled, piped and unpickled them
    24 times."""
    facts = _Facts(str(folder / "facts-roles.arrow"), str(folder / "facts-openings.arrow"))
    shared.roles.write_ipc(facts.roles)
    shared.openings.write_ipc(facts.openings)
    return facts


@functools.lru_cache(maxsize=1)
def _read_facts(facts: _Facts) -> SharedFacts:
    """The merged facts, read once per worker (mapped from the files: the workers share the
    pages); judged in this process, the run clears it when done."""
    return SharedFacts(pl.read_ipc(facts.roles), pl.read_ipc(facts.openings))


def _judge(
    folder: Path, k: int, group: Group, meta: RecordSet, plan: Plan, facts: _Facts
) -> _Judged:
    try:
        part = judge_part(load_parts(group, meta), plan, _read_facts(facts))
        return _Judged(part.spill(str(folder / f"passes-{k}.arrow"),
                                  str(folder / f"findings-{k}.arrow")))  # fmt: skip
    except SvcstdError as exc:
        return _Judged(None, exc, exc.order)


__all__ = ["JUDGE_EVENTS", "check_files", "judge_groups"]
