"""Archiving: after the ``after`` condition (usually closure), the archive event follows in time.

A rule applies to the cases that carry its record type (:func:`svcstd.checks.records.record_cases`:
the record type's selector and, for calls, visits and feedback, the kind's case field) and that
reached the ``after`` condition by ``as_of``. The deadline counts from the *last* time the
condition was met by ``as_of``: a reopened case's file is final only at its last closure, so
an archive made before a reopening does not count. The first ``event`` (``archived``) at or
after that instant stops it (an archive at the very instant of closure counts). Time is
measured like a time limit: business or calendar time on the rule's calendar (else the
release's default) through :mod:`svcstd.timecalc.limits`, and *met* means counted time within
the budget.

Outcomes: archived within the deadline → ``pass``; archived later → ``fail``; not archived and
the deadline has passed at ``as_of`` → ``fail``; not archived and not yet due →
``not_evaluable``. An export that never records the ``after`` condition, or never records the
archive event, makes the rule ``not_evaluable`` for the cases it would judge, never a pass. A
case that has not reached the condition gets no verdict. A rule whose record type is missing
from the release (lint reports it) is ``not_evaluable`` for every case in the scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.records import records_of_type
from svcstd.checks.selectors import events_of
from svcstd.checks.time_limits import event_rows, matches
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import ArchivingRule, Condition
from svcstd.timecalc import format_duration, iso
from svcstd.timecalc import limits as tl

KIND = "archiving"


def _instant(values: np.ndarray) -> pl.Series:
    return pl.Series(values * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))


def epoch_of(events: pl.DataFrame, how: str) -> int:
    """The earliest or latest instant of non-empty events, in epoch seconds."""
    at = events.get_column("at").dt.epoch("s")
    return int(at.min() if how == "min" else at.max())  # type: ignore[arg-type]


def evaluate(rules: Sequence[ArchivingRule], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every archiving rule over the cases of one release."""
    frames = [_evaluate_one(rule, scope, ctx) for rule in rules]
    return pl.concat(frames) if frames else empty()


def _evaluate_one(rule: ArchivingRule, scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    selection = records_of_type(rule.record_type, scope, ctx, rule.id)
    out = [selection.unplaceable]
    cases = selection.cases
    if cases.height == 0:
        return pl.concat(out)
    if not ctx.can_record(rule.after):
        reason = f"the export never records {rule.after}, which starts the archiving deadline"
        out.append(not_evaluable(cases.get_column("case_id"), rule.id, reason))
        return pl.concat(out)
    events = events_of(scope, ctx, cases, matches([rule.after, Condition(event=rule.event)]))
    started = events.filter(matches([rule.after])).group_by("case_id").agg(start=pl.col("at").max())
    if started.height == 0:
        return pl.concat(out)
    if not ctx.can_record(Condition(event=rule.event)):
        reason = f"the export never records event {rule.event}, which evidences archiving"
        out.append(not_evaluable(started.get_column("case_id").sort(), rule.id, reason))
        return pl.concat(out)
    # An archive event at the closing instant counts: systems often archive on closure.
    archived = (
        events.filter(pl.col("event") == rule.event)
        .join(started, on="case_id")
        .filter(pl.col("at") >= pl.col("start"))
        .group_by("case_id")
        .agg(stop=pl.col("at").min())
    )
    frame = started.join(archived, on="case_id", how="left").sort("case_id")
    cal = ctx.calendar(scope.release, rule.calendar)
    start = frame.get_column("start").dt.epoch("s").to_numpy()
    stop = frame.get_column("stop").dt.epoch("s").fill_null(ctx.as_of).to_numpy().astype(np.int64)
    due = tl.deadline(cal, start, rule.within, rule.time)
    target = tl.budget(cal, start, rule.within, rule.time)
    observed = tl.elapsed(cal, start, stop, rule.time)
    late = pl.col("_late")
    done = pl.col("ended_at").is_not_null()
    verdicts = frame.select(
        "case_id",
        rule_id=pl.lit(rule.id),
        started_at="start",
        ended_at="stop",
        observed=pl.Series(observed, dtype=pl.Float64),
        target=pl.Series(target, dtype=pl.Float64),
        deadline=_instant(due),
        _late=pl.Series(observed > target),
    ).with_columns(
        outcome=pl.when(late)
        .then(pl.lit("fail"))
        .when(done)
        .then(pl.lit("pass"))
        .otherwise(pl.lit("not_evaluable")),
        reason=pl.when(late & done)
        .then(pl.lit("archived after the deadline"))
        .when(late)
        .then(pl.lit("not archived by the deadline"))
        .when(~done)
        .then(pl.lit("not yet due at --as-of")),
    )
    out.append(conform(verdicts))
    return pl.concat(out)


def explain(
    rule: ArchivingRule, scope: Scope, ctx: CheckContext, case_events: pl.DataFrame
) -> dict[str, Any]:
    """Evidence for one case: closure, archiving (if any), deadline, time used vs. allowed."""
    cal = ctx.calendar(scope.release, rule.calendar)
    events = case_events.filter(pl.col("at").dt.epoch("s") <= ctx.as_of)
    after = events.filter(matches([rule.after]))
    if after.height == 0:
        return {"after": str(rule.after), "started_at": None, "events": []}
    start = epoch_of(after, "max")
    arch = events.filter((pl.col("event") == rule.event) & (pl.col("at").dt.epoch("s") >= start))
    stop = epoch_of(arch, "min") if arch.height else None
    due = int(tl.deadline(cal, [start], rule.within, rule.time)[0])
    target = int(tl.budget(cal, [start], rule.within, rule.time)[0])
    used = int(tl.elapsed(cal, [start], [stop if stop is not None else ctx.as_of], rule.time)[0])
    tz = cal.timezone
    shown = events.filter(matches([rule.after, Condition(event=rule.event)]))
    return {
        "after": str(rule.after),
        "time": rule.time,
        "calendar": cal.id,
        "timezone": tz,
        "started_at": iso(start, tz),
        "archived_at": iso(stop, tz) if stop is not None else None,
        "deadline": iso(due, tz),
        "elapsed": format_duration(used),
        "limit": format_duration(target),
        "elapsed_seconds": used,
        "limit_seconds": target,
        "events": event_rows(shown, tz),
    }
