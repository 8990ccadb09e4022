"""References: every id a release uses is defined in that release, and defined once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from svcstd.lint.base import Hit, ident, noun, release_rule, walk
from svcstd.spec.model import (
    ArchivingRule,
    BreachTrigger,
    Condition,
    EventTrigger,
    Handbook,
    Item,
    LimitShareTrigger,
    Loc,
    PriorityTrigger,
    RecordType,
    RetentionRule,
    Rule,
    Selector,
    Source,
    TimeLimit,
    VerdictRate,
)


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    known = sorted(known)
    msg = f"unknown {kind} {value!r}"
    hint = difflib.get_close_matches(value, known, n=1)
    if hint:
        return f"{msg} (did you mean {hint[0]!r}?)"
    if not known:
        plural = kind[:-1] + "ies" if kind.endswith("y") else kind + "s"
        return f"{msg}: the release defines no {plural}"
    return msg


def _item_of(handbook: Handbook) -> Iterator[tuple[Item, str]]:
    for _, item in handbook.items():
        yield item, ident(item)


@release_rule(
    id="SPEC-101",
    slug="ref.unknown-role",
    title="A role named by a ladder, step or escalates_to is not defined",
    rationale="A case cannot be checked against a role nobody defined, and the manual would "
    "link to a role page that does not exist; usually a typo or a role renamed in one place.",
)
def unknown_role(handbook: Handbook) -> Iterator[Hit]:
    """Every role named in an escalation level, a process step's ``roles`` or a role's
    ``escalates_to`` is defined under ``roles:``."""
    roles = handbook.ids("roles")
    for path in handbook.escalation_paths:
        for level in path.levels:
            if level.role not in roles:
                yield Hit(_unknown("role", level.role, roles), level.where("role"), path.id)
    for process in handbook.processes:
        for step in process.steps:
            for name in step.roles:
                if name not in roles:
                    yield Hit(_unknown("role", name, roles), step.where("roles"), process.id)
    for role in handbook.roles:
        for target in role.escalates_to:
            if target not in roles:
                yield Hit(_unknown("role", target, roles), role.where("escalates_to"), role.id)


def _references(handbook: Handbook) -> Iterator[tuple[str, str, Loc | None, str]]:
    """(kind, value, where, item) for every state/event a release refers to."""
    for item, item_id in _item_of(handbook):
        for node, loc in walk(item):
            if isinstance(node, Condition):
                key = "event" if node.event else "state"
                where = node.where(key) if node.loc else loc
                yield key, (node.event or node.state), where, item_id  # type: ignore[misc]
            elif isinstance(node, EventTrigger):
                yield "event", node.event, node.where("event"), item_id
    for state in handbook.states:
        for target in state.next:
            yield "state", target, state.where("next"), state.id
    for process in handbook.processes:
        for step in process.steps:
            if step.event:
                yield "event", step.event, step.where("event"), process.id
    for path in handbook.escalation_paths:
        yield "event", path.event, path.where("event"), path.id
    for rule in handbook.archiving:
        yield "event", rule.event, rule.where("event"), rule.id
    for own in handbook.ownership:
        for event in own.handover_events:
            yield "event", event, own.where("handover_events"), own.id
        for event in own.owner_events or []:
            yield "event", event, own.where("owner_events"), own.id
    for auth in handbook.authorities:
        yield "event", auth.event, auth.where("event"), auth.id


@release_rule(
    id="SPEC-102",
    slug="ref.unknown-state",
    title="A state named by a clock, condition or transition is not defined",
    rationale="A clock that stops on a state the records never reach never stops: every case "
    "would breach. Declaring states also lets the manual list the life-cycle.",
)
def unknown_state(handbook: Handbook) -> Iterator[Hit]:
    """Every state named in a clock condition, an archiving or retention condition, a KPI
    numerator or a state's ``next`` is defined under ``states:``."""
    states = handbook.ids("states")
    for kind, value, where, item in _references(handbook):
        if kind == "state" and value not in states:
            yield Hit(_unknown("state", value, states), where, item)


