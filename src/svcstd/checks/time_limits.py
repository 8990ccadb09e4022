"""Time limits: did the clock stop within the target?

Columnar first: for clocks that only start and stop (most of the handbook), the first start
and the first stop after it are found per case with group-bys, and business time comes from
the calendar's vectorised prefix function. Clocks that pause, resume, reset or cancel run per
case through :func:`svcstd.timecalc.run_limit` — the same function that explains every failure,
so the fast path and the explanation cannot disagree (a test holds them equal).

Outcomes: stopped at or before the deadline → ``pass``; after it → ``fail``; still running at
``as_of`` → ``fail`` if the deadline has passed, else ``not_evaluable`` ("not yet due"). A case
where the clock never started, or was cancelled, gets no verdict: the limit did not apply.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from svcstd.checks.context import CheckContext, Scope, events_until
from svcstd.checks.selectors import select
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import Condition, TimeLimit
from svcstd.timecalc import BusinessCalendar, ClockEvent, format_duration, iso, run_limit
from svcstd.timecalc import limits as tl

KIND = "time_limits"


def matches(conditions: Sequence[Condition]) -> pl.Expr:
    """Events that satisfy any of the conditions (an event type, or entry into a state)."""
    events = [c.event for c in conditions if c.event]
    states = [c.state for c in conditions if c.state]
    expr = pl.lit(False)
    if events:
        expr = expr | pl.col("event").is_in(events).fill_null(False)
    if states:
        expr = expr | pl.col("state").is_in(states).fill_null(False)
    return expr


def _conds(conditions: Sequence[Condition]) -> str:
    return " or ".join(str(c) for c in conditions)


def is_simple(rule: TimeLimit) -> bool:
    """Whether the clock only starts and stops (the columnar path applies)."""
    c = rule.clock
    return not (c.pause or c.resume or c.reset or c.cancel)


def _epoch(series: pl.Series) -> np.ndarray:
    return series.dt.epoch("s").to_numpy()


def _instant(values: np.ndarray) -> pl.Series:
    return pl.Series(values * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))


def evaluate(rules: Sequence[TimeLimit], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every time limit over the cases of one release."""
    frames = [_evaluate_one(rule, scope, ctx) for rule in rules]
    return pl.concat(frames) if frames else empty()


