"""Roles: every role has work to do, and every restricted action someone may take."""

from __future__ import annotations

from collections.abc import Iterator

from svcstd.lint.base import Hit, release_rule
from svcstd.spec.model import Handbook


@release_rule(
    id="SPEC-601",
    slug="role.no-duty",
    title="A role lists no duty",
    rationale="The manual's role pages and the hand-over checks rely on duties; a role without "
    "any is either unfinished or not a role of the service organisation.",
)
def no_duty(handbook: Handbook) -> Iterator[Hit]:
    """Every role lists at least one entry under ``duties``."""
    for role in handbook.roles:
        if not role.duties:
            yield Hit(f"role {role.id!r} lists no duties", role.where("id"), role.id)


@release_rule(
    id="SPEC-602",
    slug="role.action-nobody-may",
    title="An authority rule requires an action that no role may take",
    rationale="An authority rule lets only roles whose ``may`` includes the action perform an "
    "event; if no role may, every such event is a violation.",
)
def action_nobody_may(handbook: Handbook) -> Iterator[Hit]:
    """For every authority rule, at least one role lists its ``action`` under ``may``."""
    allowed = {action for role in handbook.roles for action in role.may}
    for rule in handbook.authorities:
        if rule.action not in allowed:
            yield Hit(
                f"{rule.id} lets only roles that may {rule.action!r} record {rule.event!r}, "
                f"but no role may {rule.action!r}",
                rule.where("action"),
                rule.id,
            )
