"""Time limits: clocks that make sense, and targets that agree with each other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from svcstd.lint.base import Hit, exceeds, order, release_rule, selectors_overlap, span
from svcstd.spec.model import Handbook, TimeLimit


def _longer(a: TimeLimit, b: TimeLimit, handbook: Handbook) -> bool:
    """Whether ``a``'s target is certainly longer than ``b``'s.

    In the same time basis, targets compare directly. A business-time target also certainly
    outlasts a calendar-time one that is shorter than its business length, because business
    time never runs faster than the clock on the wall; the reverse is never certain.
    """
    cal_a, cal_b = handbook.calendar(a.calendar), handbook.calendar(b.calendar)
    if a.time == b.time:
        return exceeds(a.target, b.target, a.time, cal_a, cal_b)
    if a.time == "business":
        return span(a.target, "business", cal_a)[0] > span(b.target, "calendar", cal_b)[1]
    return False


@release_rule(
    id="SPEC-401",
    slug="timing.priority-inversion",
    title="A more urgent priority gets a longer target than a less urgent one",
    rationale="Priorities exist to make urgent cases faster; a P1 target longer than the P2 "
    "target for the same measure is almost always a swapped number.",
)
def priority_inversion(handbook: Handbook) -> Iterator[Hit]:
    """For time limits with the same ``measures`` that select by priority and otherwise
    overlap, a priority of lower rank (more urgent) never has a certainly longer target."""
    ranks = {p.id: p.rank for p in handbook.priorities}
    limits = [t for t in order(handbook.time_limits) if t.applies_to.priority]
    for a, b in combinations(limits, 2):
        if a.measures != b.measures or not selectors_overlap(
            a.applies_to, b.applies_to, ignore=["priority"]
        ):
            continue
        for urgent, relaxed in ((a, b), (b, a)):
            if not _longer(urgent, relaxed, handbook):
                continue
            pairs = [
                (p, q)
                for p in urgent.applies_to.priority or []
                for q in relaxed.applies_to.priority or []
                if p in ranks and q in ranks and ranks[p] < ranks[q]
            ]
            if pairs:
                p, q = pairs[0]
                yield Hit(
                    f"{urgent.id} gives priority {p} (rank {ranks[p]}) {urgent.target} for "
                    f"{urgent.measures}, longer than the {relaxed.target} {relaxed.id} gives less "
                    f"urgent priority {q} (rank {ranks[q]})",
                    urgent.where("target"),
                    urgent.id,
                )


@release_rule(
    id="SPEC-402",
    slug="timing.response-after-resolution",
    title="A first-response target is longer than the resolution target",
    rationale="A case must be answered before it can be resolved; a first-response limit "
    "longer than the resolution limit for the same cases cannot both be meant.",
)
def response_after_resolution(handbook: Handbook) -> Iterator[Hit]:
    """For overlapping selectors, a ``first-response`` target is not certainly longer than a
    ``resolution`` target."""
    responses = [t for t in order(handbook.time_limits) if t.measures == "first-response"]
    resolutions = [t for t in order(handbook.time_limits) if t.measures == "resolution"]
    for resp in responses:
        for res in resolutions:
            if selectors_overlap(resp.applies_to, res.applies_to) and _longer(resp, res, handbook):
                yield Hit(
                    f"first response within {resp.target} ({resp.id}) is longer than resolution "
                    f"within {res.target} ({res.id}) for the same cases",
                    resp.where("target"),
                    resp.id,
                )


@release_rule(
    id="SPEC-403",
    slug="timing.contradictory-clock",
    title="A condition both pauses (or starts) and stops the same clock",
    rationale="The engine applies simultaneous conditions in a fixed order, so a state that "
    "both pauses and stops a clock silently means only one of them; the author meant one.",
)
def contradictory_clock(handbook: Handbook) -> Iterator[Hit]:
    """No condition of a time limit's clock is in both ``pause`` and ``stop``, or in both
    ``start`` and ``stop``."""
    for limit in handbook.time_limits:
        clock = limit.clock
        stops = {str(c) for c in clock.stop}
        for key, conditions in (("pause", clock.pause), ("start", clock.start)):
            for cond in conditions:
                if str(cond) in stops:
                    yield Hit(
                        f"{cond} both {key}s and stops the clock of {limit.id}",
                        clock.where(key),
                        limit.id,
                    )


def _same_clock(a: TimeLimit, b: TimeLimit) -> bool:
    return {str(c) for c in a.clock.start} == {str(c) for c in b.clock.start} and {
        str(c) for c in a.clock.stop
    } == {str(c) for c in b.clock.stop}


@release_rule(
    id="SPEC-404",
    slug="timing.conflicting-limits",
    title="Two time limits judge the same clock of the same cases differently",
    rationale="When two limits with the same start and stop apply to one case, the case is "
    "held to two different targets; the manual cannot say which one is the standard.",
)
def conflicting_limits(handbook: Handbook) -> Iterator[Hit]:
    """Time limits whose clocks have the same start and stop conditions and whose selectors
    overlap agree on the target, the time basis and the calendar. Reported on the one
    written later."""
    default = handbook.meta.default_calendar
    for a, b in combinations(order(handbook.time_limits), 2):
        if not (_same_clock(a, b) and selectors_overlap(a.applies_to, b.applies_to)):
            continue
        if a.time != b.time:
            what, key = f"{b.time} time vs {a.time} time", "time"
        elif _longer(a, b, handbook) or _longer(b, a, handbook):
            what, key = f"target {b.target} vs {a.target}", "target"
        elif a.time == "business" and (a.calendar or default) != (b.calendar or default):
            what, key = f"calendar {b.calendar or default} vs {a.calendar or default}", "calendar"
        else:
            continue
        yield Hit(
            f"{b.id} and {a.id} time the same clock ({', '.join(map(str, b.clock.start))} → "
            f"{', '.join(map(str, b.clock.stop))}) for overlapping cases but disagree: {what}",
            b.where(key),
            b.id,
        )
