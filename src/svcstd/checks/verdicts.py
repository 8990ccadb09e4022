"""Verdicts as a Polars frame: one row per (case, rule), or per (period, group, rule) for KPIs.

Evaluators return frames with the *evaluator columns* below; the engine adds the columns it
alone knows (release, kind, severity, url) so an evaluator cannot get them wrong, then applies
waivers. A rule that does not apply to a case yields **no row**: "not applicable" is not a
verdict. A case whose applicability or outcome cannot be decided gets ``not_evaluable`` with
the reason — never ``pass``.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from svcstd.records.schema import UTC_US

Outcome = Literal["pass", "fail", "not_evaluable", "waived"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "fail", "not_evaluable", "waived")

#: Columns an evaluator returns (all but ``case_id``, ``rule_id`` and ``outcome`` may be null).
EVALUATOR_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.Utf8(),  # null for KPI verdicts
    "rule_id": pl.Utf8(),
    "outcome": pl.Utf8(),
    # not_evaluable: why; fail: a one-line description of what went wrong
    "reason": pl.Utf8(),
    # the measured quantity and the limit in the same unit (seconds for time limits)
    "observed": pl.Float64(),
    "target": pl.Float64(),
    # the instants that bound the measurement, and the deadline when there is one
    "started_at": UTC_US,
    "ended_at": UTC_US,
    "deadline": UTC_US,
    # KPI verdicts: the period (e.g. 2025-03) and the group value (e.g. channel=email)
    "period": pl.Utf8(),
    "group": pl.Utf8(),
}

#: Columns of the engine's verdict frame, in report order.
VERDICT_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.Utf8(),
    "case_id": pl.Utf8(),
    "kind": pl.Utf8(),
    "release": pl.Utf8(),
    "severity": pl.Utf8(),
    **{k: v for k, v in EVALUATOR_SCHEMA.items() if k not in ("case_id", "rule_id")},
    "waiver": pl.Utf8(),
    "url": pl.Utf8(),
}


def empty() -> pl.DataFrame:
    """An evaluator frame with no rows."""
    return pl.DataFrame(schema=EVALUATOR_SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Give an evaluator's frame exactly the evaluator columns and types (missing → null)."""
    cols = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in EVALUATOR_SCHEMA.items()
    ]
    return frame.select(cols)


def not_evaluable(case_ids: pl.Series | list[str], rule_id: str, reason: str) -> pl.DataFrame:
    """``not_evaluable`` verdicts for these cases, all with the same reason."""
    ids = pl.Series("case_id", case_ids, dtype=pl.Utf8)
    return conform(
        pl.DataFrame({"case_id": ids}).with_columns(
            rule_id=pl.lit(rule_id), outcome=pl.lit("not_evaluable"), reason=pl.lit(reason)
        )
    )
