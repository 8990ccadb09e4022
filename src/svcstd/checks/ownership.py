"""Ownership: the first person on a case stays responsible unless a hand-over is recorded.

The **owner** is the actor of the case's first *owner event* that records one (events up to
``as_of``; owner events are the rule's ``owner_events``, every event when it lists none).
Responsibility changes when an owner event is performed by an actor other than the one who
acted before. Other events' actors are colleagues helping (a status update, a note) and do not
move ownership. Such a change is honoured when one of the rule's ``handover_events`` is
recorded between the previous actor's last event and the new actor's first (both instants
included: a hand-over at the same instant as the change precedes it). Each hand-over licenses
the changes that follow it up to the next act of the new actor.

Only actors are judged, not groups: the handbook keeps the owner apart from the team the case is
assigned to (OWN-001: assigning work to a team does not change the owner), so a change of
``group`` is an assignment, not a change of owner.

Outcomes per (case, rule): a change without a hand-over → ``fail`` (the first one is named);
otherwise ``pass``. An open case is judged on what happened so far. A case whose events record
no actor, or an export that lacks ``events.actor``, is ``not_evaluable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from svcstd.checks.authorities import local
from svcstd.checks.context import CheckContext, Scope, upto
from svcstd.checks.selectors import events_of, seen, select
from svcstd.checks.time_limits import event_rows
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.spec.model import OwnershipRule

KIND = "ownership"


def evaluate(rules: Sequence[OwnershipRule], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every ownership rule over the cases of one release."""
    frames = [_evaluate_one(rule, scope, ctx) for rule in rules]
    return pl.concat(frames) if frames else empty()


def owner_event(rule: OwnershipRule) -> pl.Expr:
    """Events whose actor is the responsible person."""
    if rule.owner_events is None:
        return pl.lit(True)
    return pl.col("event").is_in(rule.owner_events).fill_null(False)


def changes(rule: OwnershipRule, events: pl.DataFrame) -> pl.DataFrame:
    """Every change of acting person with ``honoured`` (a hand-over covers it)."""
    # Hand-overs counted at or before each instant (H_le) and strictly before it (H_lt), so a
    # hand-over at the instant of a change precedes it whatever the export's row order.
    ev = events.sort("case_id", "at", "seq").with_columns(
        h=pl.col("event").is_in(rule.handover_events).fill_null(False).cast(pl.Int64)
    )
    ev = ev.with_columns(h_cum=pl.col("h").cum_sum().over("case_id")).with_columns(
        h_le=pl.col("h_cum").max().over("case_id", "at"),
        h_at=pl.col("h").sum().over("case_id", "at"),
    )
    acts = ev.filter(pl.col("actor").is_not_null() & owner_event(rule)).with_columns(
        h_lt=pl.col("h_le") - pl.col("h_at")
    )
    acts = acts.with_columns(
        prev_actor=pl.col("actor").shift(1).over("case_id"),
        prev_at=pl.col("at").shift(1).over("case_id"),
        prev_h_lt=pl.col("h_lt").shift(1).over("case_id"),
    )
    return acts.filter(
        pl.col("prev_actor").is_not_null() & (pl.col("actor") != pl.col("prev_actor"))
    ).with_columns(honoured=pl.col("h_le") - pl.col("prev_h_lt") > 0)


def _evaluate_one(rule: OwnershipRule, scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    selection = select(rule.applies_to, scope, ctx, rule.id)
    out = [selection.unplaceable]
    cases = selection.cases
    if cases.height == 0:
        return pl.concat(out)
    # Only acts and hand-overs matter: other events neither act nor hand over.
    read = (pl.col("actor").is_not_null() & owner_event(rule)) | pl.col("event").is_in(
        rule.handover_events
    ).fill_null(False)
    events = events_of(scope, ctx, cases, read)
    present = seen(scope, ctx).filter(
        pl.col("case_id").is_in(cases.get_column("case_id").implode())
    )
    if not ctx.records.has("events.actor"):
        reason = "the export lacks events.actor, so who is responsible cannot be told"
        out.append(not_evaluable(present.get_column("case_id"), rule.id, reason))
        return pl.concat(out)
    tz = ctx.calendar(scope.release, None).timezone
    owners = (
        events.filter(pl.col("actor").is_not_null() & owner_event(rule))
        .group_by("case_id", maintain_order=True)
        .agg(owner=pl.col("actor").first(), started_at=pl.col("at").first())
    )
    bad = (
        changes(rule, events)
        .filter(~pl.col("honoured"))
        .group_by("case_id", maintain_order=True)
        .first()
        .select(
            "case_id",
            ended_at="at",
            reason=pl.format(
                "responsibility moved from {} to {} at {} with no {} recorded",
                pl.col("prev_actor"),
                pl.col("actor"),
                local("at", tz),
                pl.lit(" or ".join(rule.handover_events)),
            ),
        )
    )
    frame = (
        present.join(owners, on="case_id", how="left")
        .join(bad, on="case_id", how="left")
        .with_columns(
            rule_id=pl.lit(rule.id),
            outcome=pl.when(pl.col("owner").is_null())
            .then(pl.lit("not_evaluable"))
            .when(pl.col("reason").is_not_null())
            .then(pl.lit("fail"))
            .otherwise(pl.lit("pass")),
            reason=pl.when(pl.col("owner").is_null())
            .then(pl.lit("no owner event of the case records an actor"))
            .otherwise(pl.col("reason")),
        )
    )
    out.append(conform(frame))
    return pl.concat(out)


def explain(
    rule: OwnershipRule, scope: Scope, ctx: CheckContext, case_events: pl.DataFrame
) -> dict[str, Any]:
    """Evidence for one case: the owner, each change of actor and whether a hand-over covers it."""
    tz = ctx.calendar(scope.release, None).timezone
    events = upto(case_events, ctx.as_of)
    acted = events.filter(pl.col("actor").is_not_null() & owner_event(rule))
    moved = changes(rule, events)
    used = events.filter(
        pl.col("event").is_in(rule.handover_events).fill_null(False)
        | pl.col("seq").is_in(moved.get_column("seq").implode())
        | (pl.col("seq") == (acted.get_column("seq")[0] if acted.height else -1))
    )
    return {
        "owner": acted.get_column("actor")[0] if acted.height else None,
        "expected": f"a change of responsible person is preceded by "
        f"{' or '.join(rule.handover_events)}",
        "changes": [
            {
                "from": r["prev_actor"],
                "to": r["actor"],
                "row": r["source_row"],
                "handed_over": r["honoured"],
            }
            for r in moved.iter_rows(named=True)
        ],
        "events": event_rows(used, tz),
    }
