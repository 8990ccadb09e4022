"""What the standards ask of one case template: spans to keep short, and who fails a plant.

Everything here is read from the release (selectors, clocks, shares, ladders, record types), not
hard-coded, so the generator follows the standards it is pointed at. A *span* is a pair of
template rows whose elapsed time a rule bounds: a time limit (start → first stop after it), an
archiving deadline (last ``after`` → first archive), or an escalation that must follow its
trigger. Spans are measured with :mod:`svcstd.timecalc.limits`, the engine the checker uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from svcstd.checks.records import RECORD_KIND_EVENTS, RECORD_KIND_FIELDS
from svcstd.generate.templates import CaseType, Step
from svcstd.spec.duration import Duration
from svcstd.spec.model import (
    Condition,
    EventTrigger,
    Handbook,
    LimitShareTrigger,
    PriorityTrigger,
    RecordType,
    Selector,
)

CANONICAL = {"case_id", "channel", "category", "priority", "tier", "customer", "opened_at"}


class TemplateError(Exception):
    """A template cannot conform to the release (a generator bug, or new standards)."""


@dataclass(frozen=True)
class Span:
    """Rows ``start``→``stop`` must stay within ``budget x share`` (share < 1 when watched)."""

    rule_id: str
    kind: str  # time_limits | archiving | escalation_paths
    start: int
    stop: int
    budget: Duration
    time: str
    calendar: str | None
    share: float = 1.0


def selected(selector: Selector, ct: CaseType) -> bool:
    """Whether a selector admits a case of this type."""
    return all(getattr(ct, key) in values for key, values in selector.items())


def _hit(cond: Condition, step: Step) -> bool:
    return cond.event == step.event if cond.event else cond.state == step.state


def _first(conds: Sequence[Condition], steps: Sequence[Step], after: int = -1) -> int | None:
    return next(
        (i for i, s in enumerate(steps) if i > after and any(_hit(c, s) for c in conds)), None
    )


def _last(conds: Sequence[Condition], steps: Sequence[Step]) -> int | None:
    hits = [i for i, s in enumerate(steps) if any(_hit(c, s) for c in conds)]
    return hits[-1] if hits else None


def record_types_for(
    release: Handbook, ct: CaseType, steps: Sequence[Step], *, creating: bool
) -> list[RecordType]:
    """Record types a case carries (``creating``: also require the creating event)."""
    events = {s.event for s in steps}
    out = []
    for rt in release.record_types:
        if rt.status != "active" or not selected(rt.applies_to, ct):
            continue
        kind_field = RECORD_KIND_FIELDS.get(rt.record)
        if kind_field is not None and getattr(ct, kind_field[0]) not in kind_field[1]:
            continue
        if creating and RECORD_KIND_EVENTS.get(rt.record, "created") not in events | {"created"}:
            continue
        out.append(rt)
    return out


def spans(
    release: Handbook, ct: CaseType, steps: Sequence[Step], *, strict: bool = True
) -> list[Span]:
    """Every bounded span of a case of this type, with escalation shares applied.

    ``strict=False`` skips escalations that never happen (the missing-escalation plant).
    """
    out: list[Span] = []
    ladders = [
        p for p in release.escalation_paths if p.status == "active" and selected(p.applies_to, ct)
    ]
    for rule in release.time_limits:
        if rule.status != "active" or not selected(rule.applies_to, ct):
            continue
        start = _first(rule.clock.start, steps)
        if start is None or _first(rule.clock.cancel, steps) is not None:
            continue
        stop = _first(rule.clock.stop, steps, start)
        if stop is None:
            raise TemplateError(f"{ct}: {rule.id} starts at {steps[start].event} but never stops")
        share = min(
            [t.share for p in ladders for t in p.triggers
             if isinstance(t, LimitShareTrigger) and t.limit == rule.id] + [1.0]
        )  # fmt: skip
        out.append(Span(rule.id, "time_limits", start, stop, rule.target, rule.time,
                        rule.calendar, share))  # fmt: skip
    for path in ladders:
        for trig in path.triggers:
            if isinstance(trig, PriorityTrigger) and ct.priority in trig.priorities:
                start: int | None = 0
            elif isinstance(trig, EventTrigger):
                start = _first([Condition(event=trig.event)], steps)
            else:
                continue
            if start is None:
                continue
            roles = {lv.role for lv in path.levels if lv.level >= trig.to_level}
            stop = next(
                (i for i, s in enumerate(steps) if s.event == path.event and s.role in roles), None
            )
            if stop is None:
                if not strict:
                    continue
                raise TemplateError(f"{ct}: {path.id} fires but the case never escalates")
            out.append(Span(path.id, "escalation_paths", min(start, stop), stop, trig.within,
                            "business", None))  # fmt: skip
    types = {rt.id: rt for rt in record_types_for(release, ct, steps, creating=False)}
    for arc in release.archiving:
        if arc.status != "active" or arc.record_type not in types:
            continue
        begin = _last([arc.after], steps)
        if begin is None:
            continue
        stop = _first([Condition(event=arc.event)], steps, begin - 1)
        if stop is None:
            raise TemplateError(f"{ct}: {arc.id} starts but the case is never archived")
        out.append(Span(arc.id, "archiving", begin, stop, arc.within, arc.time, arc.calendar))
    return out


def processes_for(release: Handbook, ct: CaseType, steps: Sequence[Step]) -> list[str]:
    """Processes that judge a case of this type (selector admits it, its start step occurs)."""
    events = {s.event for s in steps}
    out = []
    for proc in release.processes:
        if proc.status != "active" or not selected(proc.applies_to, ct):
            continue
        start = next((s for s in proc.steps if s.kind == "start"), proc.steps[0])
        if start.event is None or start.event in events:
            out.append(proc.id)
    return out


def fails_on_skip(release: Handbook, procs: Sequence[str], event: str) -> list[str]:
    """Processes among ``procs`` for which ``event`` is a required step."""
    return [
        p.id for p in release.processes
        if p.id in procs and any(s.required and s.event == event for s in p.steps)
    ]  # fmt: skip


def fails_on_role(
    release: Handbook, ct: CaseType, procs: Sequence[str], event: str, role: str
) -> list[str]:
    """Authorities and processes that reject ``role`` performing ``event``."""
    may = {r.id: set(r.may) for r in release.roles}
    out = [
        a.id for a in release.authorities
        if a.status == "active" and a.event == event and selected(a.applies_to, ct)
        and a.action not in may.get(role, set())
    ]  # fmt: skip
    for p in release.processes:
        if p.id in procs and any(
            s.event == event and s.roles and role not in s.roles for s in p.steps
        ):
            out.append(p.id)
    return out


def ownership_rules(release: Handbook, ct: CaseType) -> list[str]:
    """Ownership rules that judge a case of this type."""
    return [o.id for o in release.ownership if o.status == "active" and selected(o.applies_to, ct)]


def retention_rules(release: Handbook, ct: CaseType, steps: Sequence[Step]) -> list[str]:
    """Retention rules whose period starts for a case of this type."""
    types = {rt.id for rt in record_types_for(release, ct, steps, creating=False)}
    out = []
    for ret in release.retention:
        if ret.status == "active" and ret.record_type in types:
            if _last([ret.counted_from], steps) is not None:
                out.append(ret.id)
    return out


def can_hand_over(release: Handbook) -> set[str]:
    """Roles allowed to record a hand-over."""
    return {r.id for r in release.roles if "hand-over" in r.may}


def attribute_fields(releases: Sequence[Handbook]) -> list[str]:
    """Every required field that is not a canonical case column (exported as ``attr_<name>``)."""
    names = {f.name for h in releases for rt in h.record_types for f in rt.required_fields}
    return sorted(names - CANONICAL)
