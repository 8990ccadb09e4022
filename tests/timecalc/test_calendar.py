"""Pinned instants for the ways service desks get business time wrong."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest

from svcstd.errors import SvcstdError
from svcstd.spec.duration import Duration
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.instants import format_duration, to_epoch
from svcstd.timecalc.limits import add_months, deadline

from .fixtures import WEEKDAYS5, T, always, at, build, office, spec

H = 3600


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return build(office())


# -- weekends, lunch, holidays, make-up days -------------------------------------------------


@pytest.mark.parametrize(
    ("start", "seconds", "due"),
    [
        # lunch break: 11:30 + 1h skips 12:00-13:30
        ("2026-11-23T11:30:00+08:00", H, "2026-11-23T14:00:00+08:00"),
        # weekend: Friday 17:00 + 2h is Monday 10:00
        ("2026-11-20T17:00:00+08:00", 2 * H, "2026-11-23T10:00:00+08:00"),
        # a deadline at closing time is 18:00, not the next morning
        ("2026-11-20T17:00:00+08:00", H, "2026-11-20T18:00:00+08:00"),
        # started outside hours: counting begins at opening
        ("2026-11-21T03:00:00+08:00", 30 * 60, "2026-11-23T09:30:00+08:00"),
        # holiday range 1-7 October (Thu-Wed): 30 Sep 17:00 + 2h = 8 Oct 10:00 ... but the
        # make-up Saturday 10 Oct is later, so it does not matter here
        ("2026-09-30T17:00:00+08:00", 2 * H, "2026-10-08T10:00:00+08:00"),
        # make-up Saturday: Friday 9 Oct 17:00 + 2h = Saturday 10 Oct 10:00
        ("2026-10-09T17:00:00+08:00", 2 * H, "2026-10-10T10:00:00+08:00"),
        # year end with New Year's Day on a Friday: 31 Dec 17:00 + 2h = Monday 4 Jan 10:00
        ("2026-12-31T17:00:00+08:00", 2 * H, "2027-01-04T10:00:00+08:00"),
        # an offset other than the calendar's is the same instant
        ("2026-11-23T02:30:00+00:00", H, "2026-11-23T11:30:00+08:00"),
        # zero is the start itself
        ("2026-11-21T03:00:00+08:00", 0, "2026-11-21T03:00:00+08:00"),
    ],
)
def test_business_deadlines(cn: BusinessCalendar, start: str, seconds: int, due: str) -> None:
    got = cn.add_business(T(start), seconds)
    assert at(cn, got) == due
    assert int(cn.business_seconds(T(start), got)) == seconds


def test_durations_over_holiday_weekend_and_lunch(cn: BusinessCalendar) -> None:
    # Spring Festival 15-23 Feb 2026 has 0 business seconds
    assert int(cn.business_seconds(T("2026-02-14T18:00+08:00"), T("2026-02-24T09:00+08:00"))) == 0
    # one ordinary week is 5 x 7.5 h
    assert (
        int(cn.business_seconds(T("2026-11-23T00:00+08:00"), T("2026-11-30T00:00+08:00")))
        == 37.5 * H
    )
    # the National Day week with its make-up Saturday: Mon 28 Sep .. Sun 11 Oct
    got = cn.business_seconds(T("2026-09-28T00:00+08:00"), T("2026-10-12T00:00+08:00"))
    assert int(got) == (3 + 2 + 1) * 7.5 * H  # Mon-Wed 28-30 Sep, Thu 8-Fri 9, Sat 10 (make-up)


def test_trace_names_holidays_and_make_up_days(cn: BusinessCalendar) -> None:
    pieces = cn.pieces(T("2026-09-30T17:00+08:00"), T("2026-10-10T10:00+08:00"))
    reasons = [(at(cn, p.start), p.counted, p.reason) for p in pieces]
    assert reasons[:3] == [
        ("2026-09-30T17:00:00+08:00", True, "working hours"),
        ("2026-09-30T18:00:00+08:00", False, "outside working hours"),
        ("2026-10-01T00:00:00+08:00", False, "holiday: 国庆节"),
    ]
    assert reasons[3] == ("2026-10-08T00:00:00+08:00", False, "outside working hours")
    assert reasons[-1] == ("2026-10-10T09:00:00+08:00", True, "make-up working day: 国庆节调休")
    assert sum(p.end - p.start for p in pieces if p.counted) == int(
        cn.business_seconds(T("2026-09-30T17:00+08:00"), T("2026-10-10T10:00+08:00"))
    )


def test_holiday_wins_over_a_make_up_day_on_the_same_date() -> None:
    cal = build(office(workdays=[{"date": dt.date(2026, 10, 3), "name": "x", "hours_of": "mon"}]))
    assert int(cal.business_seconds(T("2026-10-03T00:00+08:00"), T("2026-10-04T00:00+08:00"))) == 0


# -- leap day, 24:00, span ---------------------------------------------------------------------


def test_leap_day_is_an_ordinary_working_day() -> None:
    cal = build(office(holidays=[], workdays=[]))
    # Monday 28 Feb 2028 17:00 + 2h = Tuesday 29 Feb 10:00
    assert (
        at(cal, cal.add_business(T("2028-02-28T17:00+08:00"), 2 * H)) == "2028-02-29T10:00:00+08:00"
    )
    feb29_off = build(
        office(holidays=[{"name": "leap", "date": dt.date(2028, 2, 29)}], workdays=[])
    )
    assert at(feb29_off, feb29_off.add_business(T("2028-02-28T17:00+08:00"), 2 * H)) == (
        "2028-03-01T10:00:00+08:00"
    )
    # across the leap day in pure calendar time: 29 Feb exists
    assert int(cal.business_seconds(T("2028-02-26T00:00+08:00"), T("2028-03-04T00:00+08:00"))) == (
        5 * 7.5 * H
    )


def test_hours_ending_at_24_00_join_the_next_morning() -> None:
    night = build(spec("night", "Asia/Shanghai", {"mon": ["18:00-24:00"], "tue": ["00:00-02:00"]}))
    assert (
        at(night, night.add_business(T("2026-11-23T23:00+08:00"), 2 * H))
        == "2026-11-24T01:00:00+08:00"
    )
    pieces = night.pieces(T("2026-11-23T20:00+08:00"), T("2026-11-24T03:00+08:00"))
    assert [(at(night, p.start), at(night, p.end), p.counted) for p in pieces] == [
        ("2026-11-23T20:00:00+08:00", "2026-11-24T02:00:00+08:00", True),
        ("2026-11-24T02:00:00+08:00", "2026-11-24T03:00:00+08:00", False),
    ]


def test_instants_outside_the_span_are_an_error(cn: BusinessCalendar) -> None:
    with pytest.raises(SvcstdError, match="outside the span of calendar 'office'"):
        cn.prefix(T("1960-01-01T00:00Z"))


def test_a_calendar_without_hours_never_falls_due() -> None:
    closed = build(spec("closed", "UTC", {}))
    assert int(closed.business_seconds(T("2026-01-01T00:00Z"), T("2027-01-01T00:00Z"))) == 0
    with pytest.raises(SvcstdError, match="no working hours"):
        closed.add_business(T("2026-01-01T00:00Z"), 1)


def test_negative_durations_are_refused(cn: BusinessCalendar) -> None:
    with pytest.raises(SvcstdError, match="negative"):
        cn.add_business(T("2026-01-05T10:00+08:00"), -1)


def test_building_the_default_span_is_cheap() -> None:
    cal = office()
    build(cal)  # warm the zone's offset cache
    t0 = time.perf_counter()
    built = BusinessCalendar.from_spec(cal)
    assert time.perf_counter() - t0 < 1.0  # generous: ~10 ms on a laptop; not a benchmark
    assert built.span[0] < T("1970-01-04T00:00Z") and built.span[1] > T("2099-12-28T00:00Z")


# -- daylight saving ---------------------------------------------------------------------------


def test_spring_forward_day_is_23_hours_and_fall_back_day_25() -> None:
    berlin = build(always("Europe/Berlin"))
    assert (
        int(berlin.business_seconds(T("2026-03-28T12:00+01:00"), T("2026-03-29T12:00+02:00")))
        == 23 * H
    )
    assert (
        int(berlin.business_seconds(T("2026-10-24T12:00+02:00"), T("2026-10-25T12:00+01:00")))
        == 25 * H
    )
    # 24 business hours from Saturday noon is Sunday 13:00 (wall clock) in spring ...
    assert (
        at(berlin, berlin.add_business(T("2026-03-28T12:00+01:00"), 24 * H))
        == "2026-03-29T13:00:00+02:00"
    )
    # ... and Sunday 11:00 in autumn
    assert (
        at(berlin, berlin.add_business(T("2026-10-24T12:00+02:00"), 24 * H))
        == "2026-10-25T11:00:00+01:00"
    )


def test_working_hours_in_the_gap_are_shortened_and_in_the_overlap_lengthened() -> None:
    small_hours = build(spec("small", "Europe/Berlin", {"sun": ["01:00-04:00"]}))

    def day(d: tuple[int, int, int]) -> int:
        midnight = to_epoch(dt.datetime(*d, 0, 0), "Europe/Berlin")
        return int(small_hours.business_seconds(midnight, midnight + 6 * H))

    assert day((2026, 3, 22)) == 3 * H  # an ordinary Sunday
    assert day((2026, 3, 29)) == 2 * H  # 02:00-03:00 does not exist
    assert day((2026, 10, 25)) == 4 * H  # 02:00-03:00 happens twice, each real second counts
    # deadline inside the repeated hour: 1h30 after 01:00 CEST is 02:30 CEST (first pass),
    # 2h30 after it is 02:30 CET (second pass)
    start = T("2026-10-25T01:00+02:00")
    assert at(small_hours, small_hours.add_business(start, 90 * 60)) == "2026-10-25T02:30:00+02:00"
    assert at(small_hours, small_hours.add_business(start, 150 * 60)) == "2026-10-25T02:30:00+01:00"
    # spring: 1h30 after 01:00 CET is 03:30 CEST (the gap hour is skipped)
    assert at(small_hours, small_hours.add_business(T("2026-03-29T01:00+01:00"), 90 * 60)) == (
        "2026-03-29T03:30:00+02:00"
    )


def test_office_hours_follow_the_wall_clock_across_dst() -> None:
    ny = build(spec("ny", "America/New_York", {d: ["09:00-17:00"] for d in WEEKDAYS5}))
    # Friday 16:00 EST + 2h = Monday 10:00 EDT (clocks went forward on Sunday 8 March)
    assert (
        at(ny, ny.add_business(T("2026-03-06T16:00-05:00"), 2 * H)) == "2026-03-09T10:00:00-04:00"
    )
    # and back on Sunday 1 November
    assert (
        at(ny, ny.add_business(T("2026-10-30T16:00-04:00"), 2 * H)) == "2026-11-02T10:00:00-05:00"
    )


def test_lord_howe_shifts_by_half_an_hour() -> None:
    lh = build(always("Australia/Lord_Howe"))
    # 5 April 2026 02:00 +11:00 becomes 01:30 +10:30: the day has 24.5 hours
    assert (
        int(lh.business_seconds(T("2026-04-04T12:00+11:00"), T("2026-04-05T12:00+10:30")))
        == 24.5 * H
    )
    # 4 October 2026 02:00 +10:30 becomes 02:30 +11:00: 23.5 hours
    assert (
        int(lh.business_seconds(T("2026-10-03T12:00+10:30"), T("2026-10-04T12:00+11:00")))
        == 23.5 * H
    )


# -- business days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-11-23T10:00:00+08:00", 2, "2026-11-25T10:00:00+08:00"),  # Mon 10:00 → Wed 10:00
        ("2026-11-23T15:00:00+08:00", 1, "2026-11-24T15:00:00+08:00"),  # afternoon offset kept
        ("2026-11-21T11:00:00+08:00", 1, "2026-11-23T18:00:00+08:00"),  # Saturday → close of Monday
        ("2026-11-20T20:00:00+08:00", 1, "2026-11-23T18:00:00+08:00"),  # after hours → close of Mon
        ("2026-11-23T07:00:00+08:00", 1, "2026-11-23T18:00:00+08:00"),  # before opening → same day
        ("2026-11-23T09:00:00+08:00", 1, "2026-11-23T18:00:00+08:00"),  # at opening → its close
        ("2026-11-23T12:45:00+08:00", 1, "2026-11-24T12:00:00+08:00"),  # in lunch → before lunch
        ("2026-09-30T10:00:00+08:00", 1, "2026-10-08T10:00:00+08:00"),  # over National Day
        ("2026-10-09T10:00:00+08:00", 1, "2026-10-10T10:00:00+08:00"),  # make-up Saturday counts
        ("2026-11-23T10:00:00+08:00", 0, "2026-11-23T10:00:00+08:00"),
    ],
)
def test_business_days(cn: BusinessCalendar, start: str, days: int, due: str) -> None:
    assert at(cn, cn.add_business_days(T(start), days)) == due


def test_fractional_business_days_are_refused(cn: BusinessCalendar) -> None:
    with pytest.raises(SvcstdError, match="whole number"):
        deadline(cn, T("2026-11-23T10:00+08:00"), Duration(1.5, "bd"))


# -- calendar time ----------------------------------------------------------------------------


def test_calendar_time_units() -> None:
    berlin = build(always("Europe/Berlin"))
    start = T("2026-03-28T12:00+01:00")
    # fixed units are elapsed seconds: 24h after Saturday noon is Sunday 13:00 CEST
    assert (
        at(berlin, deadline(berlin, start, Duration(24, "h"), "calendar"))
        == "2026-03-29T13:00:00+02:00"
    )
    # months keep the wall clock and clamp to the month's end
    assert (
        at(berlin, add_months(T("2026-01-31T10:00+01:00"), 1, "Europe/Berlin"))
        == "2026-02-28T10:00:00+01:00"
    )
    assert at(berlin, deadline(berlin, T("2028-02-29T10:00+01:00"), Duration(1, "y"))) == (
        "2029-02-28T10:00:00+01:00"
    )
    # a wall-clock time in the spring gap moves forward by the gap
    assert at(berlin, add_months(T("2026-01-29T02:30+01:00"), 2, "Europe/Berlin")) == (
        "2026-03-29T03:30:00+02:00"
    )
    # and one in the autumn overlap takes the first occurrence
    assert at(berlin, add_months(T("2026-09-25T02:30+02:00"), 1, "Europe/Berlin")) == (
        "2026-10-25T02:30:00+02:00"
    )


# -- instants ----------------------------------------------------------------------------------


def test_naive_datetimes_need_a_zone(cn: BusinessCalendar) -> None:
    naive = dt.datetime(2026, 11, 23, 10, 0)
    with pytest.raises(SvcstdError, match="naive timestamp"):
        cn.deadline(naive, H)
    assert cn.deadline(naive, H, tz="Asia/Shanghai").isoformat() == "2026-11-23T11:00:00+08:00"
    with pytest.raises(SvcstdError, match="does not exist in Europe/Berlin"):
        to_epoch(dt.datetime(2026, 3, 29, 2, 30), "Europe/Berlin")
    with pytest.raises(SvcstdError, match="is ambiguous in Europe/Berlin"):
        to_epoch(dt.datetime(2026, 10, 25, 2, 30), "Europe/Berlin")
    with pytest.raises(SvcstdError, match="unknown IANA time zone"):
        to_epoch(naive, "Mars/Olympus")


def test_scalar_wrappers(cn: BusinessCalendar) -> None:
    start = dt.datetime(2026, 11, 20, 17, 0, tzinfo=cn.zone)
    assert cn.duration(start, dt.datetime(2026, 11, 23, 10, 0, tzinfo=cn.zone)) == 2 * H
    assert cn.deadline_days(start, 1).isoformat() == "2026-11-23T17:00:00+08:00"
    # sub-second parts are truncated
    assert to_epoch(dt.datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=dt.UTC)) == to_epoch(
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 59, 60, 3600, 9000, 95400, 3661)] == [
        "0s",
        "59s",
        "1min",
        "1h",
        "2h30min",
        "26h30min",
        "1h1min1s",
    ]


def test_vectorised_calls_accept_arrays(cn: BusinessCalendar) -> None:
    starts = np.array([T("2026-11-20T17:00+08:00"), T("2026-11-23T11:30+08:00")])
    assert [at(cn, t) for t in cn.add_business(starts, [2 * H, H])] == [
        "2026-11-23T10:00:00+08:00",
        "2026-11-23T14:00:00+08:00",
    ]
    assert cn.is_working(starts).tolist() == [True, True]


def test_bucketed_index_equals_searchsorted() -> None:
    from svcstd.timecalc.index import SortedIndex

    rng = np.random.default_rng(7)
    samples = (
        np.sort(rng.integers(0, 10**6, 500)),
        np.array([5, 5, 5, 9]),
        np.array([], dtype=np.int64),
        np.cumsum(rng.integers(0, 3, 300)),
    )
    for keys in samples:
        keys = keys.astype(np.int64)
        q = rng.integers(-100, 10**6 + 100, 5000).astype(np.int64)
        q = np.concatenate([q, keys, keys - 1, keys + 1])
        for side in ("left", "right"):
            assert (
                SortedIndex.build(keys, side).count(q) == np.searchsorted(keys, q, side=side)
            ).all()
