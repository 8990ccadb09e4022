"""Escalation paths: did every trigger that fired lead up the ladder in time, one rung at a time?

**Triggers** (each over the case's records up to ``as_of``):

- ``limit-share``: the watched time limit's clock has counted more than ``share`` of its target
  (the same clocks as :mod:`svcstd.checks.time_limits`, run for all cases at once by
  :func:`svcstd.checks.clocks.run_clocks`); it fires at the
  instant the share was used. ``breach`` is the same at the whole target, i.e. exactly when the
  time-limit evaluator reports a failure.
- ``priority``: the case's priority is listed. It fires when the case was opened, or — when the
  record shows ``priority_changed`` events — at the last of them: the export keeps one priority
  per case, so the latest moment it can have been reached is taken (never blames an escalation
  for a raise that came later).
- ``event``: the first occurrence of the event.
- ``repeat``: the case is at least the ``count``-th case of its customer opened within
  ``window`` (cases of the whole export that the path's selector admits; ``bd`` windows count
  as days). It fires when the case was opened.

``within`` counts in the watched limit's time basis and calendar for limit triggers (as
``svcstd lint`` does), in business time of the release's default calendar for the others.

**Levels.** An escalation is an occurrence of the path's ``event``. The level it reaches is the
ladder level of its ``role``, else of its ``group`` (the team responsible afterwards), else of
the role the export records for its actor elsewhere. An escalation whose role is known but not
on this ladder belongs to another ladder and is ignored; one whose role cannot be told at all
has an unknown level. A trigger is honoured when, by its deadline, the case has reached at least
``to_level`` (an escalation before the trigger counts: the case is already there). Escalations
climb one level at a time: an escalation more than one level above the highest reached so far
(level 1 at the start) skips a level.

**One verdict per (case, path).** The path applies to a case when a trigger fired or the case
was escalated to a known level of the ladder. ``fail`` when any fired trigger was not honoured
by its deadline or any escalation skipped a level; the reason names the earliest failure (by
deadline, or by the skipping escalation's instant). Otherwise ``not_evaluable`` when any part
cannot be judged — a trigger not yet due at ``--as-of``, an escalation of unknown level, a
trigger that cannot be told for the case (no priority, no customer, the watched limit's selector
cannot place it), or a trigger the export can never show (then every in-scope case) — with the
first such reason; an export that never records the escalation event makes every in-scope case
not evaluable. Otherwise ``pass``. ``observed``/``target`` are the level reached by the
deadline and ``to_level`` of the deciding trigger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from svcstd.checks.authorities import local
from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.selectors import by_case, events_of, first_seen, select
from svcstd.checks.time_limits import event_rows, limit_clocks
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.duration import Duration
from svcstd.spec.model import (
    BreachTrigger,
    Condition,
    EscalationPath,
    EventTrigger,
    LimitShareTrigger,
    PriorityTrigger,
    RepeatTrigger,
    TimeLimit,
    Trigger,
)
from svcstd.timecalc import BusinessCalendar, iso
from svcstd.timecalc import limits as tl

KIND = "escalation_paths"

UTC = pl.Datetime("us", "UTC")
_FIRED = {"case_id": pl.Utf8, "at": pl.Int64}
_UNKNOWN = {"case_id": pl.Utf8, "reason": pl.Utf8}
# Ranks when one verdict is chosen per case: failures first, then what cannot be judged.
FAIL, UNSURE, PASS = 0, 1, 2


def label(trigger: Trigger) -> str:
    """A trigger in a few words, as reasons name it."""
    if isinstance(trigger, LimitShareTrigger):
        return f"{trigger.share:.0%} of {trigger.limit}"
    if isinstance(trigger, BreachTrigger):
        return f"breach of {trigger.limit}"
    if isinstance(trigger, PriorityTrigger):
        return f"priority {' or '.join(trigger.priorities)}"
    if isinstance(trigger, EventTrigger):
        return f"event {trigger.event}"
    return f"case {trigger.count} of the customer within {trigger.window}"


@dataclass(frozen=True)
class Firing:
    """What one trigger shows over the in-scope cases."""

    fired: pl.DataFrame  # case_id, at (epoch seconds)
    unknown: pl.DataFrame  # case_id, reason: cases where it cannot be told whether it fired
    unobservable: str | None  # why the export can never show it, if so
    calendar: BusinessCalendar
    time: str


def _none(cal: BusinessCalendar, time: str = "business", why: str | None = None) -> Firing:
    return Firing(pl.DataFrame(schema=_FIRED), pl.DataFrame(schema=_UNKNOWN), why, cal, time)


def _epoch(col: str = "at") -> pl.Expr:
    return pl.col(col).dt.epoch("s")


def opened(cases: pl.DataFrame, first: pl.DataFrame) -> pl.DataFrame:
    """``case_id, opened`` (epoch seconds): ``opened_at``, else the case's first event
    (``first``: ``case_id, first``, as :func:`svcstd.checks.selectors.first_seen` gives)."""
    return cases.join(first, on="case_id", how="left").select(
        "case_id", opened=pl.coalesce("opened_at", "first").dt.epoch("s")
    )


# --------------------------------------------------------------------------------------------
# When each trigger fired


def crossings(
    limit: TimeLimit, share: float, scope: Scope, cases: pl.DataFrame, ctx: CheckContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """When the limit's clock counted more than ``share`` of its target, per case of ``cases``.

    Returns ``(fired, unknown)``. ``share == 1`` is the breach, judged exactly as
    :mod:`svcstd.checks.time_limits` judges it (counted time over the budget), on the same
    clocks (:func:`svcstd.checks.time_limits.limit_clocks`).
    """
    sel = select(limit.applies_to, Scope(scope.release, cases, scope.events), ctx, limit.id)
    unknown = sel.unplaceable.select(
        "case_id", reason=pl.format("cannot tell whether {} applies: {}", pl.lit(limit.id),
                                    pl.col("reason")),
    )  # fmt: skip
    if sel.cases.height == 0:
        return pl.DataFrame(schema=_FIRED), unknown
    every = select(limit.applies_to, scope, ctx, limit.id).cases
    clocks = limit_clocks(limit, every, scope, ctx)
    if sel.cases.height != every.height:
        clocks = clocks.restrict(sel.cases.get_column("case_id"))
    fired = clocks.first_crossing(limit.target, share)
    return fired.cast(_FIRED), unknown  # type: ignore[arg-type]


def firing(
    trigger: Trigger,
    path: EscalationPath,
    scope: Scope,
    cases: pl.DataFrame,
    ctx: CheckContext,
    events: pl.DataFrame,
) -> Firing:
    """Which of ``cases`` (the path's, from the scope) this trigger fired in, and when
    (``events`` are theirs up to ``as_of``: at least the trigger's and ``priority_changed``)."""
    default = ctx.calendar(scope.release, None)
    if isinstance(trigger, LimitShareTrigger | BreachTrigger):
        limit = scope.release.rule(trigger.limit)
        if not isinstance(limit, TimeLimit):
            return _none(default, why=f"time limit {trigger.limit} is not in the release")
        cal = ctx.calendar(scope.release, limit.calendar)
        for part, conds in (("starts", limit.clock.start), ("stops", limit.clock.stop)):
            if not any(ctx.can_record(c) for c in conds):
                what = " or ".join(str(c) for c in conds)
                return _none(cal, limit.time, f"the export never records {what}, which {part} "
                             f"{limit.id}'s clock")  # fmt: skip
        share = trigger.share if isinstance(trigger, LimitShareTrigger) else 1.0
        fired, unknown = crossings(limit, share, scope, cases, ctx)
        return Firing(fired, unknown, None, cal, limit.time)
    if isinstance(trigger, PriorityTrigger):
        if not ctx.records.has("cases.priority"):
            return _none(default, why="the export lacks cases.priority")
        raised = (
            events.filter(pl.col("event") == "priority_changed")
            .group_by("case_id")
            .agg(raised=_epoch().max())
        )
        hit = (
            cases.filter(pl.col("priority").is_in(trigger.priorities))
            .select("case_id")
            .join(opened(cases, first_seen(scope, ctx)), on="case_id", how="left")
            .join(raised, on="case_id", how="left")
            .select("case_id", at=pl.coalesce("raised", "opened"))
            .filter(pl.col("at").is_not_null())
        )
        unknown = cases.filter(pl.col("priority").is_null()).select(
            "case_id", reason=pl.lit(f"the case has no priority, which decides {label(trigger)}")
        )
        return Firing(hit.cast(_FIRED), unknown, None, default, "business")  # type: ignore[arg-type]
    if isinstance(trigger, EventTrigger):
        if not ctx.can_record(Condition(event=trigger.event)):
            return _none(default, why="the export never records that event")
        hit = (
            events.filter(pl.col("event") == trigger.event)
            .group_by("case_id")
            .agg(at=_epoch().min())
        )
        return Firing(hit.cast(_FIRED), pl.DataFrame(schema=_UNKNOWN), None, default, "business")  # type: ignore[arg-type]
    assert isinstance(trigger, RepeatTrigger)
    return _repeat(trigger, path, cases, ctx, default)


def _window(d: Duration) -> str:
    if d.is_fixed:
        return f"{d.seconds}s"
    return {"bd": f"{int(d.amount)}d", "mo": f"{int(d.amount)}mo", "y": f"{int(d.amount)}y"}[d.unit]


def _repeat(
    trigger: RepeatTrigger,
    path: EscalationPath,
    cases: pl.DataFrame,
    ctx: CheckContext,
    cal: BusinessCalendar,
) -> Firing:
    if not ctx.records.has("cases.customer"):
        return _none(cal, why="the export lacks cases.customer")
    # The customer's earlier cases may be judged by another release: count over the export,
    # once per run (every release and every explanation reads the same counts).
    key = ("repeat", tuple((k, tuple(v)) for k, v in path.applies_to.items()), str(trigger.window),
           trigger.count, ctx.as_of)  # fmt: skip
    hit = ctx.cached(key, lambda: _repeats(trigger, path, ctx)).join(cases.select("case_id"), on="case_id", how="semi")
    unknown = cases.filter(pl.col("customer").is_null()).select(
        "case_id", reason=pl.lit(f"the case has no customer, which decides {label(trigger)}")
    )
    return Firing(hit.cast(_FIRED), unknown, None, cal, "business")  # type: ignore[arg-type]


def _repeats(trigger: RepeatTrigger, path: EscalationPath, ctx: CheckContext) -> pl.DataFrame:
    """``case_id, at``: every case of the export that is a repeat, and when it was opened."""
    every = ctx.openings
    for key, values in path.applies_to.items():
        every = every.filter(pl.col(key).is_in(values))
    every = (
        every.filter(pl.col("customer").is_not_null())
        .select("case_id", "customer", "opened")
        .filter(pl.col("opened").is_not_null() & (pl.col("opened") <= ctx.as_of))
        .with_columns(when=pl.from_epoch("opened", time_unit="s"))
        .sort("customer", "when", "case_id")
    )
    period = _window(trigger.window)
    counts = every.rolling(index_column="when", period=period, group_by="customer").agg(n=pl.len())
    return (
        every.select("case_id", at="opened")
        .with_columns(n=counts.get_column("n"))
        .filter(pl.col("n") >= trigger.count)
        .select("case_id", "at")
    )


# --------------------------------------------------------------------------------------------
# Judging


def escalations(path: EscalationPath, events: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """The path's escalation events (up to ``as_of``) with the ``level`` each reached.

    ``level`` is null when it cannot be told; escalations to roles of other ladders are left out.
    Adds ``prev_max`` (highest level before, 1 at the start) and ``unsure_before`` (an earlier
    escalation of unknown level).
    """
    ladder = {lv.role: lv.level for lv in path.levels}

    def level_of(col: str) -> pl.Expr:
        return pl.col(col).replace_strict(ladder, default=None, return_dtype=pl.Int64)

    esc = (
        events.filter(pl.col("event") == path.event)
        .join(known, on="actor", how="left")
        .with_columns(
            level=pl.coalesce(level_of("role"), level_of("group"), level_of("known_role"))
        )
        .filter(
            pl.col("level").is_not_null()
            | (pl.col("role").is_null() & pl.col("known_role").is_null())
        )
        .sort("case_id", "at", "seq")
    )
    return esc.with_columns(
        prev_max=pl.col("level").fill_null(0).cum_max().shift(1).over("case_id").fill_null(0)
        .clip(lower_bound=1),
        unsure_before=pl.col("level").is_null().cum_sum().shift(1).over("case_id").fill_null(0)
        > 0,
    )  # fmt: skip


def _role(path: EscalationPath, col: str) -> pl.Expr:
    roles = {lv.level: lv.role for lv in path.levels}
    return pl.col(col).replace_strict(roles, default=None, return_dtype=pl.Utf8)


def judge(
    path: EscalationPath, scope: Scope, cases: pl.DataFrame, ctx: CheckContext,
    known: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Candidates for each of ``cases`` (the path's, from the scope), the fired triggers, and
    the escalations.

    Candidates have ``case_id, rank, key, reason, observed, target, started_at, ended_at,
    deadline``; :func:`evaluate` keeps the first per case by ``(rank, key)``.
    """
    read = {path.event, "priority_changed"}
    read |= {t.event for t in path.triggers if isinstance(t, EventTrigger)}
    events = events_of(scope, ctx, cases, pl.col("event").is_in(sorted(read)))
    esc = escalations(path, events, known)
    lacks_role = not ctx.records.has("events.role")
    unsure_level = (
        "the export lacks events.role, so the level an escalation reached cannot be told"
        if lacks_role
        else "an escalation records no role, so the level it reached cannot be told"
    )
    fired_parts, unsure_parts = [], []
    for i, trigger in enumerate(path.triggers):
        f = firing(trigger, path, scope, cases, ctx, events)
        if f.unobservable is not None:
            reason = f"trigger {label(trigger)} cannot be seen: {f.unobservable}"
            unsure_parts.append(
                cases.select("case_id", reason=pl.lit(reason), key=pl.lit(2**62 + i))
            )
            continue
        unsure_parts.append(f.unknown.with_columns(key=pl.lit(2**61 + i)))
        if f.fired.height == 0:
            continue
        at = f.fired.get_column("at").to_numpy()
        due = tl.deadline(f.calendar, at, trigger.within, f.time)  # type: ignore[arg-type]
        fired_parts.append(
            f.fired.with_columns(
                trigger=pl.lit(i),
                label=pl.lit(label(trigger)),
                within=pl.lit(str(trigger.within)),
                to_level=pl.lit(trigger.to_level, dtype=pl.Int64),
                due=pl.Series(due, dtype=pl.Int64),
            )
        )
    fired = (
        pl.concat(fired_parts)
        if fired_parts
        else pl.DataFrame(schema={**_FIRED, "trigger": pl.Int32, "label": pl.Utf8,
                                  "within": pl.Utf8, "to_level": pl.Int64, "due": pl.Int64})
    )  # fmt: skip
    tz = ctx.calendar(scope.release, None).timezone
    fired = fired.with_columns(
        started_at=pl.from_epoch("at", time_unit="s").dt.replace_time_zone("UTC").cast(UTC),
        deadline=pl.from_epoch("due", time_unit="s").dt.replace_time_zone("UTC").cast(UTC),
    )
    # Columnar: every fired trigger against every escalation of its case.
    pairs = fired.join(esc.select("case_id", esc_at="at", level="level"), on="case_id", how="left")
    by_due = pl.col("esc_at") <= pl.col("deadline")
    judged = (
        pairs.group_by("case_id", "trigger", maintain_order=True)
        .agg(
            pl.col("label", "within", "to_level", "started_at", "deadline").first(),
            reached=pl.col("level").filter(by_due).max().fill_null(1),
            n_by_due=by_due.fill_null(False).sum(),
            n_unsure=(by_due & pl.col("level").is_null()).fill_null(False).sum(),
            ended_at=pl.col("esc_at").filter(pl.col("level") >= pl.col("to_level")).min(),
        )
        .with_columns(ended_at=pl.col("ended_at").cast(UTC))
    )
    ok = pl.col("reached") >= pl.col("to_level")
    pending = pl.col("deadline").dt.epoch("s") > ctx.as_of
    head = pl.format("{} at {}: ", pl.col("label"), local("started_at", tz))
    target = pl.format("level {} ({})", pl.col("to_level"), _role(path, "to_level"))
    judged = judged.with_columns(
        rank=pl.when(ok).then(PASS).when(pending | (pl.col("n_unsure") > 0)).then(UNSURE)
        .otherwise(FAIL),
        key=pl.col("deadline").dt.epoch("s"),
        reason=pl.when(ok).then(pl.lit(None))
        .when(pending)
        .then(pl.format("{}escalation to {} not yet due at --as-of (due {})", head, target,
                        local("deadline", tz)))
        .when(pl.col("n_unsure") > 0)
        .then(pl.format("{}{}", head, pl.lit(unsure_level)))
        .when(pl.col("n_by_due") == 0)
        .then(pl.format("{}no escalation within {} (by {}); {} was due", head, pl.col("within"),
                        local("deadline", tz), target))
        .otherwise(pl.format("{}reached level {} ({}) by {}, not {}", head, pl.col("reached"),
                             _role(path, "reached"), local("deadline", tz), target)),
        observed=pl.col("reached").cast(pl.Float64),
        target=pl.col("to_level").cast(pl.Float64),
    )  # fmt: skip
    # Skipped levels: columnar over the escalations, ordered per case.
    jump = pl.col("level") > pl.col("prev_max") + 1
    skips = esc.filter(jump.fill_null(False)).select(
        "case_id",
        rank=pl.when(pl.col("unsure_before")).then(UNSURE).otherwise(FAIL),
        key=_epoch(),
        reason=pl.when(pl.col("unsure_before"))
        .then(pl.format("escalated to level {} at {} after an escalation whose level cannot be "
                        "told", pl.col("level"), local("at", tz)))
        .otherwise(pl.format("escalated from level {} to level {} ({}) at {}, skipping level {}",
                             pl.col("prev_max"), pl.col("level"), _role(path, "level"),
                             local("at", tz), pl.col("prev_max") + 1)),
        started_at=pl.col("at"),
    )  # fmt: skip
    climbed = (
        esc.filter(pl.col("level").is_not_null())
        .group_by("case_id")
        .agg(started_at=pl.col("at").min())
        .select("case_id", "started_at", rank=pl.lit(PASS), key=pl.lit(2**62))
    )
    unsure = pl.concat(unsure_parts) if unsure_parts else pl.DataFrame(schema=_UNKNOWN)
    unsure = unsure.with_columns(rank=pl.lit(UNSURE), key=pl.col("key").cast(pl.Int64))
    cols = ["case_id", "rank", "key", "reason", "observed", "target", "started_at", "ended_at",
            "deadline"]  # fmt: skip
    types: dict[str, pl.DataType | type[pl.DataType]] = {
        "case_id": pl.Utf8, "rank": pl.Int32, "key": pl.Int64, "reason": pl.Utf8,
        "observed": pl.Float64, "target": pl.Float64, "started_at": UTC, "ended_at": UTC,
        "deadline": UTC,
    }  # fmt: skip
    parts = [judged, skips, climbed, unsure]
    candidates = pl.concat(
        [p.select([(pl.col(c) if c in p.columns else pl.lit(None)).cast(types[c]).alias(c)
                   for c in cols]) for p in parts]
    )  # fmt: skip
    return candidates, judged, esc


def evaluate(rules: Sequence[EscalationPath], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every escalation path over the cases of one release."""
    known = ctx.actor_roles
    frames = [_evaluate_one(rule, scope, ctx, known) for rule in rules]
    return pl.concat(frames) if frames else empty()


def _evaluate_one(
    path: EscalationPath, scope: Scope, ctx: CheckContext, known: pl.DataFrame
) -> pl.DataFrame:
    selection = select(path.applies_to, scope, ctx, path.id)
    out = [selection.unplaceable]
    cases = selection.cases
    if cases.height == 0:
        return pl.concat(out)
    if not ctx.can_record(Condition(event=path.event)):
        # No escalation can ever be seen, so no part of the path can be judged (as a time
        # limit whose clock can never start); the triggers are not even computed.
        reason = f"the export never records event {path.event}, which evidences an escalation"
        out.append(not_evaluable(cases.get_column("case_id"), path.id, reason))
        return pl.concat(out)
    candidates, _, _ = judge(path, scope, cases, ctx, known)
    outcome = {FAIL: "fail", UNSURE: "not_evaluable", PASS: "pass"}
    chosen = (
        candidates.sort("case_id", "rank", "key", "reason", nulls_last=True)
        .group_by("case_id", maintain_order=True)
        .first()
        .with_columns(
            rule_id=pl.lit(path.id),
            outcome=pl.col("rank").replace_strict(outcome, return_dtype=pl.Utf8),
        )
    )
    out.append(conform(chosen))
    return pl.concat(out)


def explain_cases(
    rule: EscalationPath, scope: Scope, ctx: CheckContext
) -> dict[str, dict[str, Any]]:
    """Evidence for each case of ``scope`` (failures chosen to explain, with their events),
    judged together: each fired trigger with its deadline, and the escalations seen."""
    _, judged, esc = judge(rule, scope, scope.cases, ctx, ctx.actor_roles)
    tz = ctx.calendar(scope.release, None).timezone
    roles = {lv.level: lv.role for lv in rule.levels}

    def when(t: Any) -> str | None:
        return None if t is None else iso(int(t.timestamp()), tz)

    fired, seen = by_case(judged), by_case(esc)
    out = {}
    for case_id in scope.case_ids:
        mine = fired.get(case_id, judged.clear())
        triggers = [
            {
                "trigger": r["label"],
                "fired_at": when(r["started_at"]),
                "due_by": when(r["deadline"]),
                "within": r["within"],
                "expected_level": r["to_level"],
                "expected_role": roles.get(r["to_level"]),
                "reached_level": r["reached"],
                "outcome": {FAIL: "fail", UNSURE: "not_evaluable", PASS: "pass"}[r["rank"]],
                "reason": r["reason"],
            }
            for r in mine.sort("started_at", "trigger").iter_rows(named=True)
        ]
        levels = seen.get(case_id, esc.clear())
        rows = event_rows(levels, tz)
        for row, level in zip(rows, levels.get_column("level"), strict=True):
            row["level"] = level
            row["level_role"] = roles.get(level) if level is not None else None
        out[case_id] = {
            "levels": [{"level": lv.level, "role": lv.role} for lv in rule.levels],
            "escalation_event": rule.event,
            "triggers": triggers,
            "events": rows,
        }
    return out
