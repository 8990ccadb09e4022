"""Clocks: pauses, resets, cancellation, simultaneous events, verdicts and the interval trace."""

from __future__ import annotations

import pytest

from svcstd.spec.duration import Duration
from svcstd.spec.model import Clock, TimeLimit
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.clock import ClockEvent, run_clock, run_limit

from .fixtures import T, at, build, office

H = 3600
CLOCK = Clock(
    start=[{"event": "created"}],
    stop=[{"state": "resolved"}],
    pause=[{"state": "awaiting_customer"}, {"event": "on_hold"}],
    resume=[{"event": "off_hold"}],
    reset=[{"event": "reassigned"}],
    cancel=[{"event": "withdrawn"}],
)


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return build(office())


def E(text: str, event: str | None = None, state: str | None = None) -> ClockEvent:
    return ClockEvent(T(text), event, state)


def run(cn: BusinessCalendar, events: list[ClockEvent], target: str = "8h", **kw):  # type: ignore[no-untyped-def]
    return run_clock(events, CLOCK, Duration.parse(target), cn, **kw)


def rows(cn: BusinessCalendar, result) -> list[tuple[str, str, bool, str]]:  # type: ignore[no-untyped-def]
    return [(at(cn, i.start), at(cn, i.end), i.counted, i.reason) for i in result.trace]


def test_a_pause_across_the_weekend_loses_and_doubles_nothing(cn: BusinessCalendar) -> None:
    events = [
        E("2026-11-20T10:00+08:00", "created", "open"),
        E("2026-11-20T16:00+08:00", state="awaiting_customer"),  # Friday afternoon
        E("2026-11-22T10:00+08:00", state="open"),  # the customer answers on Sunday
        E("2026-11-23T15:00+08:00", state="resolved"),
    ]
    result = run(cn, events)
    # Friday 10-12, 13:30-16 = 4h30; Monday 9-12, 13:30-15 = 4h30 (Sunday is outside hours)
    assert result.elapsed == 9 * H
    assert result.status == "breached" and result.breach_by == H
    assert at(cn, result.breached_at) == "2026-11-23T14:00:00+08:00"
    assert rows(cn, result) == [
        ("2026-11-20T10:00:00+08:00", "2026-11-20T12:00:00+08:00", True, "working hours"),
        ("2026-11-20T12:00:00+08:00", "2026-11-20T13:30:00+08:00", False, "outside working hours"),
        ("2026-11-20T13:30:00+08:00", "2026-11-20T16:00:00+08:00", True, "working hours"),
        ("2026-11-20T16:00:00+08:00", "2026-11-22T10:00:00+08:00", False,
         "paused in state awaiting_customer"),
        ("2026-11-22T10:00:00+08:00", "2026-11-23T09:00:00+08:00", False, "outside working hours"),
        ("2026-11-23T09:00:00+08:00", "2026-11-23T12:00:00+08:00", True, "working hours"),
        ("2026-11-23T12:00:00+08:00", "2026-11-23T13:30:00+08:00", False, "outside working hours"),
        ("2026-11-23T13:30:00+08:00", "2026-11-23T14:00:00+08:00", True, "working hours"),
        ("2026-11-23T14:00:00+08:00", "2026-11-23T15:00:00+08:00", True,
         "working hours — past the deadline"),
    ]  # fmt: skip


def test_a_pause_ending_on_monday_counts_from_the_resume(cn: BusinessCalendar) -> None:
    events = [
        E("2026-11-20T10:00+08:00", "created"),
        E("2026-11-20T16:00+08:00", "on_hold"),
        E("2026-11-23T11:00+08:00", "off_hold"),
        E("2026-11-23T15:00+08:00", state="resolved"),
    ]
    result = run(cn, events)
    assert (
        result.elapsed
        == int(
            cn.business_seconds(T("2026-11-20T10:00+08:00"), T("2026-11-20T16:00+08:00"))
            + cn.business_seconds(T("2026-11-23T11:00+08:00"), T("2026-11-23T15:00+08:00"))
        )
        == 7 * H
    )
    assert result.status == "met" and result.remaining == H
    # the deadline it would have had: one more business hour after the stop
    assert at(cn, result.deadline) == "2026-11-23T16:00:00+08:00"
    assert ("2026-11-20T16:00:00+08:00", "2026-11-23T11:00:00+08:00", False,
            "paused by event on_hold") in rows(cn, result)  # fmt: skip


