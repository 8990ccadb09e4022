"""What-if replay: the same export judged under two releases, and the difference per rule.

A reviewer about to approve a change to a time limit or a KPI target wants to know what the
change does to real cases. :func:`replay` judges an export twice — under the release the run
would otherwise use (each case's release in force, or ``--release NEW``) and under an *old*
release named for the comparison — and :func:`compare` joins the two sets of verdicts.

**The join.** Verdicts are matched on ``(rule_id, case_id, period, group)`` (``case_id`` is
null for KPI rows, ``period`` and ``group`` are null for case rows; nulls match nulls). Every
matched pair and every unmatched verdict gets exactly one *change* class:

=====================  =================================================================
``newly_fail``         fails (or is a waived failure) under the new release; passed or was
                       not evaluable under the old one
``newly_pass``         passes under the new release; failed under the old one
``still_fail``         fails under both
``now_not_evaluable``  cannot be evaluated under the new release; could under the old one
                       (never counted as a pass)
``now_evaluable``      passes under the new release; was not evaluable under the old one
``unchanged``          passes under both, or is not evaluable under both
``only_old``           a verdict the old release gives and the new one does not (the rule
                       is gone, or no longer applies to the case)
``only_new``           a verdict only the new release gives (a new rule, or a wider scope)
=====================  =================================================================

A waived failure counts as a failure here: a waiver excuses a case from the findings, not
from the rule, and it applies under both releases alike.

**Same cases on both sides.** Cases the new run does not judge (opened before the first release
took effect, when no ``--release`` is given) are left out of the old run as well, so the two
sides always speak about the same cases; they are counted in :attr:`Comparison.not_judged`.

Everything is sorted by ``(rule_id, case_id, period, group)`` with nulls first, then by the
releases, so the same inputs give the same comparison.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from svcstd.checks import KINDS
from svcstd.checks.engine import EVIDENCE_CAP, CheckResult, assign_releases, run_check
from svcstd.checks.verdicts import OUTCOMES
from svcstd.records.schema import RecordSet
from svcstd.spec.model import Handbook, Rule, Waiver
from svcstd.spec.releases import Standards

#: Change classes, in report order.
CHANGES: tuple[str, ...] = (
    "newly_fail",
    "newly_pass",
    "still_fail",
    "now_not_evaluable",
    "now_evaluable",
    "unchanged",
    "only_old",
    "only_new",
)

#: The join key of a verdict.
KEY: tuple[str, ...] = ("rule_id", "case_id", "period", "group")

#: Outcomes that count as failing (a waived failure failed; the waiver only excuses it).
FAILING: tuple[str, ...] = ("fail", "waived")

#: Verdict columns carried into the joined frame for each side.
_SIDE_COLUMNS: tuple[str, ...] = (
    "release",
    "kind",
    "severity",
    "outcome",
    "reason",
    "observed",
    "target",
)


@dataclass(frozen=True)
class Listed:
    """Verdicts of one change class of one rule: the exact total and the first ``cap`` ids.

    ``shown`` holds case ids for case-level rules and ``period`` (with ``group`` after a space)
    for KPI rows, in verdict order.
    """

    total: int
    shown: tuple[str, ...]

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


@dataclass(frozen=True)
class RuleDelta:
    """One rule: where it is defined, its outcome counts before and after, and what changed."""

    rule_id: str
    title: str
    kind: str
    severity: str
    #: ``both``, ``old`` (only the old release defines it) or ``new`` (only the new one)
    present: str
    old_counts: dict[str, int]
    new_counts: dict[str, int]
    changes: dict[str, int]
    newly_fail: Listed
    newly_pass: Listed

    @property
    def changed(self) -> bool:
        """Whether anything about the rule differs between the two sides."""
        return self.present != "both" or any(
            self.changes[c] for c in CHANGES if c not in ("unchanged", "still_fail")
        )


@dataclass(frozen=True)
class KpiDelta:
    """A KPI verdict (one period and group) before and after; a side may be missing (None)."""

    rule_id: str
    period: str | None
    group: str | None
    kind: str
    old_outcome: str | None
    old_observed: float | None
    old_target: float | None
    new_outcome: str | None
    new_observed: float | None
    new_target: float | None
    change: str


@dataclass(frozen=True)
class Comparison:
    """The difference between an old and a new judgement of the same cases.

    ``verdicts`` is the joined frame: the key columns, ``old_<column>`` and ``new_<column>``
    for release, kind, severity, outcome, reason, observed and target (null on the side without
    the verdict), and ``change``.
    """

    old_release: str
    #: release version → cases it judged on the new side
    new_releases: dict[str, int]
    cases: int
    not_judged: int
    verdicts: pl.DataFrame
    rules: tuple[RuleDelta, ...]
    kpis: tuple[KpiDelta, ...]
    totals: dict[str, int]
    cap: int

    @property
    def new_label(self) -> str:
        """``2026.1``, or ``the release in force`` when the run used several."""
        if len(self.new_releases) == 1:
            return next(iter(self.new_releases))
        return "the release in force"

    @property
    def only_old(self) -> list[RuleDelta]:
        return [r for r in self.rules if r.present == "old"]

    @property
    def only_new(self) -> list[RuleDelta]:
        return [r for r in self.rules if r.present == "new"]


@dataclass(frozen=True)
class Replay:
    """Both judgements and their comparison; ``new`` is the run the report is about."""

    old: CheckResult
    new: CheckResult
    comparison: Comparison


def judged_only(records: RecordSet, result: CheckResult) -> RecordSet:
    """``records`` restricted to the cases ``result`` judged (had a release for)."""
    if result.unjudged == 0:
        return records
    # unjudged cases only arise without --release: cases opened before the first release
    cases = assign_releases(records.cases, records.events, result.standards, None)
    keep = cases.filter(pl.col("release").is_not_null()).select("case_id")
    return dataclasses.replace(
        records,
        cases=records.cases.join(keep, on="case_id", how="semi"),
        events=records.events.join(keep, on="case_id", how="semi"),
    )


def replay(
    records: RecordSet,
    standards: Standards,
    *,
    old: str,
    as_of: int,
    release: str | None = None,
    waivers: Sequence[Waiver] = (),
    include_draft: bool = False,
    evidence_cap: int = EVIDENCE_CAP,
    progress: Callable[[str, int, int], None] | None = None,
) -> Replay:
    """Judge ``records`` as :func:`~svcstd.checks.engine.run_check` would, and again under ``old``.

    An unknown ``old`` (or ``release``) raises :class:`~svcstd.errors.SpecError` (exit 2)
    before anything is judged. ``progress`` sees each run's steps prefixed with its release.
    """
    standards.get(old)
    if release is not None:
        standards.get(release)
    tell = progress or (lambda step, done, total: None)

    def prefixed(label: str) -> Callable[[str, int, int], None]:
        return lambda step, done, total: tell(f"{label}: {step}", done, total)

    common: dict[str, Any] = {
        "as_of": as_of,
        "waivers": waivers,
        "include_draft": include_draft,
        "evidence_cap": evidence_cap,
    }
    new = run_check(
        records, standards, release=release, progress=prefixed(release or "new"), **common
    )
    old_result = run_check(
        judged_only(records, new), standards, release=old, progress=prefixed(old), **common
    )
    return Replay(
        old_result, new, compare(old_result, new, release=old, include_draft=include_draft)
    )


def _side(verdicts: pl.DataFrame, prefix: str) -> pl.DataFrame:
    return verdicts.select(
        *KEY, *[pl.col(c).alias(f"{prefix}_{c}") for c in _SIDE_COLUMNS]
    ).with_columns(pl.lit(True).alias(f"_{prefix}"))


def _classify() -> pl.Expr:
    old, new = pl.col("old_outcome"), pl.col("new_outcome")
    old_fail, new_fail = old.is_in(FAILING), new.is_in(FAILING)
    return (
        pl.when(pl.col("_old").is_null())
        .then(pl.lit("only_new"))
        .when(pl.col("_new").is_null())
        .then(pl.lit("only_old"))
        .when(new_fail & old_fail)
        .then(pl.lit("still_fail"))
        .when(new_fail)
        .then(pl.lit("newly_fail"))
        .when((new == "pass") & old_fail)
        .then(pl.lit("newly_pass"))
        .when((new == "not_evaluable") & (old != "not_evaluable"))
        .then(pl.lit("now_not_evaluable"))
        .when((new == "pass") & (old == "not_evaluable"))
        .then(pl.lit("now_evaluable"))
        .otherwise(pl.lit("unchanged"))
    )


def join(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The joined, classified verdict frame (see :class:`Comparison`), in key order."""
    joined = _side(old, "old").join(
        _side(new, "new"), on=list(KEY), how="full", coalesce=True, nulls_equal=True
    )
    return (
        joined.with_columns(change=_classify())
        .drop("_old", "_new")
        .sort([*KEY, "old_release", "new_release"], nulls_last=False)
    )


