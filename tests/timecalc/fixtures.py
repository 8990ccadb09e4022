"""Fixture calendars of the time-engine tests (independent of the bundled standards)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from svcstd.spec.model import Calendar
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.instants import iso, parse_instant

WEEKDAYS5 = ("mon", "tue", "wed", "thu", "fri")
OFFICE_HOURS = ["09:00-12:00", "13:30-18:00"]


def spec(id: str, timezone: str, week: dict[str, Any], **kw: Any) -> Calendar:
    return Calendar(id=id, title=f"{id} calendar", timezone=timezone, week=week, **kw)


def office(**kw: Any) -> Calendar:
    """Shanghai office hours with a lunch break, National Day 2026 and its make-up Saturday."""
    kw.setdefault("holidays", [
        {"name": "国庆节", "from": dt.date(2026, 10, 1), "to": dt.date(2026, 10, 7)},
        {"name": "元旦", "date": dt.date(2027, 1, 1)},
        {"name": "春节", "from": dt.date(2026, 2, 15), "to": dt.date(2026, 2, 23)},
    ])  # fmt: skip
    kw.setdefault(
        "workdays", [{"date": dt.date(2026, 10, 10), "name": "国庆节调休", "hours_of": "fri"}]
    )
    return spec("office", "Asia/Shanghai", {d: OFFICE_HOURS for d in WEEKDAYS5}, **kw)


def always(timezone: str) -> Calendar:
    return spec(
        "always",
        timezone,
        {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )


def T(text: str) -> int:
    """An instant from ISO text with offset."""
    return parse_instant(text)


def at(cal: BusinessCalendar, seconds: Any) -> str:
    return iso(int(seconds), cal.timezone)


def build(cal: Calendar) -> BusinessCalendar:
    return BusinessCalendar.from_spec(cal)