def test_open_case_is_running_or_breached_never_met(cn: BusinessCalendar) -> None:
    events = [E("2026-11-23T10:00+08:00", "created")]
    early = run(cn, events, as_of=T("2026-11-23T15:00+08:00"))
    assert early.status == "running" and early.elapsed == 3.5 * H and early.remaining == 4.5 * H
    assert at(cn, early.deadline) == "2026-11-24T10:30:00+08:00"
    late = run(cn, events, as_of=T("2026-11-25T09:00+08:00"))
    assert late.status == "breached"
    assert at(cn, late.breached_at) == "2026-11-24T10:30:00+08:00"
    assert late.breach_by == (6.5 + 7.5 - 8) * H  # Monday from 10:00, all of Tuesday
    # exactly at the deadline: still not late, and still not met
    exact = run(cn, events, as_of=T("2026-11-24T10:30+08:00"))
    assert exact.status == "running" and exact.remaining == 0


def test_paused_at_as_of_has_no_deadline_yet(cn: BusinessCalendar) -> None:
    events = [
        E("2026-11-23T10:00+08:00", "created"),
        E("2026-11-23T11:00+08:00", state="awaiting_customer"),
    ]
    result = run(cn, events, as_of=T("2026-11-30T10:00+08:00"))
    assert result.status == "running" and result.paused and result.deadline is None
    assert result.elapsed == H


def test_stop_exactly_at_the_deadline_is_met(cn: BusinessCalendar) -> None:
    events = [E("2026-11-23T10:00+08:00", "created"), E("2026-11-24T10:30+08:00", state="resolved")]
    result = run(cn, events)
    assert result.status == "met" and result.elapsed == 8 * H and result.remaining == 0
    one_later = run(cn, [events[0], E("2026-11-24T10:30:01+08:00", state="resolved")])
    assert one_later.status == "breached" and one_later.breach_by == 1


def test_before_start_after_stop_and_holiday_reasons(cn: BusinessCalendar) -> None:
    events = [
        E("2026-02-12T17:00+08:00", "note"),
        E("2026-02-13T17:00+08:00", "created"),
        E("2026-02-24T10:00+08:00", state="resolved"),
        E("2026-02-25T10:00+08:00", "archived"),
    ]
    result = run(cn, events)
    reasons = [r[3] for r in rows(cn, result)]
    assert reasons[0] == "before start" and reasons[-1] == "after stop"
    assert "holiday: 春节" in reasons and "make-up working day: 国庆节调休" not in reasons
    assert result.elapsed == 2 * H and result.status == "met"


def test_reset_restarts_from_zero_and_keeps_the_earlier_breach(cn: BusinessCalendar) -> None:
    events = [
        E("2026-11-23T09:00+08:00", "created"),
        E("2026-11-24T18:00+08:00", "reassigned"),  # 15h counted, over the 8h target
        E("2026-11-25T11:00+08:00", state="resolved"),
    ]
    result = run(cn, events)
    assert result.status == "met" and result.elapsed == 2 * H and result.resets == 1
    assert [at(cn, t) for t in result.breaches_before_reset] == ["2026-11-24T09:30:00+08:00"]
    assert not any(i.counted for i in result.trace if i.end <= T("2026-11-24T18:00+08:00"))
    assert result.trace[0].reason == "discarded by reset at 2026-11-24T18:00:00+08:00"