@release_rule(
    id="SPEC-103",
    slug="ref.unknown-event",
    title="A record event named by a rule is not defined",
    rationale="Rules are checked by matching record events; an undeclared event is usually a "
    "typo, and a profile has nothing to map the export's values onto.",
)
def unknown_event(handbook: Handbook) -> Iterator[Hit]:
    """Every event named in a clock condition, a process step, an escalation path or trigger,
    an archiving rule, an ownership rule's ``handover_events`` and ``owner_events`` or an authority rule is defined
    under ``events:`` (defaults such as ``escalated`` and ``archived`` included)."""
    events = handbook.ids("events")
    for kind, value, where, item in _references(handbook):
        if kind == "event" and value not in events:
            yield Hit(_unknown("event", value, events), where, item)


@release_rule(
    id="SPEC-104",
    slug="ref.unknown-calendar",
    title="A calendar named by a time limit, archiving rule or the release is not defined",
    rationale="Business time is counted on a calendar; a missing one leaves every deadline of "
    "the rule undefined.",
)
def unknown_calendar(handbook: Handbook) -> Iterator[Hit]:
    """``calendar`` of time limits and archiving rules, and ``handbook.default_calendar``,
    name calendars defined under ``calendars:``."""
    calendars = handbook.ids("calendars")
    default = handbook.meta.default_calendar
    if default is not None and default not in calendars:
        yield Hit(_unknown("calendar", default, calendars), handbook.meta.where("default_calendar"))
    timed: list[TimeLimit | ArchivingRule] = [*handbook.time_limits, *handbook.archiving]
    for rule in timed:
        if rule.calendar is not None and rule.calendar not in calendars:
            yield Hit(
                _unknown("calendar", rule.calendar, calendars), rule.where("calendar"), rule.id
            )


@release_rule(
    id="SPEC-105",
    slug="ref.unknown-rule",
    title="A rule id named by a trigger, KPI or record rule is missing or of the wrong kind",
    rationale="Escalation triggers watch a time limit, KPIs count a rule's verdicts, archiving "
    "and retention apply to a record type: naming anything else leaves them with nothing to do.",
)
def unknown_rule(handbook: Handbook) -> Iterator[Hit]:
    """Trigger ``limit`` names a time limit; KPI ``rules`` name rules; archiving and retention
    ``record_type`` name record types."""
    by_id: dict[str, Rule] = {}
    for rule in handbook.rules():
        by_id.setdefault(rule.id, rule)
        for alias in rule.aliases:
            by_id.setdefault(alias, rule)

    def check(
        ref: str, kind: type[Rule], label: str, where: Loc | None, item: str
    ) -> Iterator[Hit]:
        found = by_id.get(ref)
        if found is None:
            wanted = sorted(r.id for r in handbook.rules() if isinstance(r, kind))
            yield Hit(_unknown(label, ref, wanted), where, item)
        elif not isinstance(found, kind):
            yield Hit(f"{ref} is not a {label} (it is a {type(found).__name__})", where, item)

    for path in handbook.escalation_paths:
        for trigger in path.triggers:
            if isinstance(trigger, LimitShareTrigger | BreachTrigger):
                yield from check(
                    trigger.limit, TimeLimit, "time limit", trigger.where("limit"), path.id
                )
    for kpi in handbook.kpis:
        if isinstance(kpi.metric, VerdictRate):
            for ref in kpi.metric.rules:
                yield from check(ref, Rule, "rule", kpi.metric.where("rules"), kpi.id)
    records: list[ArchivingRule | RetentionRule] = [*handbook.archiving, *handbook.retention]
    for rule in records:
        yield from check(
            rule.record_type, RecordType, "record type", rule.where("record_type"), rule.id
        )


_VALUES = {
    "channel": "channels",
    "category": "categories",
    "priority": "priorities",
    "tier": "tiers",
}