def _evaluate_one(rule: TimeLimit, scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    selection = select(rule.applies_to, scope, ctx, rule.id)
    out = [selection.unplaceable]
    cases = selection.cases
    if cases.height == 0:
        return pl.concat(out)
    clock = rule.clock
    if not any(ctx.can_record(c) for c in clock.start):
        reason = f"the export never records {_conds(clock.start)}, which starts the clock"
        out.append(not_evaluable(cases.get_column("case_id"), rule.id, reason))
        return pl.concat(out)
    events, started = clock_inputs(rule, cases, scope, ctx)
    if started.height == 0:
        return pl.concat(out)
    if not any(ctx.can_record(c) for c in clock.stop):
        reason = f"the export never records {_conds(clock.stop)}, which stops the clock"
        out.append(not_evaluable(started.get_column("case_id").sort(), rule.id, reason))
        return pl.concat(out)
    calendar = ctx.calendar(scope.release, rule.calendar)
    if is_simple(rule):
        out.append(_columnar(rule, events, started, calendar, ctx))
    else:
        out.append(_per_case(rule, events, started, calendar, ctx))
    return pl.concat(out)


def clock_inputs(
    rule: TimeLimit, cases: pl.DataFrame, scope: Scope, ctx: CheckContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The in-scope cases' events up to ``as_of``, and each started case's first start."""
    events = events_until(scope, cases, ctx)
    started = (
        events.filter(matches(rule.clock.start)).group_by("case_id").agg(start=pl.col("at").min())
    )
    return events, started


def _columnar(
    rule: TimeLimit,
    events: pl.DataFrame,
    started: pl.DataFrame,
    cal: BusinessCalendar,
    ctx: CheckContext,
) -> pl.DataFrame:
    # Same-instant order is cancel, reset, stop, start: a stop at the start's instant comes
    # first and finds the clock idle, so only a stop strictly after the start counts.
    stops = (
        events.filter(matches(rule.clock.stop))
        .join(started, on="case_id")
        .filter(pl.col("at") > pl.col("start"))
        .group_by("case_id")
        .agg(stop=pl.col("at").min())
    )
    frame = started.join(stops, on="case_id", how="left").sort("case_id")
    start = _epoch(frame.get_column("start"))
    stop_series = frame.get_column("stop")
    stopped = stop_series.is_not_null().to_numpy()
    stop = stop_series.dt.epoch("s").fill_null(ctx.as_of).to_numpy().astype(np.int64)
    due = tl.deadline(cal, start, rule.target, rule.time)
    target = tl.budget(cal, start, rule.target, rule.time)
    observed = tl.elapsed(cal, start, stop, rule.time)
    # Met means counted time within the budget, not stop instant before the deadline: a
    # stop at 09:00 after an overnight deadline of 18:00 has counted no more business time.
    late = observed > target
    outcome = np.where(
        stopped, np.where(late, "fail", "pass"), np.where(late, "fail", "not_evaluable")
    )
    reason = np.where(
        stopped,
        np.where(late, "stopped after the deadline", ""),
        np.where(late, "still running after the deadline", "not yet due at --as-of"),
    )
    return conform(
        pl.DataFrame(
            {
                "case_id": frame.get_column("case_id"),
                "rule_id": rule.id,
                "outcome": outcome,
                "reason": pl.Series([r or None for r in reason.tolist()], dtype=pl.Utf8),
                "observed": observed.astype(np.float64),
                "target": target.astype(np.float64),
                "started_at": frame.get_column("start"),
                "ended_at": stop_series,
                "deadline": _instant(due),
            }
        )
    )


def case_clock_events(events: pl.DataFrame) -> list[ClockEvent]:
    """A case's events as clock input (sorted by instant, then recorded order)."""
    at = _epoch(events.get_column("at"))
    return [
        ClockEvent(int(t), e, s)
        for t, e, s in zip(at, events.get_column("event"), events.get_column("state"), strict=True)
    ]


_STATUS = {"met": "pass", "breached": "fail", "running": "not_evaluable"}


def _per_case(
    rule: TimeLimit,
    events: pl.DataFrame,
    started: pl.DataFrame,
    cal: BusinessCalendar,
    ctx: CheckContext,
) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    subset = events.join(started.select("case_id"), on="case_id", how="semi").sort(
        "case_id", "at", "seq"
    )
    # Columns leave Polars once; each case is a slice of plain lists (no per-case frames).
    ids = subset.get_column("case_id").to_list()
    if not ids:
        return empty()
    at = subset.get_column("at").dt.epoch("s").to_list()
    kinds = subset.get_column("event").to_list()
    states = subset.get_column("state").to_list()
    bounds = [0, *(i for i in range(1, len(ids)) if ids[i] != ids[i - 1]), len(ids)]
    for lo, hi in itertools.pairwise(bounds):
        case_id = ids[lo]
        clock_events = [ClockEvent(at[i], kinds[i], states[i]) for i in range(lo, hi)]
        result = run_limit(clock_events, rule, cal, as_of=ctx.as_of, trace=False)
        outcome = _STATUS.get(result.status)
        if outcome is None:  # not started, or cancelled: the limit did not apply
            continue
        if outcome == "not_evaluable":
            reason = "not yet due at --as-of" + (" (paused)" if result.paused else "")
        elif result.stopped_at is not None:
            reason = "stopped after the deadline"
        else:
            reason = "still running after the deadline"
        rows.append(
            {
                "case_id": case_id,
                "rule_id": rule.id,
                "outcome": outcome,
                "reason": None if outcome == "pass" else reason,
                "observed": float(result.elapsed),
                "target": float(result.target),
                "started_at": result.started_at,
                "ended_at": result.stopped_at,
                "deadline": result.deadline,
            }
        )
    if not rows:
        return empty()
    frame = pl.DataFrame(
        rows,
        schema_overrides={
            "reason": pl.Utf8,
            "started_at": pl.Int64,
            "ended_at": pl.Int64,
            "deadline": pl.Int64,
        },
    )
    instants = [
        (pl.col(c) * 1_000_000).cast(pl.Datetime("us", "UTC")).alias(c)
        for c in ("started_at", "ended_at", "deadline")
    ]
    return conform(frame.with_columns(instants))


def explain(
    rule: TimeLimit, scope: Scope, ctx: CheckContext, case_events: pl.DataFrame
) -> dict[str, Any]:
    """Evidence for one case: the clock's events, elapsed vs. limit, and the interval trace."""
    cal = ctx.calendar(scope.release, rule.calendar)
    result = run_limit(case_clock_events(case_events), rule, cal, as_of=ctx.as_of, trace=True)
    tz = cal.timezone
    conds = [*rule.clock.start, *rule.clock.stop, *rule.clock.pause, *rule.clock.resume,
             *rule.clock.reset, *rule.clock.cancel]  # fmt: skip
    used = case_events.filter(matches(conds))

    def when(t: int | None) -> str | None:
        return None if t is None else iso(t, tz)

    return {
        "clock": {"status": result.status, "time": rule.time, "calendar": cal.id, "timezone": tz},
        "elapsed": format_duration(result.elapsed),
        "limit": format_duration(result.target),
        "elapsed_seconds": result.elapsed,
        "limit_seconds": result.target,
        "started_at": when(result.started_at),
        "stopped_at": when(result.stopped_at),
        "deadline": when(result.deadline),
        "breach_by": format_duration(result.breach_by) if result.breach_by else None,
        "events": event_rows(used, tz),
        "trace": [
            {"from": a, "to": b, "seconds": s, "counted": c, "reason": r}
            for a, b, s, c, r in result.explain(tz)
        ],
    }


def event_rows(events: pl.DataFrame, tz: str) -> list[dict[str, Any]]:
    """Events as evidence rows: local time, what happened, and where the export says it."""
    rows = []
    for rec in events.iter_rows(named=True):
        at = int(rec["at"].timestamp())
        rows.append(
            {
                "at": iso(at, tz),
                "event": rec["event"],
                "state": rec["state"],
                "actor": rec["actor"],
                "file": str(rec["source_file"]),
                "row": rec["source_row"],
            }
        )
    return rows