def test_cancel_ends_the_clock(cn: BusinessCalendar) -> None:
    events = [
        E("2026-11-23T09:00+08:00", "created"),
        E("2026-11-23T10:00+08:00", "withdrawn"),
        E("2026-11-23T11:00+08:00", state="resolved"),
    ]
    result = run(cn, events)
    assert result.status == "cancelled" and result.elapsed == H
    assert result.trace[-1].reason == "cancelled"


def test_never_started(cn: BusinessCalendar) -> None:
    result = run(
        cn, [E("2026-11-23T09:00+08:00", "note"), E("2026-11-24T09:00+08:00", state="resolved")]
    )
    assert result.status == "not_started" and result.deadline is None
    assert {i.reason for i in result.trace} == {"before start"}


@pytest.mark.parametrize(
    ("same_instant", "status", "elapsed"),
    [
        # cancel before start: the clock never runs
        ([("created", None), ("withdrawn", None)], "cancelled", 0),
        # stop is applied before start: a stop at the start instant is ignored, the clock runs
        ([("created", None), (None, "resolved")], "running", 7.5 * H),
        # start then pause: the clock starts paused
        ([("created", None), ("on_hold", None)], "running", 0),
        # pause then resume at the same instant: resume wins (applied last)
        ([("created", None), ("off_hold", None), ("on_hold", None)], "running", 7.5 * H),
    ],
)
def test_simultaneous_events_apply_in_the_documented_order(
    cn: BusinessCalendar,
    same_instant: list,
    status: str,
    elapsed: float,  # type: ignore[type-arg]
) -> None:
    t = "2026-11-23T09:00+08:00"
    result = run(cn, [E(t, ev, st) for ev, st in same_instant], as_of=T("2026-11-24T00:00+08:00"))
    assert (result.status, result.elapsed) == (status, elapsed)


def test_reset_and_stop_at_one_instant_reset_first(cn: BusinessCalendar) -> None:
    events = [
        E("2026-11-23T09:00+08:00", "created"),
        E("2026-11-24T18:00+08:00", "reassigned", "resolved"),
    ]
    result = run(cn, events)
    assert result.status == "met" and result.elapsed == 0 and result.resets == 1


def test_business_day_and_calendar_time_targets(cn: BusinessCalendar) -> None:
    events = [E("2026-11-20T10:00+08:00", "created"), E("2026-11-23T11:00+08:00", state="resolved")]
    bd = run(cn, events, target="1bd")
    # 1bd from Friday 10:00 is Monday 10:00: a budget of 7.5 business hours
    assert bd.target == 7.5 * H and bd.status == "breached"
    assert at(cn, bd.breached_at) == "2026-11-23T10:00:00+08:00"
    cal = run(cn, events, target="72h", time="calendar")
    assert cal.elapsed == 73 * H and cal.status == "breached"
    assert at(cn, cal.breached_at) == "2026-11-23T10:00:00+08:00"
    assert {i.reason for i in cal.trace} == {"calendar time", "calendar time — past the deadline"}


def test_run_limit_uses_the_spec_rule(cn: BusinessCalendar) -> None:
    limit = TimeLimit(
        id="TL-001", title="Resolve within 8 business hours", measures="resolution",
        clock=CLOCK, target="8h", time="business", calendar="office",
    )  # fmt: skip
    events = [E("2026-11-23T10:00+08:00", "created"), E("2026-11-23T12:00+08:00", state="resolved")]
    result = run_limit(events, limit, cn)
    assert result.status == "met" and result.elapsed == 2 * H
    assert run_limit(events, limit, cn, trace=False).trace == ()


def test_events_after_as_of_are_ignored(cn: BusinessCalendar) -> None:
    events = [E("2026-11-23T10:00+08:00", "created"), E("2026-11-23T12:00+08:00", state="resolved")]
    result = run(cn, events, as_of=T("2026-11-23T11:00+08:00"))
    assert (
        result.status == "running"
        and result.elapsed == H
        and result.end == T("2026-11-23T11:00+08:00")
    )
