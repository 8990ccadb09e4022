"""Which cases a rule applies to, and which cannot be told.

A selector names values per case field (``channel: [email]``). A case whose value is listed is
in scope; a case with another value is out of scope (no verdict). A case whose value is missing
— or an export that lacks the field altogether — cannot be placed, so the rule is *not
evaluable* for it, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.verdicts import not_evaluable
from svcstd.spec.model import Selector


@dataclass(frozen=True)
class Selection:
    """Cases in scope of a rule (``cases``) and verdicts for those that cannot be placed."""

    cases: pl.DataFrame
    unplaceable: pl.DataFrame


def select(selector: Selector, scope: Scope, ctx: CheckContext, rule_id: str) -> Selection:
    """Split the scope's cases into in-scope and unplaceable for one rule."""
    cases = scope.cases
    lacking = ctx.lacks_field(selector)
    if lacking:
        reason = f"the export lacks {', '.join(lacking)}, which decides whether the rule applies"
        return Selection(cases.clear(), not_evaluable(cases.get_column("case_id"), rule_id, reason))
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
    return Selection(cases, unplaceable)
