"""Time limits: did the clock stop within the target?

Every clock — start/stop, pausing, resetting or cancelling — is run for all cases at once by
:func:`svcstd.checks.clocks.run_clocks` (Polars group-bys and the calendar's vectorised prefix
function). Evidence for a failure comes from :func:`svcstd.timecalc.run_limit`, the per-case
reference that explains a clock interval by interval; a property test holds the two equal.

Outcomes: stopped at or before the deadline → ``pass``; after it → ``fail``; still running at
``as_of`` → ``fail`` if the deadline has passed, else ``not_evaluable`` ("not yet due"). A case
where the clock never started, or was cancelled, gets no verdict: the limit did not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from svcstd.checks.clocks import Cycles, matches, relevant, run_clocks
from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.selectors import cached, events_of, select
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import BreachTrigger, Condition, LimitShareTrigger, TimeLimit
from svcstd.timecalc import ClockEvent, format_duration, iso, run_limit

KIND = "time_limits"


def _conds(conditions: Sequence[Condition]) -> str:
    return " or ".join(str(c) for c in conditions)


def _epoch(series: pl.Series) -> np.ndarray:
    return series.dt.epoch("s").to_numpy()


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
    out.append(_verdicts(rule, limit_clocks(rule, cases, scope, ctx, events), ctx))
    return pl.concat(out)


def _watched(scope: Scope) -> set[str]:
    """Time limits an escalation path of the release watches (their clocks are read twice)."""
    return {
        t.limit
        for p in scope.release.escalation_paths
        for t in p.triggers
        if isinstance(t, LimitShareTrigger | BreachTrigger)
    }


def limit_clocks(
    rule: TimeLimit,
    cases: pl.DataFrame,
    scope: Scope,
    ctx: CheckContext,
    events: pl.DataFrame | None = None,
) -> Cycles:
    """The limit's clocks for ``cases`` — the cases its selector picks from the scope.

    ``events`` are those cases' clock events (:func:`clock_inputs`), read when not given. The
    clocks of a limit an escalation path watches are kept with the scope, so the escalation
    evaluator reads the time limit evaluator's clocks instead of running them again.
    """

    def run() -> Cycles:
        ev = events if events is not None else clock_inputs(rule, cases, scope, ctx)[0]
        cal = ctx.calendar(scope.release, rule.calendar)
        return run_clocks(ev, rule.clock, cal, time=rule.time, as_of=ctx.as_of)

    if rule.id not in _watched(scope):
        return run()
    return cached(scope, ("clocks", rule.id, ctx.as_of), run)  # type: ignore[return-value]


def clock_inputs(
    rule: TimeLimit, cases: pl.DataFrame, scope: Scope, ctx: CheckContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The in-scope cases' events up to ``as_of`` that can change the clock, and each started
    case's first start."""
    events = events_of(scope, ctx, cases, relevant(rule.clock))
    started = (
        events.filter(matches(rule.clock.start)).group_by("case_id").agg(start=pl.col("at").min())
    )
    return events, started


def _verdicts(rule: TimeLimit, clocks: Cycles, ctx: CheckContext) -> pl.DataFrame:
    """Every started case's verdict, from the clocks of all cases at once."""
    res = clocks.results(rule.target)
    if res.height == 0:
        return empty()
    status = pl.col("status")
    return conform(
        res.select(
            "case_id",
            rule_id=pl.lit(rule.id),
            outcome=status.replace_strict(_STATUS, return_dtype=pl.Utf8),
            reason=pl.when(status == "met")
            .then(None)
            .when(status == "running")
            .then(
                pl.when(pl.col("paused"))
                .then(pl.lit("not yet due at --as-of (paused)"))
                .otherwise(pl.lit("not yet due at --as-of"))
            )
            .when(pl.col("stopped_at").is_not_null())
            .then(pl.lit("stopped after the deadline"))
            .otherwise(pl.lit("still running after the deadline")),
            observed=pl.col("elapsed").cast(pl.Float64),
            target=pl.col("target").cast(pl.Float64),
            **{
                c: (pl.col(src) * 1_000_000).cast(pl.Datetime("us", "UTC"))
                for c, src in (
                    ("started_at", "started_at"),
                    ("ended_at", "stopped_at"),
                    ("deadline", "deadline"),
                )
            },
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
