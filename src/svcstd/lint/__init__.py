"""``svcstd lint``: consistency rules over the standards, so CI fails when they contradict
themselves or are incomplete.

The registry below is the one list of lint rules: the CLI runs it, ``--list-rules`` prints it,
the manual's lint page renders from it, and a test checks that every rule defined in a module
of this package is in it.
"""

from __future__ import annotations

from svcstd.lint import escalation, history, process, provenance, records, refs, roles, timing
from svcstd.lint.base import SEVERITIES, Finding, Hit, LintRule, at_least
from svcstd.lint.runner import lint_standards
from svcstd.spec.releases import Standards

#: Every lint rule by id, in manual order.
RULES: dict[str, LintRule] = {
    "SPEC-101": refs.unknown_role,
    "SPEC-102": refs.unknown_state,
    "SPEC-103": refs.unknown_event,
    "SPEC-104": refs.unknown_calendar,
    "SPEC-105": refs.unknown_rule,
    "SPEC-106": refs.unknown_value,
    "SPEC-107": refs.unknown_document,
    "SPEC-108": refs.duplicate_id,
    "SPEC-109": refs.missing_calendar,
    "SPEC-201": process.start_not_unique,
    "SPEC-202": process.unknown_step,
    "SPEC-203": process.unreachable_step,
    "SPEC-204": process.dead_end,
    "SPEC-205": process.too_few_branches,
    "SPEC-206": process.step_without_role,
    "SPEC-301": escalation.ladder_not_climbing,
    "SPEC-302": escalation.role_cycle,
    "SPEC-303": escalation.unknown_level,
    "SPEC-304": escalation.trigger_after_breach,
    "SPEC-401": timing.priority_inversion,
    "SPEC-402": timing.response_after_resolution,
    "SPEC-403": timing.contradictory_clock,
    "SPEC-404": timing.conflicting_limits,
    "SPEC-501": records.retention_shorter_than_archiving,
    "SPEC-601": roles.no_duty,
    "SPEC-602": roles.action_nobody_may,
    "SPEC-701": provenance.uncited_rule,
    "SPEC-702": provenance.uncited_definition,
    "SPEC-703": provenance.conflict_without_alternatives,
    "SPEC-704": provenance.undocumented_local_decision,
    "SPEC-801": history.duplicate_version,
    "SPEC-802": history.unknown_predecessor,
    "SPEC-803": history.date_not_after_predecessor,
    "SPEC-804": history.supersedes_cycle,
    "SPEC-805": history.broken_chain,
    "SPEC-806": history.unlisted_change,
    "SPEC-807": history.unchanged_item,
}


def lint(standards: Standards) -> list[Finding]:
    """Run every registered rule over ``standards``; findings sorted by file, line, col, rule."""
    return lint_standards(standards, RULES.values())


__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "Hit",
    "LintRule",
    "at_least",
    "lint",
    "lint_standards",
]
