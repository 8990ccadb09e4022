"""Processes: does a case's event log follow the process graph?

A step is *observed* when its ``event`` occurs (up to ``as_of``). A process **applies** to an
in-scope case when its start step's event occurs; a process whose start step names no event
applies to every in-scope case that shows any of its step events (a case that never touches the
process is not judged).

Three parts are judged per (case, process):

1. **Order.** The observed steps, in record order with immediate repeats of the same step
   collapsed (redoing a step is not a detour), must follow the graph: each step must be
   reachable from the previous one along ``next`` and ``branches`` (through any steps between,
   observed or not). The first observed step must be the start step when it has an event.
   Steps recorded at the same instant are order-ambiguous: such a pair passes when either
   order is allowed. The first violating pair is reported.
2. **Presence.** A required step that is not observed fails once the case can no longer reach
   it (it is not reachable from the last observed step, e.g. after the end step); while it is
   still reachable the case is *not finished* at ``--as-of`` and that part is not evaluable.
   A required step whose event the export never records cannot be judged.
3. **Roles.** Each observed step with ``roles`` is performed by one of them (the event's
   ``role``, else the role the export records for the actor elsewhere). An export that lacks
   ``events.role``, or an event whose performer's role cannot be told, leaves this part
   unjudged.

**Partial evaluability.** ``fail`` when any judged part fails (the reason names the first:
order, then presence, then roles); otherwise ``not_evaluable`` when any part could not be
judged, with the reason naming what was judged and what was not; otherwise ``pass``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from svcstd.checks.authorities import local, with_roles
from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.selectors import by_case, events_of, previous, select
from svcstd.checks.time_limits import event_rows
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import Condition, Process

KIND = "processes"


def successors(process: Process) -> dict[str, set[str]]:
    """Step id → steps reachable from it in one or more transitions."""
    edges = {s.id: {*s.next, *(b.to for b in s.branches)} for s in process.steps}
    reach: dict[str, set[str]] = {}
    for origin in edges:
        seen: set[str] = set()
        todo = list(edges[origin])
        while todo:
            step = todo.pop()
            if step not in seen:
                seen.add(step)
                todo.extend(edges.get(step, ()))
        reach[origin] = seen
    return reach


def step_of_event(process: Process) -> dict[str, str]:
    """Event → the (first) step it evidences."""
    out: dict[str, str] = {}
    for s in process.steps:
        if s.event is not None:
            out.setdefault(s.event, s.id)
    return out


def _start(process: Process) -> str:
    return next((s.id for s in process.steps if s.kind == "start"), process.steps[0].id)


def evaluate(rules: Sequence[Process], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every process over the cases of one release."""
    known = ctx.actor_roles
    frames = [_evaluate_one(rule, scope, ctx, known) for rule in rules]
    return pl.concat(frames) if frames else empty()


