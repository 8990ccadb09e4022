"""Hypothesis strategies: random calendars around real DST transitions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from svcstd.spec.model import WEEKDAYS, Calendar
from svcstd.timecalc.calendar import BusinessCalendar

#: Zones and local dates of 2026 near which the window starts: DST changes both ways, Lord
#: Howe's 30-minute shift, and Shanghai (no DST) as a control.
ANCHORS: dict[str, list[dt.date]] = {
    "Europe/Berlin": [dt.date(2026, 3, 29), dt.date(2026, 10, 25)],
    "America/New_York": [dt.date(2026, 3, 8), dt.date(2026, 11, 1)],
    "Australia/Lord_Howe": [dt.date(2026, 4, 5), dt.date(2026, 10, 4)],
    "Asia/Shanghai": [dt.date(2026, 2, 17), dt.date(2026, 10, 1)],
}
WINDOW_DAYS = 12


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    """0-3 ranges on a 15-minute grid, including 00:00 and 24:00 and the DST small hours."""
    marks = draw(st.lists(st.integers(0, 96), min_size=0, max_size=6, unique=True))
    if len(marks) % 2:
        marks = marks[:-1]
    marks = sorted(m * 15 for m in marks)
    return [f"{_hm(a)}-{_hm(b)}" for a, b in zip(marks[::2], marks[1::2], strict=True)]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Calendar, int]:
    """A random spec calendar and the window's first instant (UTC epoch seconds)."""
    tz = draw(st.sampled_from(sorted(ANCHORS)))
    anchor = draw(st.sampled_from(ANCHORS[tz]))
    first = anchor - dt.timedelta(days=draw(st.integers(0, 4)))
    week = {}
    for day in WEEKDAYS:
        hours = draw(day_hours())
        if hours:
            week[day] = hours
    dates = st.integers(0, WINDOW_DAYS).map(lambda n: first + dt.timedelta(days=n))
    holidays = []
    for i, start in enumerate(draw(st.lists(dates, max_size=3))):
        length = draw(st.integers(0, 2))
        if length:
            holidays.append(
                {"name": f"h{i}", "from": start, "to": start + dt.timedelta(days=length)}
            )
        else:
            holidays.append({"name": f"h{i}", "date": start})
    workdays = [
        {"date": d, "name": f"m{i}", "hours_of": draw(st.sampled_from(WEEKDAYS))}
        for i, d in enumerate(draw(st.lists(dates, max_size=2, unique=True)))
    ]
    cal = Calendar(
        id="random",
        title="random calendar",
        timezone=tz,
        week=week,
        holidays=holidays,
        workdays=workdays,
    )
    start = int(dt.datetime.combine(first, dt.time(), ZoneInfo(tz)).timestamp())
    return cal, start


def build(cal: Calendar) -> BusinessCalendar:
    """A narrow span keeps the property tests fast; the default span is tested elsewhere."""
    return BusinessCalendar.from_spec(cal, first_year=2024, last_year=2028)