def _defined(handbooks: Sequence[Handbook], include_draft: bool) -> dict[str, tuple[Rule, str]]:
    """Rules the releases would judge, by id, with their kind; a later release's wins."""
    allowed = {"active", "draft"} if include_draft else {"active"}
    out: dict[str, tuple[Rule, str]] = {}
    for handbook in handbooks:
        for section in KINDS:
            for rule in getattr(handbook, section):
                if rule.status in allowed:
                    out[rule.id] = (rule, section)
    return out


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    values = frame.get_column(column)
    return {o: int((values == o).sum()) for o in OUTCOMES}


def _listed(frame: pl.DataFrame, change: str, cap: int) -> Listed:
    mine = frame.filter(pl.col("change") == change)
    labels = [
        case_id if case_id is not None else " ".join(p for p in (period, group) if p) or "all"
        for case_id, period, group in mine.select("case_id", "period", "group").iter_rows()
    ]
    return Listed(len(labels), tuple(labels[:cap]))


def compare(
    old: CheckResult,
    new: CheckResult,
    *,
    release: str | None = None,
    include_draft: bool = False,
    cap: int | None = None,
) -> Comparison:
    """Join ``old``'s verdicts with ``new``'s and classify every change, per rule.

    ``old`` is judged by one release (``run_check(..., release=OLD)``), named by ``release``
    (needed when the old side judged no case at all); ``cap`` limits the
    case ids listed per rule and change class (default: ``new``'s evidence cap); the totals are
    always exact. Rules are reported when either side has verdicts for them or when only one
    side's releases define them.
    """
    if release is None:
        if len(old.judged_by) != 1:
            raise ValueError("name the old release: the old side is not judged by exactly one")
        release = next(iter(old.judged_by))
    cap = new.evidence_cap if cap is None else cap
    frame = join(old.verdicts, new.verdicts)
    old_rules = _defined([old.standards.get(release)], include_draft)
    new_rules = _defined(
        [h for h in new.standards.releases if h.version in new.judged_by], include_draft
    )
    judged = {
        "old": set(old.verdicts.get_column("rule_id").to_list()),
        "new": set(new.verdicts.get_column("rule_id").to_list()),
    }
    in_old = set(old_rules) | judged["old"]
    in_new = set(new_rules) | judged["new"]
    deltas = []
    for rule_id in sorted(judged["old"] | judged["new"] | (in_old ^ in_new)):
        rule, section = new_rules.get(rule_id) or old_rules[rule_id]
        mine = frame.filter(pl.col("rule_id") == rule_id)
        if rule_id in in_old and rule_id in in_new:
            present = "both"
        else:
            present = "old" if rule_id in in_old else "new"
        changes = mine.get_column("change")
        deltas.append(
            RuleDelta(
                rule_id=rule_id,
                title=rule.title,
                kind=section,
                severity=rule.severity,
                present=present,
                old_counts=_counts(mine, "old_outcome"),
                new_counts=_counts(mine, "new_outcome"),
                changes={c: int((changes == c).sum()) for c in CHANGES},
                newly_fail=_listed(mine, "newly_fail", cap),
                newly_pass=_listed(mine, "newly_pass", cap),
            )
        )
    kpis = tuple(
        KpiDelta(
            rule_id=r["rule_id"],
            period=r["period"],
            group=r["group"],
            kind=r["new_kind"] or r["old_kind"],
            old_outcome=r["old_outcome"],
            old_observed=r["old_observed"],
            old_target=r["old_target"],
            new_outcome=r["new_outcome"],
            new_observed=r["new_observed"],
            new_target=r["new_target"],
            change=r["change"],
        )
        for r in frame.filter(pl.col("case_id").is_null()).iter_rows(named=True)
    )
    changes = frame.get_column("change")
    return Comparison(
        old_release=release,
        new_releases=dict(sorted(new.judged_by.items())),
        cases=new.records.cases.height - new.unjudged,
        not_judged=new.unjudged,
        verdicts=frame,
        rules=tuple(deltas),
        kpis=kpis,
        totals={c: int((changes == c).sum()) for c in CHANGES},
        cap=cap,
    )