def observed_steps(process: Process, events: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """The case events that evidence steps, with ``step`` and ``performer``; repeats collapsed.

    Sorted by case, instant and record order (as :func:`with_roles` leaves them)."""
    steps = step_of_event(process)
    seen = events.filter(pl.col("event").is_in(list(steps)))
    seen = with_roles(seen, known).with_columns(
        step=pl.col("event").replace_strict(steps, return_dtype=pl.Utf8)
    )
    return seen.filter((pl.col("step") != previous("step")).fill_null(True))


def judge(
    process: Process, cases: pl.DataFrame, scope: Scope, ctx: CheckContext, known: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per applicable case: the verdict columns; and the observed steps used."""
    reach = successors(process)
    start = process.step(_start(process))
    assert start is not None
    events = events_of(scope, ctx, cases, pl.col("event").is_in(list(step_of_event(process))))
    seen = observed_steps(process, events, known)
    if start.event is not None:
        applies = seen.filter(pl.col("step") == start.id).select("case_id").unique()
    else:
        applies = seen.select("case_id").unique()
    seen = seen.filter(pl.col("case_id").is_in(applies.get_column("case_id").implode()))
    tz = ctx.calendar(scope.release, None).timezone

    # 1. Order: allowed (from, to) pairs as a frame, consecutive observed steps joined to it.
    allowed = pl.DataFrame(
        [(a, b) for a, bs in reach.items() for b in bs], schema=["prev", "step"], orient="row"
    ).with_columns(ok=pl.lit(True))
    pairs = seen.with_columns(
        prev=previous("step"), prev_at=previous("at"), prev_event=previous("event")
    )
    back = allowed.rename({"prev": "step", "step": "prev", "ok": "ok_back"})
    pairs = pairs.join(allowed, on=["prev", "step"], how="left").join(
        back, on=["prev", "step"], how="left"
    )
    bad_first = (
        pl.col("prev").is_null() & pl.lit(start.event is not None) & (pl.col("step") != start.id)
    )
    bad_pair = (
        pl.col("prev").is_not_null()
        & pl.col("ok").is_null()
        & ~((pl.col("at") == pl.col("prev_at")) & pl.col("ok_back").fill_null(False))
    )
    order = (
        pairs.filter(bad_first | bad_pair)
        .group_by("case_id", maintain_order=True)
        .first()
        .select(
            "case_id",
            order_reason=pl.when(pl.col("prev").is_null())
            .then(pl.format("step {} ({} at {}) comes before the start step {}", pl.col("step"),
                            pl.col("event"), local("at", tz), pl.lit(start.id)))
            .otherwise(pl.format("step {} ({} at {}) may not follow step {} ({} at {})",
                                 pl.col("step"), pl.col("event"), local("at", tz), pl.col("prev"),
                                 pl.col("prev_event"), local("prev_at", tz))),
            order_at=pl.col("at"),
        )
    )  # fmt: skip

    # 2. Presence: required steps with events, missing, and no longer reachable.
    required = [s for s in process.steps if s.required and s.event is not None]
    recordable = [s for s in required if ctx.can_record(Condition(event=s.event))]
    unrecorded = [s for s in required if s not in recordable]
    per_case = seen.group_by("case_id").agg(
        steps=pl.col("step").unique(), last=pl.col("step").last(), last_at=pl.col("at").max()
    )
    per_case = applies.join(per_case, on="case_id", how="left")
    missing_exprs, pending_exprs = [], []
    for s in recordable:
        absent = ~pl.col("steps").list.contains(s.id)
        can_still = pl.col("last").is_in([a for a, bs in reach.items() if s.id in bs])
        missing_exprs.append(pl.when(absent & ~can_still).then(pl.lit(s.id)))
        pending_exprs.append(pl.when(absent & can_still).then(pl.lit(s.id)))
    per_case = per_case.with_columns(
        missing=pl.concat_list(missing_exprs).list.drop_nulls() if missing_exprs else pl.lit([]),
        pending=pl.concat_list(pending_exprs).list.drop_nulls() if pending_exprs else pl.lit([]),
    )

    # 3. Roles.
    step_roles = {s.id: s.roles for s in process.steps if s.roles}
    roles_judged = ctx.records.has("events.role")
    with_role_rule = seen.filter(pl.col("step").is_in(list(step_roles)))
    if roles_judged and with_role_rule.height:
        allowed_roles = pl.DataFrame(
            [(st, r) for st, rs in step_roles.items() for r in rs],
            schema=["step", "performer"],
            orient="row",
        ).with_columns(role_ok=pl.lit(True))
        checked = with_role_rule.join(allowed_roles, on=["step", "performer"], how="left")
        # The first offending step per case, then its words (formatting every row is costly).
        bad = (
            checked.filter(pl.col("performer").is_not_null() & pl.col("role_ok").is_null())
            .group_by("case_id", maintain_order=True)
            .first()
            .select(
                "case_id",
                role_bad=pl.format(
                    "step {} ({} at {}) done by role {}, not {}",
                    pl.col("step"),
                    pl.col("event"),
                    local("at", tz),
                    pl.col("performer"),
                    pl.col("step").replace_strict(
                        {k: " or ".join(v) for k, v in step_roles.items()}, return_dtype=pl.Utf8
                    ),
                ),
            )
        )
        unknown = (
            checked.filter(pl.col("performer").is_null())
            .group_by("case_id", maintain_order=True)
            .first()
            .select(
                "case_id",
                role_unknown=pl.format(
                    "step {} ({} at {}) records no role",
                    pl.col("step"),
                    pl.col("event"),
                    local("at", tz),
                ),
            )
        )
        roles = bad.join(unknown, on="case_id", how="full", coalesce=True)  # fmt: skip
    else:
        roles = pl.DataFrame(schema={"case_id": pl.Utf8, "role_bad": pl.Utf8,
                                     "role_unknown": pl.Utf8})  # fmt: skip

    frame = (
        per_case.join(order, on="case_id", how="left")
        .join(roles, on="case_id", how="left")
        .sort("case_id")
    )
    lacks_roles = (
        "the export lacks events.role, so who did each step cannot be told"
        if not roles_judged and step_roles
        else None
    )
    never = (
        f"the export never records {', '.join(s.event or '' for s in unrecorded)}, "
        "so whether those required steps happened cannot be told"
        if unrecorded
        else None
    )
    missing_reason = pl.format(
        "required step {} missing (last step {})",
        pl.col("missing").list.join(", "),
        pl.col("last"),
    )
    pending_reason = pl.format(
        "process not finished at --as-of: step {} still to come (last step {})",
        pl.col("pending").list.join(", "),
        pl.col("last"),
    )
    fail_reason = (
        pl.when(pl.col("order_reason").is_not_null())
        .then(pl.col("order_reason"))
        .when(pl.col("missing").list.len() > 0)
        .then(missing_reason)
        .otherwise(pl.col("role_bad"))
    )
    unsure_parts = [
        pl.when(pl.col("pending").list.len() > 0).then(pending_reason),
        pl.col("role_unknown"),
        *([pl.lit(never)] if never else []),
        *([pl.lit(lacks_roles)] if lacks_roles else []),
    ]
    unsure_reason = pl.concat_list(unsure_parts).list.drop_nulls().list.join("; ")
    frame = frame.with_columns(fail=fail_reason, unsure=unsure_reason)
    frame = frame.with_columns(
        rule_id=pl.lit(process.id),
        outcome=pl.when(pl.col("fail").is_not_null())
        .then(pl.lit("fail"))
        .when(pl.col("unsure") != "")
        .then(pl.lit("not_evaluable"))
        .otherwise(pl.lit("pass")),
        reason=pl.when(pl.col("fail").is_not_null())
        .then(pl.col("fail"))
        .when(pl.col("unsure") != "")
        .then(pl.format("order conforms; {}", pl.col("unsure")))
        .otherwise(pl.lit(None)),
        ended_at=pl.col("last_at"),
    )
    return frame, seen


def _evaluate_one(
    process: Process, scope: Scope, ctx: CheckContext, known: pl.DataFrame
) -> pl.DataFrame:
    selection = select(process.applies_to, scope, ctx, process.id)
    out = [selection.unplaceable]
    if selection.cases.height == 0:
        return pl.concat(out)
    start = process.step(_start(process))
    if (
        start is not None
        and start.event is not None
        and not ctx.can_record(Condition(event=start.event))
    ):
        # The process can never be seen to start: no case can be placed in it.
        reason = f"the export never records {start.event}, which starts the process"
        out.append(not_evaluable(selection.cases.get_column("case_id"), process.id, reason))
        return pl.concat(out)
    frame, _ = judge(process, selection.cases, scope, ctx, known)
    out.append(conform(frame))
    return pl.concat(out)


def explain_cases(rule: Process, scope: Scope, ctx: CheckContext) -> dict[str, dict[str, Any]]:
    """Evidence for each case of ``scope`` (failures chosen to explain, with their events),
    judged together: the observed steps in order, and what the graph expects."""
    frame, seen = judge(rule, scope.cases, scope, ctx, ctx.actor_roles)
    tz = ctx.calendar(scope.release, None).timezone
    expected = {
        "start": _start(rule),
        "required": [s.id for s in rule.steps if s.required and s.event is not None],
        "transitions": {k: sorted(v) for k, v in successors(rule).items() if v},
        "roles": {s.id: s.roles for s in rule.steps if s.roles},
    }
    verdicts = by_case(frame)
    steps = by_case(seen)
    out = {}
    for case_id in scope.case_ids:
        mine = steps.get(case_id, seen.clear())
        rows = event_rows(mine, tz)
        for row, step, performer in zip(
            rows, mine.get_column("step"), mine.get_column("performer"), strict=True
        ):
            row["step"] = step
            row["role"] = performer
        verdict = verdicts[case_id].row(0, named=True) if case_id in verdicts else {}
        out[case_id] = {
            "expected": expected,
            "observed_steps": [r["step"] for r in rows],
            "missing": verdict.get("missing"),
            "reason": verdict.get("reason"),
            "events": rows,
        }
    return out