@release_rule(
    id="SPEC-106",
    slug="ref.unknown-value",
    title="A selector names a channel, category, priority or tier that is not defined",
    rationale="A selector with an unknown value silently matches no case, so the rule it "
    "scopes is never checked.",
)
def unknown_value(handbook: Handbook) -> Iterator[Hit]:
    """Values in ``applies_to`` selectors and in priority triggers are defined under
    ``channels:``, ``categories:``, ``priorities:`` and ``tiers:``."""
    known = {key: handbook.ids(section) for key, section in _VALUES.items()}
    for item, item_id in _item_of(handbook):
        for node, loc in walk(item):
            if isinstance(node, Selector):
                for key, values in node.items():
                    for value in values:
                        if value not in known[key]:
                            yield Hit(
                                _unknown(key, value, known[key]), node.where(key) or loc, item_id
                            )
            elif isinstance(node, PriorityTrigger):
                for value in node.priorities:
                    if value not in known["priority"]:
                        yield Hit(
                            _unknown("priority", value, known["priority"]),
                            node.where("priorities"),
                            item_id,
                        )


@release_rule(
    id="SPEC-107",
    slug="ref.unknown-document",
    title="A source cites a document the release does not declare",
    rationale="Every figure must be traceable to a handbook an auditor can open; a source "
    "pointing at an undeclared document cannot be followed.",
)
def unknown_document(handbook: Handbook) -> Iterator[Hit]:
    """Every ``source.document`` names a document declared in ``handbook.documents``."""
    documents = {d.id for d in handbook.meta.documents}
    for item, item_id in _item_of(handbook):
        for node, loc in walk(item):
            if isinstance(node, Source) and node.document not in documents:
                yield Hit(
                    _unknown("document", node.document, documents),
                    node.where("document") or loc,
                    item_id,
                )


@release_rule(
    id="SPEC-108",
    slug="ref.duplicate-id",
    title="An id is defined twice",
    rationale="References, verdicts, waivers and the changelog all address items by id; a "
    "second definition makes every one of them ambiguous.",
)
def duplicate_id(handbook: Handbook) -> Iterator[Hit]:
    """Ids are unique within each section, rule ids (and aliases) across all sections, step ids
    within a process, and document ids within the release."""
    seen: dict[tuple[str, str], Loc | None] = {}
    rule_ids: dict[str, tuple[str, Loc | None]] = {}
    for section, item in handbook.items():
        item_id = ident(item)
        first = seen.get((section, item_id), False)
        if first is not False:
            yield Hit(
                f"{noun(section)} id {item_id!r} is already defined at {first}",
                item.where("id"),
                item_id,
            )
            continue
        seen[(section, item_id)] = item.where("id")
        if isinstance(item, Rule):
            for rid in [item.id, *item.aliases]:
                if rid in rule_ids:  # same-section duplicates were reported above
                    other, at = rule_ids[rid]
                    yield Hit(
                        f"rule id {rid!r} is already used by a {noun(other)} at {at}",
                        item.where("id"),
                        item_id,
                    )
                rule_ids.setdefault(rid, (section, item.where("id")))
    for process in handbook.processes:
        steps: dict[str, Loc | None] = {}
        for step in process.steps:
            if step.id in steps:
                yield Hit(
                    f"step id {step.id!r} is already defined at {steps[step.id]}",
                    step.where("id"),
                    process.id,
                )
            steps.setdefault(step.id, step.where("id"))
    documents: dict[str, Loc | None] = {}
    for doc in handbook.meta.documents:
        if doc.id in documents:
            yield Hit(
                f"document id {doc.id!r} is already declared at {documents[doc.id]}",
                doc.where("id"),
            )
        documents.setdefault(doc.id, doc.where("id"))


@release_rule(
    id="SPEC-109",
    slug="ref.missing-calendar",
    title="Business time is counted with no calendar",
    rationale="Business time needs working hours; with neither a calendar on the rule nor a "
    "default calendar for the release, its deadlines cannot be computed.",
)
def missing_calendar(handbook: Handbook) -> Iterator[Hit]:
    """A time limit or archiving rule in business time names a ``calendar`` or the release
    sets ``handbook.default_calendar``."""
    if handbook.meta.default_calendar is not None:
        return
    timed: list[TimeLimit | ArchivingRule] = [*handbook.time_limits, *handbook.archiving]
    for rule in timed:
        if rule.time == "business" and rule.calendar is None:
            yield Hit(
                f"{rule.id} counts business time but names no calendar and the release has no "
                "default_calendar",
                rule.where("time"),
                rule.id,
            )
