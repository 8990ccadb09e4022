"""KPIs: a rate per period (and per group) against a target.

**Periods.** A case belongs to the period in which it was opened (``opened_at``, else its first
event), read in the time zone of the release's default calendar (UTC when it has none).
Labels: day ``2025-03-04``, ISO week ``2025-W09`` (ISO week-year), month ``2025-03``, quarter
``2025-Q1``, year ``2025``. The periods judged are those in which the release judges any case;
the groups are the values (``channel=email``; several ``group_by`` fields are joined by ``,``)
that the KPI's cases take over all periods, so a group without cases in some period is reported
as having no data, not left out. A case whose group value is missing forms the group
``channel=?`` ("?" is never a vocabulary id) rather than silently vanishing.

**Metrics.**

- *verdict-rate*: over the case-level verdicts of the listed rules for the KPI's cases,
  ``pass / (pass + fail + waived)``; ``not_evaluable`` verdicts are left out (nothing was
  measured). A *waived* failure counts as **not met**: a waiver excuses a case from the
  findings, but the KPI measures how the service performed, and a late reply was late. (The
  engine hands KPIs the verdicts before waivers, so this only matters for callers that pass
  waived verdicts in.) The cases counted against ``min_cases`` are the distinct cases with an
  evaluated verdict.
- *case-rate*: the share of the KPI's cases that reached the ``numerator`` condition by
  ``as_of``. An export that never records the condition makes every period not evaluable.
- *score-rate*: the share of non-null numeric scores (the case column or ``attr_<field>``,
  as for required fields) that are at least ``at_least``; text that is not a number counts
  as no score. ``min_cases`` counts the scores.

**Outcomes.** One verdict per (KPI, period, group): ``case_id`` null, ``observed`` the rate,
``target`` the target value; ``pass`` when the rate meets ``target.op`` (compared with a
tolerance of 1e-9, so 18 of 20 meets 0.9 despite binary fractions), else ``fail``.
``not_evaluable`` when the period has not ended at ``as_of`` ("period not complete"), when it
counts fewer than ``min_cases`` (or none), or when the export lacks what the metric needs.
``started_at`` / ``ended_at`` bound the period.

Cases the KPI's selector cannot place (the case has no channel) are left out of the rate; an
export that lacks a selector or ``group_by`` field makes every period not evaluable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.records import field_column
from svcstd.checks.selectors import select
from svcstd.checks.time_limits import matches
from svcstd.checks.verdicts import conform, empty
from svcstd.spec.model import CaseRate, Handbook, Kpi, ScoreRate, VerdictRate

KIND = "kpis"
NEEDS_VERDICTS = True

#: Polars truncation interval of each period.
EVERY = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}

#: Slack when comparing a rate with its target (rates are ratios of small integers).
TOLERANCE = 1e-9


def timezone(release: Handbook) -> str:
    """The zone periods are cut in: the release's default calendar's, else UTC."""
    cal = release.calendar(None)
    return cal.timezone if cal is not None else "UTC"


def period_label(local: pl.Expr, period: str) -> pl.Expr:
    """The period's label from a local datetime expression."""
    if period == "week":
        return pl.format("{}-W{}", local.dt.iso_year(), local.dt.week().cast(pl.Utf8).str.zfill(2))
    if period == "quarter":
        return pl.format("{}-Q{}", local.dt.year(), local.dt.quarter())
    return local.dt.strftime({"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[period])


def with_periods(cases: pl.DataFrame, scope: Scope, period: str) -> pl.DataFrame:
    """``cases`` with ``period`` (label) and ``_start``/``_end`` (the period's UTC bounds)."""
    first = scope.events.group_by("case_id").agg(_first=pl.col("at").min())
    local = pl.coalesce("opened_at", "_first").dt.convert_time_zone(timezone(scope.release))
    begin = local.dt.truncate(EVERY[period])
    return (
        cases.join(first, on="case_id", how="left")
        .with_columns(
            period=period_label(local, period),
            _start=begin.dt.convert_time_zone("UTC"),
            _end=begin.dt.offset_by(EVERY[period]).dt.convert_time_zone("UTC"),
        )
        .drop("_first")
        .filter(pl.col("period").is_not_null())
    )


def group_label(group_by: Sequence[str]) -> pl.Expr:
    """``channel=email`` (``,``-joined for several fields); ``?`` for a missing value."""
    if not group_by:
        return pl.lit(None, dtype=pl.Utf8)
    parts = [pl.lit(f"{k}=") + pl.col(k).cast(pl.Utf8).fill_null("?") for k in group_by]
    return pl.concat_str(parts, separator=",")


def evaluate(
    rules: Sequence[Kpi], scope: Scope, ctx: CheckContext, verdicts: pl.DataFrame
) -> pl.DataFrame:
    """KPI verdicts per period and group over the cases (and verdicts) of one release."""
    frames = [judge(rule, [measure(rule, scope, ctx, verdicts)], ctx.as_of) for rule in rules]
    return pl.concat(frames) if frames else empty()


@dataclass(frozen=True)
class Measured:
    """What one part of an export contributes to a KPI: its periods, groups and counts.

    A rate is a sum over cases, so the parts of an export split by case are measured apart
    and judged together (:func:`judge`), giving the verdicts of the whole export. A part holds
    whole cases, so its distinct cases per period and group add up over parts too: a part
    sends its counts, not its units (a few rows per period, not one per case).
    """

    periods: pl.DataFrame  # period, _start, _end: periods in which the release judges a case
    groups: pl.DataFrame | None  # group: the values the KPI's cases take (None: not asked)
    #: period, group, _n (cases), _met (units met), _units (units counted): one row per
    #: period and group with units
    counts: pl.DataFrame | None
    reason: str | None  # why the KPI cannot be evaluated on this export (None: it can)


def measure(rule: Kpi, scope: Scope, ctx: CheckContext, verdicts: pl.DataFrame) -> Measured:
    """The KPI's periods, groups and units over the scope's cases (``verdicts``: the case-level
    verdicts before waivers)."""
    periods = (
        with_periods(scope.cases, scope, rule.period)
        .group_by("period")
        .agg(pl.col("_start").first(), pl.col("_end").first())
    )
    lacking = ctx.lacks_field(rule.applies_to) + [
        k for k in rule.group_by if not ctx.records.has(f"cases.{k}")
    ]
    if lacking:
        fields = ", ".join(dict.fromkeys(lacking))
        return Measured(periods, None, None, f"the export lacks {fields}")
    cases = with_periods(select(rule.applies_to, scope, ctx, rule.id).cases, scope, rule.period)
    cases = cases.with_columns(group=group_label(rule.group_by))
    metric = rule.metric
    if isinstance(metric, VerdictRate):
        units, reason = _verdict_units(metric, cases, verdicts)
    elif isinstance(metric, CaseRate):
        units, reason = _case_units(metric, cases, scope, ctx)
    else:
        units, reason = _score_units(metric, cases, ctx)
    groups = cases.select("group").unique()
    if reason is not None:
        return Measured(periods, groups, None, reason)
    counts = units.group_by("period", "group").agg(
        _n=pl.col("case_id").n_unique() if isinstance(metric, VerdictRate) else pl.len(),
        _met=pl.col("met").sum().cast(pl.Int64),
        _units=pl.len(),
    )
    return Measured(periods, groups, counts.cast({"_n": pl.Int64, "_units": pl.Int64}), None)


def judge(rule: Kpi, parts: Sequence[Measured], as_of: int) -> pl.DataFrame:
    """The KPI's verdicts from what the parts of the export measured (one part: all of it)."""
    periods = pl.concat([p.periods for p in parts]).unique("period", keep="first")
    reason = next((p.reason for p in parts if p.reason is not None), None)
    asked = [p.groups for p in parts if p.groups is not None]
    groups = pl.concat(asked).unique() if asked else None
    if reason is not None:
        return _unjudged(rule, periods, groups, reason)
    assert groups is not None
    measured = pl.concat([p.counts for p in parts if p.counts is not None])
    counts = measured.group_by("period", "group").agg(pl.col("_n", "_met", "_units").sum())
    grid = (
        periods.join(groups, how="cross")
        if groups.height
        else periods.head(0).with_columns(group=pl.lit(None, dtype=pl.Utf8))
    )
    frame = grid.join(counts, on=["period", "group"], how="left", nulls_equal=True).with_columns(
        pl.col("_n").fill_null(0), pl.col("_units").fill_null(0), pl.col("_met").fill_null(0)
    )
    rate = pl.col("_met") / pl.col("_units")
    goal = rule.target.value
    met = rate >= goal - TOLERANCE if rule.target.op == ">=" else rate <= goal + TOLERANCE
    complete = pl.col("_end").dt.epoch("s") <= as_of
    enough = pl.col("_n") >= rule.min_cases
    pct = (rate * 100).round(1).cast(pl.Utf8)
    out = frame.select(
        case_id=pl.lit(None, dtype=pl.Utf8),
        rule_id=pl.lit(rule.id),
        outcome=pl.when(~complete)
        .then(pl.lit("not_evaluable"))
        .when(~enough)
        .then(pl.lit("not_evaluable"))
        .when(met)
        .then(pl.lit("pass"))
        .otherwise(pl.lit("fail")),
        reason=pl.when(~complete)
        .then(pl.lit("period not complete at --as-of"))
        .when(pl.col("_n") == 0)
        .then(pl.lit("no data in the period"))
        .when(~enough)
        .then(pl.format("fewer than {} cases ({})", pl.lit(rule.min_cases), pl.col("_n")))
        .when(met)
        .then(None)
        .otherwise(
            pl.format(
                "{} % of {} is not {} {} %",
                pct,
                pl.col("_units"),
                pl.lit(rule.target.op),
                pl.lit(f"{goal * 100:g}"),
            )
        ),
        observed=pl.when(complete & enough).then(rate),
        target=pl.lit(goal),
        started_at="_start",
        ended_at="_end",
        period="period",
        group="group",
    )
    return conform(out.sort("period", "group", nulls_last=False))


def _unjudged(
    rule: Kpi, periods: pl.DataFrame, groups: pl.DataFrame | None, reason: str
) -> pl.DataFrame:
    """``not_evaluable`` for every period (and group), all with one reason."""
    grid = (
        periods.join(groups, how="cross")
        if groups is not None and groups.height
        else (periods.with_columns(group=pl.lit(None, dtype=pl.Utf8)))
    )
    out = grid.select(
        rule_id=pl.lit(rule.id),
        outcome=pl.lit("not_evaluable"),
        reason=pl.lit(reason),
        target=pl.lit(rule.target.value),
        started_at="_start",
        ended_at="_end",
        period="period",
        group="group",
    )
    return conform(out.sort("period", "group", nulls_last=False))


def _verdict_units(
    metric: VerdictRate, cases: pl.DataFrame, verdicts: pl.DataFrame
) -> tuple[pl.DataFrame, str | None]:
    wanted = verdicts.filter(
        pl.col("rule_id").is_in(metric.rules)
        & pl.col("outcome").is_in(["pass", "fail", "waived"])
        & pl.col("case_id").is_not_null()
    ).select("case_id", met=pl.col("outcome") == "pass")
    units = wanted.join(cases.select("case_id", "period", "group"), on="case_id")
    return units, None


def _case_units(
    metric: CaseRate, cases: pl.DataFrame, scope: Scope, ctx: CheckContext
) -> tuple[pl.DataFrame, str | None]:
    if not ctx.can_record(metric.numerator):
        return cases, f"the export never records {metric.numerator}"
    reached = (
        scope.events.filter((pl.col("at").dt.epoch("s") <= ctx.as_of) & matches([metric.numerator]))
        .select("case_id")
        .unique()
    )
    hit = pl.col("case_id").is_in(reached.get_column("case_id").implode())
    return cases.select("case_id", "period", "group", met=hit), None


def _score_units(
    metric: ScoreRate, cases: pl.DataFrame, ctx: CheckContext
) -> tuple[pl.DataFrame, str | None]:
    column = field_column(metric.field, ctx.records)
    if column is None:
        return cases, f"the export lacks field {metric.field}"
    score = pl.col(column).cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False)
    units = (
        cases.select("case_id", "period", "group", _score=score)
        .filter(pl.col("_score").is_not_null())
        .select("case_id", "period", "group", met=pl.col("_score") >= metric.at_least)
    )
    return units, None
