"""Run the evaluators over a record set: release per case, verdicts, waivers, evidence.

Each case is judged by the release in force when it was opened (``opened_at``, else its first
event), or by one release the user names (``release=``) — useful for exports older than the
first release. Cases opened before any release are *not judged* and counted as such.

The engine, not the evaluators, stamps release, kind, severity and the manual URL on every
verdict, applies waivers (a waived failure is reported as ``waived``; an expired waiver does
not apply) and builds evidence for failures: capped per rule, while the totals stay exact.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from svcstd.checks import KINDS, kpis
from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.selectors import by_case
from svcstd.checks.store import VerdictStore, in_order
from svcstd.checks.verdicts import VERDICT_SCHEMA, empty
from svcstd.errors import Problem, SvcstdError
from svcstd.records.schema import RecordSet
from svcstd.render.urls import item_url
from svcstd.spec.model import Handbook, Rule, Waiver
from svcstd.spec.releases import Standards, release_start

#: Event columns that say where in the export an event is: read by evidence, not by rules.
WHERE = ["source_file", "source_row"]

#: Failures explained per rule (evidence is the expensive part; totals are always exact).
EVIDENCE_CAP = 20


@dataclass(frozen=True)
class CheckResult:
    """Everything a reporter needs: verdicts, evidence for failures, and the run's facts.

    The verdicts are kept in a :class:`~svcstd.checks.store.VerdictStore`: reporters read
    ``findings`` (every verdict but a case's pass) and ``tally`` (the counts); ``verdicts``
    is the whole frame, read from the store on first use (a split run keeps passes on disk).
    """

    store: VerdictStore
    evidence: dict[tuple[str, str], dict[str, Any]]
    as_of: int
    records: RecordSet
    standards: Standards
    judged_by: dict[str, int]  # release version → cases judged by it
    unjudged: int  # cases opened before the first release (or with no time at all)
    evidence_cap: int = EVIDENCE_CAP
    waivers: tuple[Waiver, ...] = field(default=())

    def rule(self, release: str, rule_id: str) -> Rule:
        found = self.standards.get(release).rule(rule_id)
        assert found is not None
        return found

    @property
    def findings(self) -> pl.DataFrame:
        """Every verdict but a case's pass (fail, waived, not_evaluable; all KPI verdicts)."""
        return self.store.findings

    @property
    def tally(self) -> pl.DataFrame:
        """Verdict counts per release, rule, outcome, channel and opening month."""
        return self.store.tally

    @property
    def verdicts(self) -> pl.DataFrame:
        """Every verdict, in report order (all in memory; see ``store.chunks()``)."""
        return self.store.frame()


def _active(rules: Sequence[Any], include_draft: bool) -> list[Any]:
    allowed = {"active", "draft"} if include_draft else {"active"}
    return [r for r in rules if r.status in allowed]


def assign_releases(
    cases: pl.DataFrame, events: pl.DataFrame, standards: Standards, release: str | None
) -> pl.DataFrame:
    """``cases`` with a ``release`` column (null when no release was in force)."""
    first = events.group_by("case_id").agg(first_at=pl.col("at").min())
    opened = cases.join(first, on="case_id", how="left").select(
        pl.coalesce("opened_at", "first_at").dt.epoch("s")
    )
    return cases.with_columns(release_labels(opened.to_series(), standards, release))


def release_labels(opened: pl.Series, standards: Standards, release: str | None) -> pl.Series:
    """``release``: the version that judges a case opened at ``opened`` (epoch seconds; null
    when the case has no time) — the one in force then, null before the first — or, given,
    ``release`` for every case."""
    if release is not None:
        standards.get(release)  # an unknown version is a usage error
        return pl.repeat(release, opened.len(), dtype=pl.Utf8, eager=True).alias("release")
    starts = np.asarray([release_start(r) for r in standards.releases], dtype=np.int64)
    versions = np.asarray([r.version for r in standards.releases] + [None], dtype=object)
    known = opened.is_not_null().to_numpy()
    index = np.searchsorted(starts, opened.fill_null(0).to_numpy(), side="right") - 1
    labels = versions[np.where(known & (index >= 0), index, len(starts))]
    return pl.Series("release", labels.tolist(), dtype=pl.Utf8)


def validate_vocabulary(records: RecordSet, standards: Standards) -> None:
    """Every event and state id in the records must be defined by some release's vocabulary.

    An unknown id would otherwise match no clock or step and quietly turn into "not
    applicable". Exports in svcstd's own format carry ids as written, so the error names the
    file, row and column; for mapped exports the profile's map is at fault.
    """
    known = {
        "event": set().union(*({e.id for e in r.events} for r in standards.releases)),
        "state": set().union(*({s.id for s in r.states} for r in standards.releases)),
    }
    canonical = not (records.event_ids or records.state_ids)
    bad = {c: pl.col(c).is_not_null() & ~pl.col(c).is_in(sorted(known[c])) for c in known}
    unknown = records.events.filter(bad["event"] | bad["state"])
    if unknown.height == 0:
        return
    # The earliest bad row of the export (an unknown event before an unknown state in it).
    row = unknown.sort("source_file", "source_row", "seq").row(0, named=True)
    column = "event" if row["event"] is not None and row["event"] not in known["event"] else "state"
    value = row[column]
    if canonical:
        where = f"row {row['source_row']}, column {column!r}"
        why = f"unknown {column} {value!r}: the standards define no such {column}"
    else:
        where = f"row {row['source_row']}"
        why = f"profile {records.profile!r} maps a value to the unknown {column} {value!r}"
    close = difflib.get_close_matches(value, sorted(known[column]), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    error = SvcstdError(Problem(str(row["source_file"]), f"{where}: {why}{hint}"))
    files = [f.path for f in records.files]
    file = files.index(row["source_file"]) if row["source_file"] in files else 0
    error.order = (file, row["source_row"])  # a split run reports its earliest bad row
    raise error


@dataclass(frozen=True)
class Plan:
    """How a run judges: the standards and the options every part of an export shares."""

    standards: Standards
    as_of: int
    release: str | None = None
    waivers: tuple[Waiver, ...] = ()
    include_draft: bool = False
    evidence_cap: int = EVIDENCE_CAP


@dataclass(frozen=True)
class Judged:
    """One part's judgement (parts hold whole cases; one part may be the whole export)."""

    verdicts: pl.DataFrame  # case-level verdicts, stamped, waivers applied
    measured: dict[tuple[str, str], kpis.Measured]  # (release, KPI id) → what the part measured
    judged_by: dict[str, int]
    unjudged: int


def run_check(
    records: RecordSet,
    standards: Standards,
    *,
    as_of: int,
    release: str | None = None,
    waivers: Sequence[Waiver] = (),
    include_draft: bool = False,
    evidence_cap: int = EVIDENCE_CAP,
    progress: Callable[[str, int, int], None] | None = None,
) -> CheckResult:
    """Judge every case of ``records`` by the standards; deterministic for a given ``as_of``.

    ``progress(step, done, total)`` is told before each rule kind of each release is judged
    and once more at the end (the CLI draws a progress bar with it on a terminal).

    This is the three steps of a run split by case (:mod:`svcstd.engines`) on one part:
    :func:`judge`, :func:`combine`, :func:`explain`.
    """
    plan = Plan(standards, as_of, release, tuple(waivers), include_draft, evidence_cap)
    validate_vocabulary(records, standards)
    tell = progress or (lambda step, done, total: None)
    ctx = CheckContext(records=records, as_of=as_of)
    part = judge(records, plan, ctx, progress=tell)
    verdicts = combine([part.verdicts], [part.measured], plan)
    total = _steps(part, plan)
    tell("evidence", total - 1, total)
    evidence = explain(records, plan, ctx, chosen(verdicts, evidence_cap))
    tell("done", total, total)
    return CheckResult(
        VerdictStore.of(verdicts, records.cases),
        evidence,
        as_of,
        records,
        standards,
        part.judged_by,
        part.unjudged,
        evidence_cap,
        tuple(waivers),
    )


def _steps(part: Judged, plan: Plan) -> int:
    return len(part.judged_by) * len(KINDS) + 1


def judge(
    records: RecordSet,
    plan: Plan,
    ctx: CheckContext,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> Judged:
    """Judge the cases of ``records`` (the whole export, or a part holding whole cases with
    ``ctx.shared`` the whole export's facts): case-level verdicts with waivers applied, and
    what each KPI measured (KPIs are judged over all parts by :func:`combine`)."""
    tell = progress or (lambda step, done, total: None)
    cases = assign_releases(records.cases, records.events, plan.standards, plan.release)
    frames: list[pl.DataFrame] = []
    measured: dict[tuple[str, str], kpis.Measured] = {}
    judged_by: dict[str, int] = {}
    in_use = cases.get_column("release").unique().drop_nulls().to_list()
    total, done = len(in_use) * len(KINDS) + 1, 0
    for handbook in plan.standards.releases:
        mine = cases.filter(pl.col("release") == handbook.version)
        if mine.height == 0:
            continue
        judged_by[handbook.version] = mine.height
        # Rules read what happened, not where the export says it (evidence reads the records
        # again): every filter and join over the scope's events moves two columns fewer.
        events = records.events.drop(WHERE)
        if mine.height != cases.height:
            events = events.join(mine.select("case_id"), on="case_id", how="semi")
        scope = Scope(handbook, mine, events)
        case_level = []
        for section, module in KINDS.items():
            rules = _active(getattr(handbook, section), plan.include_draft)
            if not rules or getattr(module, "NEEDS_VERDICTS", False):
                continue
            tell(f"{handbook.version} {section}", done, total)
            done += 1
            case_level.append(_stamp(module.evaluate(rules, scope, ctx), handbook, section))
        frames.extend(case_level)
        so_far = pl.concat(case_level) if case_level else pl.DataFrame(schema=VERDICT_SCHEMA)
        rules = _active(handbook.kpis, plan.include_draft)
        if rules:
            tell(f"{handbook.version} kpis", done, total)
            done += 1
        for rule in rules:
            measured[(handbook.version, rule.id)] = kpis.measure(rule, scope, ctx, so_far)
    verdicts = pl.concat(frames) if frames else pl.DataFrame(schema=VERDICT_SCHEMA)
    verdicts = apply_waivers(verdicts, cases, plan.waivers, plan.as_of)
    unjudged = cases.filter(pl.col("release").is_null()).height
    return Judged(verdicts, measured, judged_by, unjudged)


def combine(
    verdicts: Sequence[pl.DataFrame | pl.LazyFrame],
    measured: Sequence[dict[tuple[str, str], kpis.Measured]],
    plan: Plan,
) -> pl.DataFrame:
    """All parts' case-level verdicts and their KPIs' verdicts, in report order.

    A part's verdicts may be lazy (a scan of the file a worker wrote them to): they are then
    read once, straight into the sorted result.
    """
    frames = [v.lazy() for v in verdicts]
    keys = sorted({k for m in measured for k in m})
    for version in dict.fromkeys(v for v, _ in keys):
        handbook = plan.standards.get(version)
        judged = [
            kpis.judge(rule, [m[(version, rule.id)] for m in measured if (version, rule.id) in m],
                       plan.as_of)
            for rule in _active(handbook.kpis, plan.include_draft)
            if (version, rule.id) in keys
        ]  # fmt: skip
        if judged:
            frames.append(_stamp(pl.concat(judged), handbook, "kpis").lazy())
    if not frames:
        return pl.DataFrame(schema=VERDICT_SCHEMA)
    return in_order(frames).collect()


def chosen(verdicts: pl.DataFrame, cap: int) -> pl.DataFrame:
    """The failures to explain: each rule's first ``cap`` failing (or waived) cases, in
    verdict order (``rule_id, case_id, release, kind``)."""
    failing = verdicts.filter(
        pl.col("outcome").is_in(["fail", "waived"]) & pl.col("case_id").is_not_null()
    ).select("rule_id", "case_id", "release", "kind")
    if cap <= 0:  # group_by().head(0) gives a row of nulls per group, not none
        return failing.clear()
    return failing.group_by("rule_id", maintain_order=True).head(cap)


def _stamp(frame: pl.DataFrame, handbook: Handbook, section: str) -> pl.DataFrame:
    """Add what only the engine knows: release, kind, severity, waiver (none yet), URL."""
    if frame.height == 0:
        frame = empty()
    rules = {r.id: r for r in getattr(handbook, section)}
    ids = frame.get_column("rule_id").unique().to_list()
    severity = {i: rules[i].severity for i in ids}
    url = {i: item_url(handbook, section, rules[i]) for i in ids}
    return frame.with_columns(
        kind=pl.lit(section),
        release=pl.lit(handbook.version),
        severity=pl.col("rule_id").replace_strict(severity, default=None, return_dtype=pl.Utf8),
        waiver=pl.lit(None, dtype=pl.Utf8),
        url=pl.col("rule_id").replace_strict(url, default=None, return_dtype=pl.Utf8),
    ).select([pl.col(c).cast(t) for c, t in VERDICT_SCHEMA.items()])


def _waiver_label(w: Waiver) -> str:
    return f"approved by {w.approver} until {w.expires}: {w.justification}"


def apply_waivers(
    verdicts: pl.DataFrame, cases: pl.DataFrame, waivers: Sequence[Waiver], as_of: int
) -> pl.DataFrame:
    """Turn failures covered by a waiver in force at ``as_of`` into ``waived``."""
    today = dt.datetime.fromtimestamp(as_of, dt.UTC).date()
    for w in waivers:
        if w.expires < today:
            continue  # an expired waiver does not apply
        scope = pl.lit(False)
        if w.cases is not None:
            scope = scope | pl.col("case_id").is_in(w.cases)
        if w.selector is not None:
            chosen = cases
            for key, values in w.selector.items():
                chosen = chosen.filter(pl.col(key).is_in(values))
            scope = scope | pl.col("case_id").is_in(chosen.get_column("case_id").implode())
        hit = (pl.col("rule_id") == w.rule) & (pl.col("outcome") == "fail") & scope
        verdicts = verdicts.with_columns(
            outcome=pl.when(hit).then(pl.lit("waived")).otherwise(pl.col("outcome")),
            waiver=pl.when(hit).then(pl.lit(_waiver_label(w))).otherwise(pl.col("waiver")),
        )
    return verdicts


def explain(
    records: RecordSet, plan: Plan, ctx: CheckContext, wanted: pl.DataFrame
) -> dict[tuple[str, str], dict[str, Any]]:
    """Evidence for the ``wanted`` failures (:func:`chosen`) among the cases of ``records``.

    A rule kind explains one case at a time (``explain(rule, scope, ctx, case_events)``), or
    all the cases chosen for one rule at once (``explain_cases(rule, scope, ctx)``, with a
    scope of just those cases): judging again what its verdict came from costs a few dozen
    Polars steps per call, whatever the number of cases.
    """
    ids = wanted.get_column("case_id").unique()
    here = records.cases.join(wanted.select("case_id").unique(), on="case_id", how="semi")
    if here.height == 0:
        return {}
    # One pass over the events for the few cases explained, not one per failure.
    events = records.events.filter(pl.col("case_id").is_in(ids.implode()))
    rows = wanted.join(here.select("case_id"), on="case_id", how="semi").rows(named=True)
    asked: dict[tuple[str, str, str], list[str]] = {}
    for rec in rows:
        asked.setdefault((rec["release"], rec["kind"], rec["rule_id"]), []).append(rec["case_id"])
    per_case = by_case(events)
    scopes: dict[str, Scope] = {}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for (version, kind, rule_id), case_ids in asked.items():
        module: types.ModuleType = KINDS[kind]
        release = plan.standards.get(version)
        rule = release.rule(rule_id)
        if hasattr(module, "explain_cases"):
            mine = pl.col("case_id").is_in(case_ids)
            scope = Scope(release, here.filter(mine), events.filter(mine))
            for case_id, evidence in module.explain_cases(rule, scope, ctx).items():
                found[(rule_id, case_id)] = evidence
        elif hasattr(module, "explain"):
            if version not in scopes:
                scopes[version] = Scope(release, here, events.clear())
            for case_id in case_ids:
                case_events = per_case.get(case_id, events.clear())
                found[(rule_id, case_id)] = module.explain(rule, scopes[version], ctx, case_events)
    # in the order asked
    keys = [(rec["rule_id"], rec["case_id"]) for rec in rows]
    return {k: found[k] for k in keys if k in found}
