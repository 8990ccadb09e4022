"""The vectorised clocks (svcstd.checks.clocks) equal the per-case reference clock, always.

:func:`svcstd.timecalc.run_clock` walks one case's events and is what evidence explains; the
checker runs :func:`svcstd.checks.clocks.run_clocks` over all cases at once. Hypothesis draws
random clocks (any mix of start/stop/pause/resume/reset/cancel over events and states), random
event sequences for several cases (same-instant groups, events after ``--as-of``, nights,
weekends and the fixture's National Day holiday) and targets in every unit, and holds every
field the verdicts use equal: status, counted time, budget, start, stop, deadline, paused,
and the instant an escalation share of the target was crossed.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcstd.checks.clocks import run_clocks
from svcstd.spec import load_standards
from svcstd.spec.duration import Duration
from svcstd.spec.model import Clock, Condition
from svcstd.timecalc import ClockEvent, business_calendar, parse_instant, run_clock

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "engine"
CALENDAR = business_calendar(load_standards(FIXTURE).get("2025.1"))
BASE = parse_instant("2025-09-29T08:00:00+08:00")  # a Monday before National Day
EVENTS = ["e1", "e2", "e3", "e4"]
STATES = ["s1", "s2", "s3"]


def conditions(min_size: int = 0) -> st.SearchStrategy[list[Condition]]:
    one = st.one_of(
        st.sampled_from(EVENTS).map(lambda e: Condition(event=e)),
        st.sampled_from(STATES).map(lambda s: Condition(state=s)),
    )
    return st.lists(one, min_size=min_size, max_size=2, unique_by=str)


clocks = st.builds(
    Clock,
    start=conditions(1),
    stop=conditions(1),
    pause=conditions(),
    resume=conditions(),
    reset=st.lists(st.sampled_from(EVENTS).map(lambda e: Condition(event=e)), max_size=1),
    cancel=st.lists(st.sampled_from(EVENTS).map(lambda e: Condition(event=e)), max_size=1),
)
targets = st.one_of(
    st.integers(0, 3 * 86400).map(lambda s: Duration(float(s), "s")),
    st.integers(0, 3).map(lambda n: Duration(float(n), "bd")),
)
# Instants on a coarse grid (so groups share instants) plus a few odd seconds.
instants = st.one_of(
    st.integers(0, 14 * 24 * 4).map(lambda q: BASE + q * 900),
    st.integers(0, 14 * 86400).map(lambda s: BASE + s),
)
rows = st.tuples(
    instants, st.none() | st.sampled_from(EVENTS), st.none() | st.sampled_from(STATES)
).filter(lambda r: r[1] is not None or r[2] is not None)
cases = st.dictionaries(st.sampled_from(["A", "B", "C", "D"]), st.lists(rows, max_size=9), min_size=1)


def frame(data: dict[str, list[tuple[int, str | None, str | None]]]) -> pl.DataFrame:
    out = [
        {"case_id": case, "at": at * 1_000_000, "event": ev, "state": state, "seq": i}
        for case, events in data.items()
        for i, (at, ev, state) in enumerate(events)
    ]
    schema = {"case_id": pl.Utf8, "at": pl.Int64, "event": pl.Utf8, "state": pl.Utf8, "seq": pl.Int64}
    return pl.DataFrame(out, schema=schema).with_columns(pl.col("at").cast(pl.Datetime("us", "UTC")))


def reference_crossing(events: list[ClockEvent], clock: Clock, target: Duration, time: str,
                       as_of: int, share: float) -> int | None:
    """When an escalation trigger at ``share`` of the target fires, by the reference clock."""
    res = run_clock(events, clock, target, CALENDAR, time=time, as_of=as_of, trace=False)
    if res.status in ("cancelled", "not_started"):
        return None
    if share < 1:
        threshold = int(res.target * share)
        res = run_clock(events, clock, Duration(float(threshold), "s"), CALENDAR, time=time,
                        as_of=as_of, trace=False)
    crossed = [*res.breaches_before_reset, *([res.breached_at] if res.breached_at else [])]
    return min(crossed) if crossed else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    clock=clocks,
    target=targets,
    time=st.sampled_from(["business", "calendar"]),
    data=cases,
    as_of_offset=st.integers(0, 16 * 86400),
    share=st.sampled_from([0.5, 0.8, 1.0]),
)
def test_vectorised_clocks_equal_the_reference_clock(
    clock: Clock, target: Duration, time: str, data: dict, as_of_offset: int, share: float
) -> None:
    as_of = BASE + as_of_offset
    events = frame(data)
    upto = events.filter(pl.col("at").dt.epoch("s") <= as_of)
    cycles = run_clocks(upto, clock, CALENDAR, time=time, as_of=as_of)  # type: ignore[arg-type]
    got = {r["case_id"]: r for r in cycles.results(target).iter_rows(named=True)}
    crossed = dict(cycles.first_crossing(target, share).iter_rows())
    for case, rows_ in data.items():
        clock_events = [ClockEvent(at, ev, state) for at, ev, state in rows_]
        ref = run_clock(clock_events, clock, target, CALENDAR, time=time, as_of=as_of,  # type: ignore[arg-type]
                        trace=False)
        if ref.status in ("cancelled", "not_started"):
            assert case not in got, (case, ref.status)
        else:
            mine = got[case]
            assert mine["status"] == ref.status, case
            assert (mine["elapsed"], mine["target"]) == (ref.elapsed, ref.target), case
            assert (mine["started_at"], mine["stopped_at"]) == (ref.started_at, ref.stopped_at)
            assert mine["deadline"] == ref.deadline, case
            assert mine["paused"] == ref.paused, case
        expected = reference_crossing(clock_events, clock, target, time, as_of, share)  # type: ignore[arg-type]
        assert crossed.get(case) == expected, case


def test_a_pause_state_left_for_another_state_resumes_the_clock() -> None:
    # Pinned example: 09:00 start, 10:00 enter the pause state, 11:00 enter another state,
    # 12:00 stop → 2 h counted (business hours 09:00-12:00 that Monday).
    clock = Clock(start=[Condition(event="e1")], stop=[Condition(event="e2")],
                  pause=[Condition(state="s1")])
    h = 3600
    data = {"A": [(BASE + h, "e1", None), (BASE + 2 * h, None, "s1"), (BASE + 3 * h, None, "s2"),
                  (BASE + 4 * h, "e2", None)]}
    res = run_clocks(frame(data), clock, CALENDAR, time="business", as_of=BASE + 10 * h)
    row = res.results(Duration(2 * h, "s")).row(0, named=True)
    assert (row["status"], row["elapsed"]) == ("met", 2 * h)


FULL_CLOCK = Clock(
    start=[Condition(event="e1")],
    stop=[Condition(event="e2"), Condition(state="s3")],
    pause=[Condition(event="e3"), Condition(state="s2")],
    resume=[Condition(state="s1")],
    reset=[Condition(event="e4")],
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=targets, data=cases, as_of_offset=st.integers(0, 16 * 86400))
def test_every_clock_rule_together_equals_the_reference(target: Duration, data: dict,
                                                         as_of_offset: int) -> None:
    # One clock that uses every kind of condition, so resets that clear an event pause, stops
    # by state and pauses by state and event meet often.
    as_of = BASE + as_of_offset
    upto = frame(data).filter(pl.col("at").dt.epoch("s") <= as_of)
    got = {r["case_id"]: r for r in run_clocks(upto, FULL_CLOCK, CALENDAR, time="business",
                                              as_of=as_of).results(target).iter_rows(named=True)}
    for case, rows_ in data.items():
        ref = run_clock([ClockEvent(*r) for r in rows_], FULL_CLOCK, target, CALENDAR,
                        as_of=as_of, trace=False)
        if ref.status == "not_started":
            assert case not in got
            continue
        mine = got[case]
        assert (mine["status"], mine["elapsed"], mine["target"], mine["deadline"],
                mine["paused"]) == (ref.status, ref.elapsed, ref.target, ref.deadline, ref.paused)
