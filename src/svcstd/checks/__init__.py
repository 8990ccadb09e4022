"""Evaluators: one module per rule kind, each turning cases into verdict frames.

A module declares ``KIND`` (the section of the release it judges) and
``evaluate(rules, scope, ctx) -> polars.DataFrame`` with the columns of
:data:`svcstd.checks.verdicts.EVALUATOR_SCHEMA`; optionally ``explain(rule, scope, ctx,
case_events) -> dict`` for the evidence of a failure. Modules that aggregate other verdicts
(KPIs) set ``NEEDS_VERDICTS = True`` and take the case-level verdicts as a fourth argument.
"""

from __future__ import annotations

import types

from svcstd.checks import (
    archiving,
    authorities,
    escalation,
    kpis,
    ownership,
    processes,
    records,
    retention,
    time_limits,
)

#: Registry: section of the release → evaluator module (a test keeps it complete).
KINDS: dict[str, types.ModuleType] = {
    m.KIND: m
    for m in (time_limits, escalation, processes, records, archiving, retention, ownership,
              authorities, kpis)
}
