"""Escalation: ladders climb, role hierarchies have no loops, triggers fire in time."""

from __future__ import annotations

from collections.abc import Iterator

from svcstd.lint.base import Hit, order, release_rule, span
from svcstd.spec.model import Handbook, LimitShareTrigger


@release_rule(
    id="SPEC-301",
    slug="escalation.ladder-not-climbing",
    title="An escalation ladder does not climb strictly",
    rationale="Escalating means handing a case to someone more senior; a ladder whose levels or "
    "role ranks go down or stay level sends the case sideways or back.",
)
def ladder_not_climbing(handbook: Handbook) -> Iterator[Hit]:
    """Along each ladder, ``level`` numbers strictly increase and so does the ``rank`` of the
    level's role (so no role appears twice)."""
    ranks = {r.id: r.rank for r in handbook.roles}
    for path in handbook.escalation_paths:
        for prev, level in zip(path.levels, path.levels[1:], strict=False):
            if level.level <= prev.level:
                yield Hit(
                    f"level {level.level} follows level {prev.level} in {path.id}; "
                    "levels must increase",
                    level.where("level"),
                    path.id,
                )
            elif (
                prev.role in ranks and level.role in ranks and ranks[level.role] <= ranks[prev.role]
            ):
                yield Hit(
                    f"level {level.level} ({level.role}, rank {ranks[level.role]}) is not above "
                    f"level {prev.level} ({prev.role}, rank {ranks[prev.role]})",
                    level.where("role"),
                    path.id,
                )


@release_rule(
    id="SPEC-302",
    slug="escalation.role-cycle",
    title="Roles escalate to each other in a loop",
    rationale="An escalation that can come back to the role it started from never reaches "
    "anyone with more authority.",
)
def role_cycle(handbook: Handbook) -> Iterator[Hit]:
    """The graph of roles' ``escalates_to`` has no cycle. Each cycle is reported once, at the
    first-written role on it."""
    graph = {r.id: [t for t in r.escalates_to] for r in handbook.roles}
    by_id = {r.id: r for r in handbook.roles}
    reported: set[frozenset[str]] = set()
    for role in order(handbook.roles):
        # depth-first search for a path back to this role
        stack: list[tuple[str, list[str]]] = [(role.id, [role.id])]
        visited: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, []):
                if nxt == role.id:
                    cycle = frozenset(path)
                    if cycle not in reported:
                        reported.add(cycle)
                        shown = " → ".join([*path, role.id])
                        yield Hit(
                            f"roles escalate in a loop: {shown}",
                            by_id[role.id].where("escalates_to"),
                            role.id,
                        )
                elif nxt in graph and nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*path, nxt]))


@release_rule(
    id="SPEC-303",
    slug="escalation.unknown-level",
    title="A trigger escalates to a level the ladder does not have",
    rationale="A trigger with no matching rung cannot say to whom the case goes.",
)
def unknown_level(handbook: Handbook) -> Iterator[Hit]:
    """Every trigger's ``to_level`` is one of its ladder's ``levels[].level``."""
    for path in handbook.escalation_paths:
        levels = sorted({lv.level for lv in path.levels})
        for trigger in path.triggers:
            if trigger.to_level not in levels:
                yield Hit(
                    f"trigger escalates to level {trigger.to_level}, but {path.id} has levels "
                    f"{', '.join(map(str, levels))}",
                    trigger.where("to_level"),
                    path.id,
                )


@release_rule(
    id="SPEC-304",
    slug="escalation.trigger-after-breach",
    title="An escalation trigger cannot act before the breach it guards",
    rationale="A share-of-limit trigger exists to escalate while the case can still be saved; "
    "at 100 % or with a follow-up slower than the time left, it only ever fires too late.",
)
def trigger_after_breach(handbook: Handbook) -> Iterator[Hit]:
    """A ``limit-share`` trigger has ``share`` below 1, and the escalation it demands (``within``)
    is due before the limit breaches: ``(1 - share) * target > within``, ``within`` counted in
    the limit's time basis. Reported only when the breach certainly comes first (a business day
    lasts between the calendar's shortest and longest working day)."""
    limits = {t.id: t for t in handbook.time_limits}
    for path in handbook.escalation_paths:
        for trigger in path.triggers:
            if not isinstance(trigger, LimitShareTrigger):
                continue
            if trigger.share >= 1:
                yield Hit(
                    f"trigger fires at share {trigger.share:g} of {trigger.limit}, i.e. at the "
                    "breach; use 'on: breach' or a share below 1",
                    trigger.where("share"),
                    path.id,
                )
                continue
            limit = limits.get(trigger.limit)
            if limit is None:
                continue  # SPEC-105 reports it
            calendar = handbook.calendar(limit.calendar)
            remaining = 1 - trigger.share
            if trigger.within.unit == limit.target.unit:
                late = trigger.within.amount >= remaining * limit.target.amount
            else:
                within = span(trigger.within, limit.time, calendar)
                late = within[0] >= remaining * span(limit.target, limit.time, calendar)[1]
            if late:
                yield Hit(
                    f"escalation is due {trigger.within} after {trigger.share:.0%} of {limit.id}'s "
                    f"{limit.target}, which leaves no time before the breach "
                    f"({remaining:.0%} of {limit.target} is left)",
                    trigger.where("within"),
                    path.id,
                )
