"""Brute-force oracles: walk real time minute by minute, asking zoneinfo what the wall clock says.

Independent of the engine's interval machinery: no offset tables, no prefix sums. Exact for
calendars whose hours are whole minutes in zones whose transitions fall on whole minutes
(every modern zone), because then working status is constant within each real minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from svcstd.spec.model import WEEKDAYS, Calendar

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


class MinuteOracle:
    """Working status of each real minute of a spec calendar."""

    def __init__(self, cal: Calendar) -> None:
        self.cal = cal
        self.tz = ZoneInfo(cal.timezone)
        self.holiday = {}
        for h in cal.holidays:
            d = h.first
            while d <= h.last:
                self.holiday.setdefault(d, h.name)
                d += dt.timedelta(days=1)
        self.makeup = {w.date: w.hours_of for w in cal.workdays}
        self._cache: dict[int, bool] = {}

    def day_ranges(self, date: dt.date) -> list[tuple[int, int]]:
        if date in self.holiday:
            return []
        weekday = self.makeup.get(date, WEEKDAYS[date.weekday()])
        return [(r.start, r.end) for r in self.cal.week.get(weekday, [])]

    def local(self, minute_start: int) -> tuple[dt.date, int]:
        t = dt.datetime.fromtimestamp(minute_start, self.tz)
        return t.date(), t.hour * 3600 + t.minute * 60 + t.second

    def working_minute(self, m: int) -> bool:
        """Whether real minute ``[m, m+60)`` (``m`` a multiple of 60) is working time."""
        hit = self._cache.get(m)
        if hit is None:
            date, sec = self.local(m)
            hit = any(a <= sec < b for a, b in self.day_ranges(date))
            self._cache[m] = hit
        return hit

    def duration(self, start: int, end: int, counts: Callable[[int], bool] | None = None) -> int:
        """Business seconds in ``[start, end)``; ``counts(m)`` may veto minutes (paused)."""
        total = 0
        m = start - start % 60
        while m < end:
            lo, hi = max(m, start), min(m + 60, end)
            if hi > lo and self.working_minute(m) and (counts is None or counts(m)):
                total += hi - lo
            m += 60
        return total

    def earliest(
        self,
        start: int,
        seconds: int,
        counts: Callable[[int], bool] | None = None,
        limit: int = 60 * 86400,
    ) -> int:
        """Earliest ``t >= start`` with ``duration(start, t) >= seconds`` (walks forward)."""
        if seconds <= 0:
            return start
        total = 0
        m = start - start % 60
        while m < start + limit:
            lo, hi = max(m, start), m + 60
            if self.working_minute(m) and (counts is None or counts(m)):
                if total + (hi - lo) >= seconds:
                    return lo + (seconds - total)
                total += hi - lo
            m += 60
        raise AssertionError("oracle: deadline beyond the walk limit")

    def working_days(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, int, int]]:
        """(date, first working second, business seconds) of each working local date."""
        out = []
        lo = int(
            (dt.datetime.combine(first, dt.time(), self.tz) - dt.timedelta(days=1)).timestamp()
        )
        hi = int((dt.datetime.combine(last, dt.time(), self.tz) + dt.timedelta(days=2)).timestamp())
        days: dict[dt.date, list[int]] = {}
        for m in range(lo - lo % 60, hi, 60):
            if self.working_minute(m):
                date, _ = self.local(m)
                days.setdefault(date, []).append(m)
        for date in sorted(days):
            if first <= date <= last:
                out.append((date, min(days[date]), 60 * len(days[date])))
        return out
