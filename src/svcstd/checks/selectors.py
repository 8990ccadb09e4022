"""Which cases a rule applies to, and which cannot be told.

A selector names values per case field (``channel: [email]``). A case whose value is listed is
in scope; a case with another value is out of scope (no verdict). A case whose value is missing
— or an export that lacks the field altogether — cannot be placed, so the rule is *not
evaluable* for it, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import polars as pl

from svcstd.checks.context import CheckContext, Scope, upto
from svcstd.checks.verdicts import not_evaluable
from svcstd.spec.model import Selector

T = TypeVar("T")


@dataclass(frozen=True)
class Selection:
    """Cases in scope of a rule (``cases``) and verdicts for those that cannot be placed."""

    cases: pl.DataFrame
    unplaceable: pl.DataFrame


def select(selector: Selector, scope: Scope, ctx: CheckContext, rule_id: str) -> Selection:
    """Split the scope's cases into in-scope and unplaceable for one rule.

    Rules with the same selector share the split (computed once per scope)."""
    key = ("select", tuple((k, tuple(v)) for k, v in selector.items()), ctx.records.lacks)
    cases, unplaceable = cached(scope, key, lambda: _split(selector, scope, ctx))
    return Selection(cases, unplaceable.with_columns(rule_id=pl.lit(rule_id, dtype=pl.Utf8)))


def _split(
    selector: Selector, scope: Scope, ctx: CheckContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    rule_id = ""  # set per rule by select()
    cases = scope.cases
    lacking = ctx.lacks_field(selector)
    if lacking:
        reason = f"the export lacks {', '.join(lacking)}, which decides whether the rule applies"
        return cases.clear(), not_evaluable(cases.get_column("case_id"), rule_id, reason)
    missing_parts = []
    for key, values in selector.items():
        missing = cases.filter(pl.col(key).is_null())
        if missing.height:
            missing_parts.append(
                not_evaluable(missing.get_column("case_id"), rule_id, f"the case has no {key}")
            )
        cases = cases.filter(pl.col(key).is_in(values))
    unplaceable = (
        pl.concat(missing_parts).unique("case_id", keep="first", maintain_order=True)
        if missing_parts
        else not_evaluable([], rule_id, "")
    )
    return cases, unplaceable


# --------------------------------------------------------------------------------------------
# A rule's events: read once per release, narrowed per rule


def cached(scope: Scope, key: tuple[object, ...], make: Callable[[], T]) -> T:
    """What ``make`` derives from ``scope`` (and run-wide facts named in ``key``), computed
    once per scope (a scope is immutable, and goes with its release's judging)."""
    return scope.cached(key, make)


def until(scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """The events of the scope's cases at or before ``as_of``, filtered once per scope."""

    def make() -> pl.DataFrame:
        mine = pl.col("case_id").is_in(scope.case_ids.implode())
        return upto(scope.events.filter(mine), ctx.as_of)

    return cached(scope, ("until", ctx.as_of), make)


def events_of(
    scope: Scope, ctx: CheckContext, cases: pl.DataFrame | None = None, keep: pl.Expr | None = None
) -> pl.DataFrame:
    """The events up to ``as_of`` of ``cases`` (a subset of the scope's; all when None) that
    satisfy ``keep``, in the scope's order.

    A rule reads only the events that can matter to it: filtering on them first and on the
    cases second keeps each rule's cost to its own events, not the whole export.
    """
    frame = until(scope, ctx)
    # Two filters, the cheap one first: the case test then runs on the rule's events only.
    if keep is not None and set(keep.meta.root_names()) <= {"event", "state"}:
        pairs, code = _pairs(scope, ctx)
        frame = frame.filter(code.is_in(pairs.filter(keep).get_column(_CODE).implode()))
    elif keep is not None:
        frame = frame.filter(keep)
    if cases is not None and cases.height != scope.cases.height:
        frame = frame.filter(pl.col("case_id").is_in(cases.get_column("case_id").implode()))
    return frame


_CODE = "_pair"


def _pairs(scope: Scope, ctx: CheckContext) -> tuple[pl.DataFrame, pl.Series]:
    """The distinct ``(event, state)`` pairs of :func:`until`'s events with a code each, and
    each event's code. A rule's test on what happened (a function of event and state, row by
    row) is then run on the few pairs, and events are picked by an integer code: no string
    is compared per event (measured: 2.6 → 0.3 ms per test over half a million events)."""

    def make() -> tuple[pl.DataFrame, pl.Series]:
        frame = until(scope, ctx)
        event, state = (
            pl.col(c).cast(pl.Categorical).to_physical().cast(pl.Int64).fill_null(-1) + 1
            for c in ("event", "state")
        )
        code = frame.select((event * (1 << 32) + state).alias(_CODE))
        pairs = frame.select("event", "state").with_columns(code).unique(_CODE)
        return pairs, code.get_column(_CODE)

    return cached(scope, ("pairs", ctx.as_of), make)


def seen(scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """``case_id``: the scope's cases with an event up to ``as_of``, sorted."""
    return cached(
        scope,
        ("seen", ctx.as_of),
        lambda: until(scope, ctx).select("case_id").unique().sort("case_id"),
    )


def by_case(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The frame's rows per case id, in their order (no key for a case without rows)."""
    return {str(k[0]): f for k, f in frame.partition_by("case_id", as_dict=True).items()}


def previous(column: str) -> pl.Expr:
    """The column's value in the previous row of the same case, null in a case's first row.

    As ``shift(1).over("case_id")``, for frames whose rows are grouped by case (sorted by
    case, as the scope's events are), without a group-by.
    """
    return pl.when(pl.col("case_id") == pl.col("case_id").shift(1)).then(pl.col(column).shift(1))


def first_seen(scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """``case_id, first``: each scope case's first event up to ``as_of`` (cases with one only)."""
    return cached(
        scope,
        ("first", ctx.as_of),
        lambda: until(scope, ctx).group_by("case_id").agg(first=pl.col("at").min()),
    )
