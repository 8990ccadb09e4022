"""Retention: records are kept for ``keep_for``, then disposed of — unless on legal hold.

A rule applies to the cases that carry its record type (as for archiving: the record type's
selector and the kind's case field) and that reached ``counted_from`` by ``as_of``. The period
runs from the *last* such instant (a re-archived file, a customer lost again, starts afresh) for
``keep_for`` in calendar time, in the release's default calendar's zone (months and years move
the local date).

The export is what is kept: a case present in it is still held, unless it records the disposal
the rule asks for (``DISPOSAL``: ``records_destroyed`` for ``destroy``; ``records_anonymised``
or ``records_destroyed`` for ``anonymise``; ``records_reviewed`` or ``records_destroyed`` for
``review``) at or after the period began.

**Legal hold** is read from the case attribute ``attr_legal_hold`` (profile attribute
``legal_hold``): ``true``, ``yes``, ``y``, ``1`` or ``on`` (any case) put the case on hold.
A hold is a fact about the record as exported, not a dated event, so it is an attribute. An
export without the attribute records no holds: the keeper must be able to show why a record is
still held, so such cases fail, with a reason that says the export carries no hold marker.

Outcomes:

- disposed of at or after the end of the period → ``pass``;
- disposed of before the end → ``fail`` (the rule also says how long to keep);
- not disposed of, period over at ``as_of``: on legal hold and the rule exempts holds →
  ``pass`` (reason "kept on legal hold"); otherwise → ``fail``;
- not disposed of, period still running → ``not_evaluable`` ("within retention: disposal not
  yet due"; the end of the period is the verdict's ``deadline``. Reasons carry no dates, so
  reports can group them):
  keeping a record inside its period is what the rule allows, but its duty — dispose of it at
  the end — is not yet due, exactly like a time limit whose clock still runs. A pass here
  would count as compliance a duty nobody could have breached yet.

A case that never reached ``counted_from`` gets no verdict: its period has not started (an
archiving rule judges whether it should have been archived). An export that never records the
``counted_from`` condition makes the rule ``not_evaluable`` for every case it selects.
``observed`` is the time kept (to disposal, else to ``as_of``) and ``target`` the period, in
seconds; ``deadline`` is the end of the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from svcstd.checks.archiving import epoch_of
from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.records import records_of_type
from svcstd.checks.selectors import events_of
from svcstd.checks.time_limits import event_rows, matches
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import RetentionRule
from svcstd.timecalc import BusinessCalendar, format_duration, iso
from svcstd.timecalc import limits as tl

KIND = "retention"

#: Events that evidence what the rule's ``then`` asks (destruction satisfies every ``then``).
DISPOSAL: dict[str, tuple[str, ...]] = {
    "destroy": ("records_destroyed",),
    "anonymise": ("records_anonymised", "records_destroyed"),
    "review": ("records_reviewed", "records_destroyed"),
}

#: The case attribute that marks a legal hold, and the values that mean "on hold".
LEGAL_HOLD = "attr_legal_hold"
HOLD_VALUES = ("true", "yes", "y", "1", "on")


def _instant(values: np.ndarray) -> pl.Series:
    return pl.Series(values * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))


def period_end(cal: BusinessCalendar, start: np.ndarray, rule: RetentionRule) -> np.ndarray:
    """End of the retention period for each start (months and years are per distinct start)."""
    unique, inverse = np.unique(start, return_inverse=True)
    return tl.deadline(cal, unique, rule.keep_for, "calendar")[inverse]


def on_hold(cases: pl.DataFrame) -> pl.Expr:
    """Whether a case is on legal hold (false when the export has no hold attribute)."""
    if LEGAL_HOLD not in cases.columns:
        return pl.lit(False)
    value = pl.col(LEGAL_HOLD).str.strip_chars().str.to_lowercase()
    return value.is_in(HOLD_VALUES).fill_null(False)


def evaluate(rules: Sequence[RetentionRule], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every retention rule over the cases of one release."""
    frames = [_evaluate_one(rule, scope, ctx) for rule in rules]
    return pl.concat(frames) if frames else empty()


