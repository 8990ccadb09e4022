"""Aggregates every reporter shows: counts per rule and outcome, in rule order."""

from __future__ import annotations

import polars as pl

from svcstd.checks.engine import CheckResult
from svcstd.checks.verdicts import OUTCOMES


def per_rule(result: CheckResult) -> pl.DataFrame:
    """One row per (release, rule): counts of each outcome and the breach rate among evaluated."""
    v = result.verdicts
    counts = v.group_by("release", "rule_id", "kind", "severity").agg(
        [(pl.col("outcome") == o).sum().alias(o) for o in OUTCOMES]
    )
    evaluated = pl.col("pass") + pl.col("fail") + pl.col("waived")
    return counts.with_columns(
        breach_rate=pl.when(evaluated > 0).then(pl.col("fail") / evaluated).otherwise(None)
    ).sort("release", "rule_id")


def totals(result: CheckResult) -> dict[str, int]:
    """Verdict counts over the whole run."""
    v = result.verdicts.get_column("outcome")
    return {o: int((v == o).sum()) for o in OUTCOMES}
