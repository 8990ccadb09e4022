"""The engine against a brute-force oracle over random calendars, holidays, DST zones, pauses."""

from __future__ import annotations

import bisect
import datetime as dt
import os

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from svcstd.spec.duration import Duration
from svcstd.spec.model import Clock
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.clock import ClockEvent, run_clock

from .oracle import MinuteOracle
from .strategies import WINDOW_DAYS, build, calendars

DAY = 86400
SPAN = WINDOW_DAYS * DAY
#: Examples per property; raise for a deep run: SVCSTD_EXAMPLES=2000 pytest tests/timecalc
EXAMPLES = int(os.environ.get("SVCSTD_EXAMPLES", "80"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

offsets = st.integers(0, SPAN - 2 * DAY)


@FAST
@given(calendars(), st.lists(st.tuples(offsets, offsets), min_size=1, max_size=4))
def test_business_seconds_match_the_minute_walk(case, pairs) -> None:
    cal, w0 = case
    bc, oracle = build(cal), MinuteOracle(cal)
    starts = [w0 + min(a, b) for a, b in pairs]
    ends = [w0 + max(a, b) for a, b in pairs]
    got = bc.business_seconds(starts, ends).tolist()
    assert got == [oracle.duration(s, e) for s, e in zip(starts, ends, strict=True)]
    # reversed order gives the negative
    assert bc.business_seconds(ends, starts).tolist() == [-g for g in got]


@FAST
@given(calendars(), offsets, st.floats(0, 1))
def test_deadline_is_the_earliest_instant_with_enough_business_time(case, offset, share) -> None:
    cal, w0 = case
    bc, oracle = build(cal), MinuteOracle(cal)
    start = w0 + offset
    available = oracle.duration(start, w0 + SPAN)
    assume(available > 0)
    d = int(share * available)
    t = int(bc.add_business(start, d))
    assert t == oracle.earliest(start, d)
    assert oracle.duration(start, t) == d
    if d > 0:
        assert oracle.duration(start, t - 1) < d


@FAST
@given(calendars(), offsets, st.integers(1, 3))
def test_business_days_follow_the_documented_definition(case, offset, n) -> None:
    cal, w0 = case
    bc, oracle = build(cal), MinuteOracle(cal)
    start = w0 + offset
    first = dt.datetime.fromtimestamp(w0, oracle.tz).date() - dt.timedelta(days=6)
    days = oracle.working_days(first, first + dt.timedelta(days=WINDOW_DAYS + 20))
    before = [i for i, (_, open_, _) in enumerate(days) if open_ <= start]
    assume(before and before[-1] > 0 and before[-1] + n < len(days))
    d = before[-1]
    _, open_d, hours_d = days[d]
    o = min(oracle.duration(open_d, start), hours_d)
    _, open_k, hours_k = days[d + n]
    expected = oracle.earliest(start, oracle.duration(start, open_k) + min(o, hours_k))
    assert int(bc.add_business_days(start, n)) == expected


CLOCK = Clock(
    start=[{"event": "created"}],
    stop=[{"event": "resolved"}],
    pause=[{"state": "waiting"}, {"event": "hold"}],
    resume=[{"event": "unhold"}],
)
KINDS = [("hold", None), ("unhold", None), (None, "waiting"), (None, "open"), ("resolved", None)]


@FAST
@given(
    calendars(),
    st.integers(0, 3 * 24 * 60),
    st.lists(
        st.tuples(st.integers(1, 8 * 24 * 60), st.sampled_from(KINDS)),
        max_size=8,
        unique_by=lambda x: x[0],
    ),
    st.integers(0, 40 * 3600),
    st.integers(0, 10 * 24 * 60),
)
def test_clock_counts_exactly_the_unpaused_working_minutes(
    case, begin, steps, target, tail
) -> None:
    cal, w0 = case
    bc, oracle = build(cal), MinuteOracle(cal)
    t0 = w0 + 60 * begin
    events = [ClockEvent(t0, "created", "open")]
    events += [ClockEvent(t0 + 60 * m, ev, state) for m, (ev, state) in steps]
    events.sort(key=lambda e: e.at)
    as_of = events[-1].at + 60 * tail

    # the clock's mode after each event, replayed naively: (counting, stopped)
    timeline: list[tuple[int, bool, bool]] = []
    state, held, stopped = None, False, False
    for e in events:
        state = e.state or state
        held = True if e.event == "hold" else False if e.event == "unhold" else held
        stopped = stopped or e.event == "resolved"
        timeline.append((e.at, not stopped and not held and state != "waiting", stopped))
    times = [at for at, _, _ in timeline]

    def mode(m: int) -> tuple[bool, bool]:
        i = bisect.bisect_right(times, m) - 1
        return (False, False) if i < 0 else timeline[i][1:]

    counts = lambda m: mode(m)[0]  # noqa: E731
    result = run_clock(events, CLOCK, Duration(target, "s"), bc, as_of=as_of)
    expected = oracle.duration(t0, as_of, counts)
    assert result.elapsed == expected
    assert sum(i.seconds for i in result.trace if i.counted) == expected
    # the trace tiles the case's life without gaps or overlaps
    if as_of > t0:
        assert result.trace[0].start == t0 and result.trace[-1].end == as_of
    assert all(a.end == b.start for a, b in zip(result.trace, result.trace[1:], strict=False))
    stopped = mode(as_of)[1]
    if expected > target:
        assert result.status == "breached"
        assert result.breached_at == oracle.earliest(t0, target, counts)
    else:
        assert result.status == ("met" if stopped else "running")
        if not stopped and result.deadline is not None and target > 0:
            assert oracle.duration(t0, result.deadline, counts) == target


@settings(max_examples=3 * EXAMPLES, deadline=None)
@given(
    calendars(),
    st.lists(
        st.tuples(st.integers(-30 * 365 * DAY, 30 * 365 * DAY), st.integers(0, 300 * 3600)),
        min_size=1,
        max_size=50,
    ),
)
def test_deadline_and_duration_are_inverse_over_years(case, pairs) -> None:
    cal, w0 = case
    bc = BusinessCalendar.from_spec(cal)  # the default span, 1970-2099
    assume(len(bc.starts) > 0)
    starts = [w0 + s for s, _ in pairs]
    ds = [d for _, d in pairs]
    t = bc.add_business(starts, ds)
    assert bc.business_seconds(starts, t).tolist() == ds
    positive = [i for i, d in enumerate(ds) if d > 0]
    if positive:
        earlier = bc.business_seconds([starts[i] for i in positive], t[positive] - 1)
        assert (earlier < [ds[i] for i in positive]).all()
