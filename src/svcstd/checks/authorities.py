"""Authorities: each occurrence of an event is performed by a role that may do the action.

The performer's role is the event's ``role``; where an event records none, the role the export
records for the same actor elsewhere (its earliest) stands in. A role the handbook does not
define may do nothing.

Outcomes per (case, rule), over the rule's events up to ``as_of``: any occurrence by a role
without the action → ``fail`` (the reason names the first); else an occurrence whose performer's
role cannot be told → ``not_evaluable``; else ``pass``. A case without the event gets no verdict.
An export that never records the event, or lacks ``events.role``, makes the rule not evaluable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from svcstd.checks.context import CheckContext, Scope, upto
from svcstd.checks.selectors import events_of, select
from svcstd.checks.time_limits import event_rows
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import AuthorityRule, Condition, Handbook

KIND = "authorities"

LACKS_ROLE = "the export lacks events.role, so who performed {} cannot be told"


def with_roles(events: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """``events`` plus ``performer``: the event's role, else the actor's known role."""
    return (
        events.join(known, on="actor", how="left")
        .with_columns(performer=pl.coalesce("role", "known_role"))
        .drop("known_role")
        .sort("case_id", "at", "seq")
    )


def allowed_roles(release: Handbook, action: str) -> list[str]:
    """Roles of the release whose ``may`` includes ``action``."""
    return sorted(r.id for r in release.roles if action in r.may)


def _tz(release: Handbook) -> str:
    cal = release.calendar()
    return cal.timezone if cal is not None else "UTC"


def evaluate(rules: Sequence[AuthorityRule], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every authority rule over the cases of one release."""
    known = ctx.actor_roles
    frames = [_evaluate_one(rule, scope, ctx, known) for rule in rules]
    return pl.concat(frames) if frames else empty()


def _evaluate_one(
    rule: AuthorityRule, scope: Scope, ctx: CheckContext, known: pl.DataFrame
) -> pl.DataFrame:
    selection = select(rule.applies_to, scope, ctx, rule.id)
    out = [selection.unplaceable]
    cases = selection.cases
    if cases.height == 0:
        return pl.concat(out)
    if not ctx.can_record(Condition(event=rule.event)):
        reason = f"the export never records event {rule.event}"
        out.append(not_evaluable(cases.get_column("case_id"), rule.id, reason))
        return pl.concat(out)
    done = events_of(scope, ctx, cases, pl.col("event") == rule.event)
    if done.height == 0:
        return pl.concat(out)
    if not ctx.records.has("events.role"):
        ids = done.get_column("case_id").unique().sort()
        out.append(not_evaluable(ids, rule.id, LACKS_ROLE.format(rule.event)))
        return pl.concat(out)
    allowed = allowed_roles(scope.release, rule.action)
    defined = sorted(r.id for r in scope.release.roles)
    tz = _tz(scope.release)
    done = with_roles(done, known).with_columns(
        bad=pl.col("performer").is_not_null() & ~pl.col("performer").is_in(allowed),
        unknown=pl.col("performer").is_null(),
    )
    # One row per case: the first disallowed occurrence decides a failure, else the first
    # occurrence whose role is unknown makes the case not evaluable.
    per_case = (
        done.group_by("case_id", maintain_order=True)
        .agg(
            first_at=pl.col("at").first(),
            bad_at=pl.col("at").filter(pl.col("bad")).first(),
            bad_role=pl.col("performer").filter(pl.col("bad")).first(),
            bad_actor=pl.col("actor").filter(pl.col("bad")).first(),
            unknown_at=pl.col("at").filter(pl.col("unknown")).first(),
            n=pl.len(),
        )
        .sort("case_id")
    )
    bad = pl.col("bad_at").is_not_null()
    unknown = pl.col("unknown_at").is_not_null()
    why = (
        pl.when(pl.col("bad_role").is_in(defined))
        .then(pl.lit(f"may not {rule.action}"))
        .otherwise(pl.lit("not a role of the handbook"))
    )
    frame = per_case.with_columns(
        rule_id=pl.lit(rule.id),
        outcome=pl.when(bad)
        .then(pl.lit("fail"))
        .when(unknown)
        .then(pl.lit("not_evaluable"))
        .otherwise(pl.lit("pass")),
        reason=pl.when(bad)
        .then(
            pl.format(
                "{} at {} by role {} ({})", pl.lit(rule.event), local("bad_at", tz),
                pl.col("bad_role"), why,
            )
        )
        .when(unknown)
        .then(pl.format("{} at {} records no role for its actor", pl.lit(rule.event),
                        local("unknown_at", tz)))
        .otherwise(pl.lit(None)),
        started_at=pl.coalesce("bad_at", "unknown_at", "first_at"),
    )  # fmt: skip
    out.append(conform(frame))
    return pl.concat(out)


def local(column: str, tz: str) -> pl.Expr:
    """An instant column as local ISO 8601 text (as :func:`svcstd.timecalc.iso` writes it)."""
    return pl.col(column).dt.convert_time_zone(tz).dt.strftime("%Y-%m-%dT%H:%M:%S%:z")


def explain(
    rule: AuthorityRule, scope: Scope, ctx: CheckContext, case_events: pl.DataFrame
) -> dict[str, Any]:
    """Evidence for one case: each occurrence, its performer's role, and whether it may."""
    tz = _tz(scope.release)
    allowed = allowed_roles(scope.release, rule.action)
    done = with_roles(upto(case_events, ctx.as_of), ctx.actor_roles).filter(
        pl.col("event") == rule.event
    )
    rows = event_rows(done, tz)
    for row, performer in zip(rows, done.get_column("performer"), strict=True):
        row["role"] = performer
        row["allowed"] = None if performer is None else performer in allowed
    return {
        "event": rule.event,
        "action": rule.action,
        "expected": f"performed by a role that may {rule.action}: {', '.join(allowed)}",
        "events": rows,
    }
