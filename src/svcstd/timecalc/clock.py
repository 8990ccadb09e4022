"""Clocks: run one case's events through a time limit's start / pause / resume / stop rules.

A clock reads a case's events — each a record event (``event``), an entry into a case state
(``state``), or both — and keeps time the way the time limit says:

- **start** starts an idle clock. A clock measures once: a later start is ignored; only a
  reset starts it again.
- **pause** conditions naming a *state* pause the clock while the case is in that state (the
  state the case entered last). Pause conditions naming an *event* pause it until a
  **resume** condition matches (a resume event, or entry into a resume state).
- **stop** stops a started clock; the verdict is decided on the time counted until then.
- **reset** restarts a started (or stopped) clock from zero at that instant; time counted
  before the reset is shown in the trace as discarded, and a breach that had already
  happened is kept in :attr:`ClockResult.breaches_before_reset`.
- **cancel** ends the clock for good: the time limit does not apply to the case.

Events at the same instant are applied in the order **cancel, reset, stop, start, pause,
resume**; the case's state is updated first (to the last state entered at that instant).
Events after ``as_of`` are ignored, so a run is reproducible.

The target is reached at the *deadline*: the earliest instant at which the counted time equals
the target. Stopping at or before the deadline is ``met``; counting beyond it is ``breached``,
and :attr:`ClockResult.breached_at` is the deadline. A case still open at ``as_of`` is
``breached`` if it has already counted more than the target, else ``running`` — never ``met``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Literal
from zoneinfo import ZoneInfo

from svcstd.errors import SvcstdError
from svcstd.spec.duration import Duration
from svcstd.spec.model import Clock, TimeLimit
from svcstd.timecalc import limits
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.instants import iso, to_epoch
from svcstd.timecalc.limits import TimeBasis

Status = Literal["met", "breached", "running", "not_started", "cancelled"]

BEFORE_START = "before start"
AFTER_STOP = "after stop"
CANCELLED = "cancelled"
CALENDAR_TIME = "calendar time"
PAST_DEADLINE = " — past the deadline"


@dataclass(frozen=True)
class ClockEvent:
    """One thing that happened to a case: at ``at`` (UTC epoch seconds) the record shows
    ``event`` and/or the case entered ``state``."""

    at: int
    event: str | None = None
    state: str | None = None

    @classmethod
    def of(
        cls,
        at: dt.datetime,
        event: str | None = None,
        state: str | None = None,
        tz: ZoneInfo | str | None = None,
    ) -> ClockEvent:
        """Build from a datetime (aware, or naive with ``tz``)."""
        return cls(to_epoch(at, tz), event, state)


@dataclass(frozen=True)
class TraceInterval:
    """A stretch of the case's life, counted against the target or not, and why."""

    start: int
    end: int
    counted: bool
    reason: str

    @property
    def seconds(self) -> int:
        """Length in real seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class ClockResult:
    """What a clock shows at the end of a case (or at ``as_of``)."""

    status: Status
    #: Counted seconds (business or elapsed, per the time basis) in the last clock cycle.
    elapsed: int
    #: The target in the same measure (see :func:`svcstd.timecalc.limits.budget`).
    target: int
    #: ``max(target - elapsed, 0)`` and ``max(elapsed - target, 0)``.
    remaining: int
    breach_by: int
    #: When the target is (or was, or would be if the clock ran on unpaused) reached.
    #: ``None`` while paused at the end, before start, or when cancelled before it.
    deadline: int | None
    breached_at: int | None
    started_at: int | None
    stopped_at: int | None
    #: The instant the run ends: ``as_of``, or the last event when no ``as_of`` is given.
    end: int | None
    paused: bool
    resets: int = 0
    breaches_before_reset: tuple[int, ...] = ()
    trace: tuple[TraceInterval, ...] = field(default=(), repr=False)

    def explain(self, tz: ZoneInfo | str) -> list[tuple[str, str, int, bool, str]]:
        """The trace as rows ``(from, to, seconds, counted, reason)`` with local ISO times."""
        return [
            (iso(i.start, tz), iso(i.end, tz), i.seconds, i.counted, i.reason) for i in self.trace
        ]


class _Rules:
    def __init__(self, clock: Clock) -> None:
        def split(conds: list) -> tuple[frozenset[str], frozenset[str]]:  # type: ignore[type-arg]
            return (
                frozenset(c.event for c in conds if c.event),
                frozenset(c.state for c in conds if c.state),
            )

        self.start = split(clock.start)
        self.stop = split(clock.stop)
        self.pause = split(clock.pause)
        self.resume = split(clock.resume)
        self.reset = split(clock.reset)
        self.cancel = split(clock.cancel)

    @staticmethod
    def hit(
        kind: tuple[frozenset[str], frozenset[str]], group: list[ClockEvent]
    ) -> ClockEvent | None:
        events, states = kind
        for ev in group:
            if (ev.event is not None and ev.event in events) or (
                ev.state is not None and ev.state in states
            ):
                return ev
        return None


def run_clock(
    events: Iterable[ClockEvent],
    clock: Clock,
    target: Duration,
    calendar: BusinessCalendar,
    *,
    time: TimeBasis = "business",
    as_of: int | None = None,
    trace: bool = True,
) -> ClockResult:
    """Run ``clock`` over one case's ``events`` and judge it against ``target``.

    ``calendar`` supplies working time (and, for ``bd``/``mo``/``y`` targets and calendar
    time, the zone). ``as_of`` (UTC epoch seconds) fixes "now"; without it the run ends at the
    last event. ``trace=False`` skips building the interval trace (faster).
    """
    rules = _Rules(clock)
    ordered = sorted(events, key=lambda e: e.at)  # stable: same-instant events keep input order
    if as_of is not None:
        ordered = [e for e in ordered if e.at <= as_of]
    end = as_of if as_of is not None else (ordered[-1].at if ordered else None)

    phase = "idle"  # idle | running | stopped | cancelled
    state: str | None = None
    paused_event: str | None = None
    elapsed = 0
    budget = 0
    due_at: int | None = None
    started_at: int | None = None
    stopped_at: int | None = None
    resets = 0
    earlier: list[int] = []
    out: list[TraceInterval] = []

    def paused_reason() -> str | None:
        if state is not None and state in rules.pause[1]:
            return f"paused in state {state}"
        if paused_event is not None:
            return f"paused by event {paused_event}"
        return None

    def advance(a: int, b: int) -> None:
        """Account for ``[a, b)`` in the current mode."""
        nonlocal elapsed, due_at
        if b <= a:
            return
        if phase != "running":
            if trace:
                reason = {"idle": BEFORE_START, "stopped": AFTER_STOP, "cancelled": CANCELLED}[
                    phase
                ]
                out.append(TraceInterval(a, b, False, reason))
            return
        why = paused_reason()
        if why is not None:
            if trace:
                out.append(TraceInterval(a, b, False, why))
            return
        counted = int(limits.elapsed(calendar, a, b, time))
        if due_at is None and elapsed + counted >= budget:
            due_at = (
                a if budget <= elapsed else int(limits.add(calendar, a, budget - elapsed, time))
            )
        elapsed += counted
        if not trace:
            return
        pieces = calendar.pieces(a, b) if time == "business" else [(a, b, True, CALENDAR_TIME)]
        for s, e, is_counted, reason in pieces:
            if is_counted and due_at is not None and e > due_at:
                if s < due_at:
                    out.append(TraceInterval(s, due_at, True, reason))
                out.append(TraceInterval(max(s, due_at), e, True, reason + PAST_DEADLINE))
            else:
                out.append(TraceInterval(s, e, is_counted, reason))

    prev = ordered[0].at if ordered else None
    for at, grp in groupby(ordered, key=lambda e: e.at):
        group = list(grp)
        assert prev is not None
        advance(prev, at)
        prev = at
        for ev in group:
            if ev.state is not None:
                state = ev.state
        if phase != "cancelled" and rules.hit(rules.cancel, group):
            phase = "cancelled"
        if phase in ("running", "stopped") and rules.hit(rules.reset, group):
            if due_at is not None and elapsed > budget:
                earlier.append(due_at)
            if trace:
                when = iso(at, calendar.timezone)
                out[:] = [
                    TraceInterval(i.start, i.end, False, f"discarded by reset at {when}")
                    if i.counted
                    else i
                    for i in out
                ]
            resets += 1
            phase, elapsed, due_at, paused_event, stopped_at = "running", 0, None, None, None
            started_at = at
            budget = int(limits.budget(calendar, at, target, time))
        if phase == "running" and rules.hit(rules.stop, group):
            phase, stopped_at = "stopped", at
        if phase == "idle" and rules.hit(rules.start, group):
            phase, started_at = "running", at
            budget = int(limits.budget(calendar, at, target, time))
        hit = rules.hit((rules.pause[0], frozenset()), group)
        if hit is not None:
            paused_event = hit.event
        if rules.hit(rules.resume, group):
            paused_event = None
        if phase == "running" and due_at is None and budget == 0:
            due_at = at  # a zero target is reached the moment the clock starts
    if prev is not None and end is not None:
        advance(prev, end)

    paused = phase == "running" and paused_reason() is not None
    deadline: int | None = due_at
    projected_from = None
    if phase == "running" and due_at is None and not paused and end is not None:
        projected_from = end
    elif phase == "stopped" and due_at is None and stopped_at is not None:
        projected_from = stopped_at
    if projected_from is not None:
        try:
            deadline = int(limits.add(calendar, projected_from, budget - elapsed, time))
        except SvcstdError:
            deadline = None  # never reached within the calendar's span (e.g. no working hours)

    status: Status
    if phase == "cancelled":
        status = "cancelled"
    elif phase == "idle":
        status = "not_started"
    elif elapsed > budget:
        status = "breached"
    else:
        status = "met" if phase == "stopped" else "running"
    return ClockResult(
        status=status,
        elapsed=elapsed,
        target=budget if phase != "idle" else _nominal(target),
        remaining=max(budget - elapsed, 0),
        breach_by=max(elapsed - budget, 0),
        deadline=deadline,
        breached_at=due_at if status == "breached" else None,
        started_at=started_at,
        stopped_at=stopped_at,
        end=end,
        paused=paused,
        resets=resets,
        breaches_before_reset=tuple(earlier),
        trace=tuple(out),
    )


def _nominal(target: Duration) -> int:
    return target.seconds if target.is_fixed else 0


def run_limit(
    events: Iterable[ClockEvent],
    limit: TimeLimit,
    calendar: BusinessCalendar,
    *,
    as_of: int | None = None,
    trace: bool = True,
) -> ClockResult:
    """Run a spec :class:`~svcstd.spec.model.TimeLimit` over one case's events.

    ``calendar`` must be the calendar the limit names (or the release's default), taken from
    the release that judges the case: see :func:`svcstd.timecalc.policy.calendar_for_case`.
    """
    if limit.calendar is not None and limit.calendar != calendar.id:
        raise SvcstdError(
            f"time limit {limit.id} uses calendar {limit.calendar!r}, not {calendar.id!r}"
        )
    return run_clock(
        events, limit.clock, limit.target, calendar, time=limit.time, as_of=as_of, trace=trace
    )
