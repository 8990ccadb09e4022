"""The steps every engine runs on parts of an export that hold whole cases.

A part is a :class:`~svcstd.records.schema.RecordSet` (whatever the engine read it from).
Worker-side: :func:`facts_of`, :func:`judge_part`, :func:`explain_part`. Driver-side:
:func:`merge_facts`, :func:`assemble` — so a split run's :class:`CheckResult` equals the one
:func:`svcstd.checks.engine.run_check` gives for the whole export (a test holds them equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from svcstd.checks.context import CheckContext, SharedFacts
from svcstd.checks.engine import (
    CheckResult,
    Judged,
    Plan,
    chosen,
    combine,
    explain,
    judge,
    validate_vocabulary,
)
from svcstd.checks.store import VerdictStore, findings_of, merge_tallies, passes_of, tally_of
from svcstd.records.schema import CASE_FIELDS, RecordSet, SourceFile


@dataclass(frozen=True)
class PartVerdicts:
    """What a part sends back to the driver: its judgement and what reports need of it."""

    judged: Judged  # ``judged.verdicts``: the part's findings (every verdict but a pass)
    tally: pl.DataFrame  # the part's verdict counts (:func:`svcstd.checks.store.tally_of`)
    passes: pl.DataFrame  # the part's passes (empty once spilled to ``passes_file``)
    cases: pl.DataFrame  # case_id and the canonical case fields (no attributes)
    firsts: pl.DataFrame  # each case's first event: where a report points for a failure
    passes_file: str | None = None
    findings_file: str | None = None  # where ``judged.verdicts`` went, when spilled

    def spill(self, passes: str, findings: str) -> PartVerdicts:
        """These verdicts written to files, not carried: the passes to ``passes`` (the driver
        keeps the file and reads it only when every verdict is asked for), the findings to
        ``findings`` (read once, straight into the sorted findings)."""
        self.passes.write_ipc(passes)
        self.judged.verdicts.write_ipc(findings)
        judged = replace(self.judged, verdicts=self.judged.verdicts.clear())
        return replace(self, judged=judged, passes=self.passes.clear(), passes_file=passes,
                       findings_file=findings)  # fmt: skip

    def findings(self) -> pl.DataFrame | pl.LazyFrame:
        """The part's findings (a scan of the file they were spilled to)."""
        if self.findings_file is None:
            return self.judged.verdicts
        return pl.scan_ipc(self.findings_file)


def facts_of(records: RecordSet) -> SharedFacts:
    """The part's facts about its own cases (merge them with :func:`merge_facts`)."""
    return SharedFacts.of(records)


def merge_facts(parts: Sequence[SharedFacts]) -> SharedFacts:
    """The whole export's facts from its parts'."""
    return SharedFacts.merge(parts)


def judge_part(records: RecordSet, plan: Plan, shared: SharedFacts) -> PartVerdicts:
    """Judge one part's cases as part of the whole export (``shared``: its facts).

    Raises :class:`~svcstd.errors.SvcstdError` for an id no release defines; its ``order``
    (file, row) lets the driver report the earliest such row over all parts.
    """
    validate_vocabulary(records, plan.standards)
    ctx = CheckContext(records=records, as_of=plan.as_of, shared=shared)
    judged = judge(records, plan, ctx)
    verdicts, cases = judged.verdicts, slim_cases(records.cases)
    return PartVerdicts(
        replace(judged, verdicts=findings_of(verdicts)),
        tally_of(verdicts, cases),
        passes_of(verdicts),
        cases,
        first_events(records.events),
    )


def explain_part(
    records: RecordSet, plan: Plan, shared: SharedFacts, wanted: pl.DataFrame
) -> dict[tuple[str, str], dict[str, Any]]:
    """Evidence for the chosen failures (:func:`svcstd.checks.engine.chosen`) this part holds."""
    ctx = CheckContext(records=records, as_of=plan.as_of, shared=shared)
    return explain(records, plan, ctx, wanted)


def slim_cases(cases: pl.DataFrame) -> pl.DataFrame:
    return cases.select("case_id", *CASE_FIELDS)


def first_events(events: pl.DataFrame) -> pl.DataFrame:
    return events.filter(pl.col("seq") == 0)


def assemble(
    parts: Sequence[PartVerdicts],
    plan: Plan,
    meta: RecordSet,
    sources: Sequence[SourceFile],
    explain_parts: Any,
    workdir: str | Path | None = None,
) -> CheckResult:
    """The run's result from its parts' verdicts.

    ``explain_parts(wanted)`` explains the chosen failures wherever the engine keeps the parts
    and returns the evidence. The result's ``records`` holds every case's canonical fields and
    first event — what reports read — not every event. Passes stay where the parts left them
    (spilled files are moved into the result's store, in ``workdir``).
    """
    findings = combine([p.findings() for p in parts], [p.judged.measured for p in parts], plan)
    kpi_rows = findings.filter(pl.col("case_id").is_null())
    tallies = [p.tally for p in parts] + [tally_of(kpi_rows, slim_cases(meta.cases))]
    passes = [p.passes_file or p.passes for p in parts]
    store = VerdictStore.kept(findings, merge_tallies(tallies), passes, workdir)
    evidence = explain_parts(chosen(findings, plan.evidence_cap))
    judged_by: dict[str, int] = {}
    for p in parts:
        for version, n in p.judged.judged_by.items():
            judged_by[version] = judged_by.get(version, 0) + n
    order = {r.version: i for i, r in enumerate(plan.standards.releases)}
    judged_by = dict(sorted(judged_by.items(), key=lambda kv: order[kv[0]]))
    records = replace(
        meta,
        events=_concat([p.firsts for p in parts], meta.events).sort("case_id", "at", "seq"),
        cases=_concat([p.cases for p in parts], slim_cases(meta.cases)).sort("case_id"),
        files=tuple(sources),
    )
    return CheckResult(
        store,
        evidence,
        plan.as_of,
        records,
        plan.standards,
        judged_by,
        sum(p.judged.unjudged for p in parts),
        plan.evidence_cap,
        plan.waivers,
    )


def _concat(frames: list[pl.DataFrame], empty: pl.DataFrame) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else empty.clear()


__all__ = [
    "PartVerdicts",
    "assemble",
    "explain_part",
    "facts_of",
    "first_events",
    "judge_part",
    "merge_facts",
    "slim_cases",
]