def _evaluate_one(rule: RetentionRule, scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    selection = records_of_type(rule.record_type, scope, ctx, rule.id)
    out = [selection.unplaceable]
    cases = selection.cases
    if cases.height == 0:
        return pl.concat(out)
    if not ctx.can_record(rule.counted_from):
        reason = f"the export never records {rule.counted_from}, from which retention counts"
        out.append(not_evaluable(cases.get_column("case_id"), rule.id, reason))
        return pl.concat(out)
    read = matches([rule.counted_from]) | pl.col("event").is_in(DISPOSAL[rule.then])
    events = events_of(scope, ctx, cases, read)
    started = (
        events.filter(matches([rule.counted_from]))
        .group_by("case_id")
        .agg(start=pl.col("at").max())
    )
    if started.height == 0:
        return pl.concat(out)
    disposed = (
        events.filter(pl.col("event").is_in(DISPOSAL[rule.then]))
        .join(started, on="case_id")
        .filter(pl.col("at") >= pl.col("start"))
        .group_by("case_id")
        .agg(disposed=pl.col("at").min())
    )
    frame = (
        started.join(disposed, on="case_id", how="left")
        .join(cases.select("case_id", hold=on_hold(cases)), on="case_id", how="left")
        .sort("case_id")
    )
    cal = ctx.calendar(scope.release, None)
    start = frame.get_column("start").dt.epoch("s").to_numpy()
    end = period_end(cal, start, rule)
    over = end <= ctx.as_of
    if LEGAL_HOLD not in cases.columns:
        unheld = "no legal hold recorded (the export has no legal_hold attribute)"
    else:
        unheld = "not on legal hold"
    if not rule.legal_hold_exempt:
        unheld = "legal hold does not exempt under this rule"
    local_end = (
        _instant(end).dt.convert_time_zone(cal.timezone).dt.strftime("%Y-%m-%d").alias("_end")
    )
    gone = pl.col("disposed").is_not_null()
    early = gone & (pl.col("disposed").dt.epoch("s") < pl.col("_end_s"))
    held = pl.col("hold") & pl.lit(rule.legal_hold_exempt)
    verdicts = frame.with_columns(
        local_end, _end_s=pl.Series(end), _start_s=pl.Series(start), _over=pl.Series(over)
    ).select(
        "case_id",
        rule_id=pl.lit(rule.id),
        outcome=pl.when(gone & ~early)
        .then(pl.lit("pass"))
        .when(early)
        .then(pl.lit("fail"))
        .when(~pl.col("_over"))
        .then(pl.lit("not_evaluable"))
        .when(held)
        .then(pl.lit("pass"))
        .otherwise(pl.lit("fail")),
        reason=pl.when(gone & ~early)
        .then(None)
        .when(early)
        .then(pl.lit("disposed of before retention ended"))
        .when(~pl.col("_over"))
        .then(pl.lit("within retention: disposal not yet due"))
        .when(held)
        .then(pl.lit("kept on legal hold"))
        .otherwise(pl.lit(f"kept past the end of retention ({rule.then} was due); {unheld}")),
        observed=(pl.col("disposed").dt.epoch("s").fill_null(ctx.as_of) - pl.col("_start_s")).cast(
            pl.Float64
        ),
        target=(pl.col("_end_s") - pl.col("_start_s")).cast(pl.Float64),
        started_at="start",
        ended_at="disposed",
        deadline=pl.col("_end_s").mul(1_000_000).cast(pl.Datetime("us", "UTC")),
    )
    out.append(conform(verdicts))
    return pl.concat(out)


def explain(
    rule: RetentionRule, scope: Scope, ctx: CheckContext, case_events: pl.DataFrame
) -> dict[str, Any]:
    """Evidence for one case: when retention began and ended, disposal, and the hold marker."""
    cal = ctx.calendar(scope.release, None)
    tz = cal.timezone
    events = case_events.filter(pl.col("at").dt.epoch("s") <= ctx.as_of)
    began = events.filter(matches([rule.counted_from]))
    case_id = case_events.get_column("case_id")[0] if case_events.height else None
    case = scope.cases.filter(pl.col("case_id") == case_id)
    hold = bool(case.select(on_hold(case)).item()) if case.height else False
    if began.height == 0:
        return {"counted_from": str(rule.counted_from), "started_at": None, "events": []}
    start = epoch_of(began, "max")
    end = int(period_end(cal, np.asarray([start], dtype=np.int64), rule)[0])
    gone = events.filter(
        pl.col("event").is_in(DISPOSAL[rule.then]) & (pl.col("at").dt.epoch("s") >= start)
    )
    shown = events.filter(matches([rule.counted_from]) | pl.col("event").is_in(DISPOSAL[rule.then]))
    return {
        "counted_from": str(rule.counted_from),
        "timezone": tz,
        "started_at": iso(start, tz),
        "retention_ends": iso(end, tz),
        "keep_for": str(rule.keep_for),
        "then": rule.then,
        "disposed_at": iso(epoch_of(gone, "min"), tz) if gone.height else None,
        "kept_for": format_duration(ctx.as_of - start) if not gone.height else None,
        "legal_hold": hold,
        "legal_hold_exempt": rule.legal_hold_exempt,
        "events": event_rows(shown, tz),
    }
