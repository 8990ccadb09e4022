"""Deadlines and elapsed time for any duration unit, in business or calendar time.

One dispatcher for the handbook's units (:class:`~svcstd.spec.duration.Duration`):

===========================  ==============================  ================================
unit                         ``time: business``              ``time: calendar``
===========================  ==============================  ================================
``s min h d w`` (fixed)      that many business seconds      that many elapsed seconds
``bd``                       N working days (same rule)      N working days (same rule)
``mo`` ``y``                 calendar months / years         calendar months / years
===========================  ==============================  ================================

Fixed units are exact seconds: ``1d`` of business time is 86 400 business seconds (three
working days of 8 h), which is rarely what a handbook means — write ``1bd``.
Months and years move the local date in the calendar's zone, keep the wall-clock time, and
clamp the day to the month's end (31 Jan + 1mo = 28/29 Feb); a wall-clock time that falls into
a DST gap moves forward by the gap, an ambiguous one takes its first occurrence.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import numpy.typing as npt

from svcstd.errors import SvcstdError
from svcstd.spec.duration import Duration
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.instants import from_epoch, to_epoch
from svcstd.timecalc.zones import DAY, I64, OffsetHistory, offset_history

TimeBasis = Literal["business", "calendar"]


def add_months(start: int, months: int, tz: str) -> int:
    """``start`` plus whole calendar months in zone ``tz`` (see module docstring)."""
    local = from_epoch(start, tz)
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    day = min(local.day, (nxt - dt.timedelta(days=1)).day)
    # fold=0 on a naive wall time: gap → offset before the change (moves forward), overlap →
    # the first occurrence. This is Python's documented behaviour, pinned by tests.
    moved = local.replace(tzinfo=None, year=year, month=month, day=day)
    return to_epoch(moved.replace(tzinfo=local.tzinfo, fold=0))


def add_months_many(start: npt.ArrayLike, months: int, tz: str) -> I64:
    """:func:`add_months` for many instants at once, with the same result for each.

    Local wall-clock times come from the zone's offset history (built from the same tz data
    as :func:`add_months` reads), the date moves in NumPy, and the new wall time is mapped back
    with the rule of ``fold=0``: in an overlap the first occurrence, in a gap the offset before
    the change.
    """
    s = np.asarray(start, dtype=np.int64).ravel()
    if len(s) == 0:
        return s.copy()
    # Whole UTC years around the instants and their results, so the history is reused.
    year = 365 * DAY
    lo = (int(s.min()) // year - 1) * year
    hi = (int(s.max()) // year + 2 + abs(months) // 12 + 1) * year
    if months < 0:
        lo -= (abs(months) // 12 + 1) * year
    if hi - lo > 400 * year:  # far-flung instants: the exact per-instant path
        return np.asarray([add_months(int(x), months, tz) for x in s], dtype=np.int64)
    hist = offset_history(tz, lo, hi)
    wall = s + hist.offset_at(s)
    day = wall // DAY
    tod = wall - day * DAY
    d = day.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    target = month + np.timedelta64(months, "M")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]")
              - target.astype("datetime64[D]")).astype(np.int64)  # fmt: skip
    new_day = target.astype("datetime64[D]").astype(np.int64) + np.minimum(dom, length - 1)
    local = new_day * DAY + tod
    return _wall_to_real_fold0(hist, local)


def _wall_to_real_fold0(hist: OffsetHistory, local: I64) -> I64:
    """The real instant of each naive wall time as ``fold=0`` reads it (see above)."""
    starts, offsets = hist.starts, hist.offsets
    ends = np.append(starts[1:], np.int64(hist.hi))
    n = len(starts)
    k_lo = np.clip(np.searchsorted(starts, local - offsets.max(), side="right") - 1, 0, n - 1)
    k_hi = np.clip(np.searchsorted(starts, local - offsets.min(), side="right") - 1, 0, n - 1)
    out = np.zeros(len(local), dtype=np.int64)
    found = np.zeros(len(local), dtype=bool)
    before = np.full(len(local), -1, dtype=np.int64)  # last segment the wall time is not before
    for j in range(int((k_hi - k_lo).max(initial=0)) + 1):
        k = k_lo + j
        ok = k <= k_hi
        kk = np.where(ok, k, 0)
        t = local - offsets[kk]
        after_start = ok & (t >= starts[kk])
        valid = after_start & (t < ends[kk]) & ~found
        out[valid] = t[valid]
        found |= valid
        before = np.where(after_start, kk, before)
    gap = ~found
    if gap.any():  # inside a gap: the offset before the change
        out[gap] = local[gap] - offsets[np.clip(before[gap], 0, n - 1)]
    return out


def _whole(duration: Duration) -> int:
    if not float(duration.amount).is_integer():
        raise SvcstdError(f"duration {duration}: {duration.unit} needs a whole number")
    return int(duration.amount)


def deadline(
    cal: BusinessCalendar, start: npt.ArrayLike, duration: Duration, time: TimeBasis = "business"
) -> I64:
    """Deadlines ``duration`` after each ``start`` (UTC epoch seconds)."""
    s = np.asarray(start, dtype=np.int64)
    if duration.amount < 0:
        raise SvcstdError(f"duration {duration} is negative")
    if duration.is_fixed:
        if time == "business":
            return cal.add_business(s, duration.seconds)
        return s + duration.seconds
    if duration.unit == "bd":
        return cal.add_business_days(s, _whole(duration))
    months = _whole(duration) * (12 if duration.unit == "y" else 1)
    return add_months_many(s, months, cal.timezone).reshape(s.shape)


def elapsed(
    cal: BusinessCalendar, start: npt.ArrayLike, end: npt.ArrayLike, time: TimeBasis = "business"
) -> I64:
    """Time from ``start`` to ``end`` as the clock measures it: business or elapsed seconds."""
    if time == "business":
        return cal.business_seconds(start, end)
    return np.asarray(end, dtype=np.int64) - np.asarray(start, dtype=np.int64)


def budget(
    cal: BusinessCalendar, start: npt.ArrayLike, duration: Duration, time: TimeBasis = "business"
) -> I64:
    """The target in the clock's measure, for a clock started at ``start``.

    Fixed units are their seconds. ``bd``, ``mo`` and ``y`` have no fixed length, so the target
    is the time the duration spans from ``start``: ``elapsed(start, deadline(start))``. A clock
    that pauses spends this budget more slowly; its deadline moves accordingly.
    """
    if duration.is_fixed:
        if duration.amount < 0:
            raise SvcstdError(f"duration {duration} is negative")
        return np.broadcast_to(np.int64(duration.seconds), np.shape(start)).astype(np.int64)
    return elapsed(cal, start, deadline(cal, start, duration, time), time)


def add(
    cal: BusinessCalendar, start: npt.ArrayLike, seconds: npt.ArrayLike, time: TimeBasis
) -> I64:
    """The earliest instant at which ``seconds`` of the clock's measure have passed."""
    if time == "business":
        return cal.add_business(start, seconds)
    return np.asarray(start, dtype=np.int64) + np.asarray(seconds, dtype=np.int64)
