"""Business calendars: working time as sorted UTC intervals and a prefix function over them.

:class:`BusinessCalendar` materialises a spec :class:`~svcstd.spec.model.Calendar` (weekly
hours, holidays, make-up working days, IANA time zone) as disjoint, sorted working intervals in
real time (UTC epoch seconds) over a span of years, and answers every question with numpy over
arrays of instants:

- ``B(t)`` (:meth:`BusinessCalendar.prefix`): business seconds between the span's start and
  ``t``. A business duration is ``B(end) - B(start)``; a deadline is the earliest ``t`` with
  ``B(t) >= B(start) + d``, found by a bucketed binary search (:mod:`svcstd.timecalc.index`).
- Business days (``bd``): see :meth:`BusinessCalendar.add_business_days`.

Rules of the calendar (the manual states them):

- A *local date* is working when its weekday has hours, unless it is a holiday; a make-up
  working day (调休) has the hours of its ``hours_of`` weekday. A date listed both as holiday
  and as make-up day is a holiday (lint should flag the contradiction).
- ``24:00`` ends a day; hours ending at 24:00 and starting at 00:00 the next day join.
- Daylight saving (see :mod:`svcstd.timecalc.zones`): a real second counts when its local
  wall-clock time lies within the hours of its local date. Hours inside a spring-forward gap
  are not counted; hours repeated by a fall-back are counted once per real second (twice on
  the wall clock).
- Resolution is one second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from svcstd.errors import SvcstdError
from svcstd.spec.model import WEEKDAYS, Calendar
from svcstd.timecalc.index import SortedIndex
from svcstd.timecalc.instants import from_epoch, iso, to_epoch
from svcstd.timecalc.zones import DAY, I64, OffsetHistory, offset_history, zone

#: Default span of materialised years. Data outside it (holidays, make-up days) widens it.
FIRST_YEAR = 1970
LAST_YEAR = 2099
_ORD_EPOCH = dt.date(1970, 1, 1).toordinal()

OUTSIDE_HOURS = "outside working hours"
WORKING = "working hours"


def _day(date: dt.date) -> int:
    return date.toordinal() - _ORD_EPOCH


class Piece(NamedTuple):
    """A stretch of real time that is all working or all not, with the reason."""

    start: int
    end: int
    counted: bool
    reason: str


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    """Working time of one calendar as sorted, disjoint real intervals with prefix sums.

    Build with :meth:`from_spec`. All array methods take instants as UTC epoch seconds (any
    integer array-like) and return ``int64`` arrays; instants outside :attr:`span` raise
    :class:`SvcstdError`.
    """

    id: str
    timezone: str
    #: Real instants for which the calendar is materialised: ``[lo, hi]``.
    span: tuple[int, int]
    starts: I64
    ends: I64
    #: Business seconds before ``starts[i]`` (prefix sums).
    cum: I64
    #: Working days (local dates with working time), in date order: local day number,
    #: first working second, ``B`` at that second, and business seconds of the day.
    day_number: I64
    day_open: I64
    day_b_open: I64
    day_hours: I64
    history: OffsetHistory
    #: Holidays and make-up days as real intervals of their local dates, with their names.
    holiday_spans: tuple[tuple[int, int, str], ...]
    makeup_spans: tuple[tuple[int, int, str], ...]
    #: Fast searchsorted over ``starts`` (right), prefix ends (left) and ``day_open`` (right).
    _by_start: SortedIndex = field(repr=False)
    _by_cum_end: SortedIndex = field(repr=False)
    _by_day_open: SortedIndex = field(repr=False)

    # ----------------------------------------------------------------------------------------
    # construction

    @classmethod
    def from_spec(
        cls, cal: Calendar, *, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
    ) -> BusinessCalendar:
        """Materialise ``cal`` for local dates from ``first_year`` through ``last_year``.

        The span widens to include every holiday and make-up day the calendar lists. Building
        the default 130 years takes a few tens of milliseconds (the zone's offset history is
        cached per process).
        """
        dates = [h.first for h in cal.holidays] + [h.last for h in cal.holidays]
        dates += [w.date for w in cal.workdays]
        if dates:
            first_year = min(first_year, min(dates).year)
            last_year = max(last_year, max(dates).year)
        d0 = _day(dt.date(first_year, 1, 1))
        d1 = _day(dt.date(last_year + 1, 1, 1))
        # two days of margin either side cover every UTC offset (at most ±26 h)
        history = offset_history(cal.timezone, (d0 - 2) * DAY, (d1 + 2) * DAY)
        lo, hi = (d0 + 2) * DAY, (d1 - 2) * DAY

        days = np.arange(d0, d1, dtype=np.int64)
        template = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        for makeup in cal.workdays:
            template[_day(makeup.date) - d0] = WEEKDAYS.index(makeup.hours_of)
        for h in cal.holidays:  # after make-up days: a holiday wins
            template[_day(h.first) - d0 : _day(h.last) - d0 + 1] = -1

        l1s, l2s, owners = [], [], []
        for w, name in enumerate(WEEKDAYS):
            ranges = cal.week.get(name) or []
            if not ranges:
                continue
            sel = days[template == w]
            for r in ranges:
                l1s.append(sel * DAY + r.start)
                l2s.append(sel * DAY + r.end)
                owners.append(sel)
        if l1s:
            l1, l2, owner = np.concatenate(l1s), np.concatenate(l2s), np.concatenate(owners)
        else:
            l1 = l2 = owner = np.zeros(0, dtype=np.int64)
        s, e, idx = history.wall_to_real(l1, l2)
        pday = owner[idx]
        order = np.argsort(s, kind="stable")
        s, e, pday = s[order], e[order], pday[order]

        # per working day: first working second and business seconds
        uday, inv = np.unique(pday, return_inverse=True)
        day_open = np.full(len(uday), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(day_open, inv, s)
        day_hours = np.bincount(inv, weights=(e - s), minlength=len(uday)).astype(np.int64)

        # merge touching pieces (24:00 → 00:00, lunch breaks of zero length, DST joins)
        if len(s):
            new = np.empty(len(s), dtype=bool)
            new[0] = True
            new[1:] = s[1:] != e[:-1]
            first = np.flatnonzero(new)
            last = np.append(first[1:] - 1, len(s) - 1)
            starts, ends = s[first], e[last]
        else:
            starts = ends = np.zeros(0, dtype=np.int64)
        lengths = ends - starts
        cum = np.zeros(len(starts), dtype=np.int64)
        np.cumsum(lengths[:-1], out=cum[1:])

        def spans(
            items: Sequence[tuple[dt.date, dt.date, str]],
        ) -> tuple[tuple[int, int, str], ...]:
            out = []
            for first_d, last_d, label in items:
                a = np.asarray([_day(first_d) * DAY])
                b = np.asarray([(_day(last_d) + 1) * DAY])
                ps, pe, _ = history.wall_to_real(a, b)
                if len(ps):
                    out.append((int(ps.min()), int(pe.max()), label))
            return tuple(sorted(out))

        cum_end = cum + lengths
        cal_obj = cls(
            id=cal.id,
            timezone=cal.timezone,
            span=(lo, hi),
            starts=starts,
            ends=ends,
            cum=cum,
            day_number=uday.astype(np.int64),
            day_open=day_open,
            day_b_open=np.zeros(0, dtype=np.int64),
            day_hours=day_hours,
            history=history,
            holiday_spans=spans([(h.first, h.last, f"holiday: {h.name}") for h in cal.holidays]),
            makeup_spans=spans(
                [(w.date, w.date, f"make-up working day: {w.name}") for w in cal.workdays]
            ),
            _by_start=SortedIndex.build(starts, "right"),
            _by_cum_end=SortedIndex.build(cum_end, "left"),
            _by_day_open=SortedIndex.build(day_open, "right"),
        )
        object.__setattr__(cal_obj, "day_b_open", cal_obj._prefix(day_open))
        return cal_obj

    # ----------------------------------------------------------------------------------------
    # basics

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's IANA zone."""
        return zone(self.timezone)

    def _instants(self, t: npt.ArrayLike, what: str = "instant") -> I64:
        arr = np.asarray(t, dtype=np.int64)
        if arr.size:
            lo, hi = self.span
            bad = (arr < lo) | (arr > hi)
            if bad.any():
                first = int(arr[bad].flat[0])
                raise SvcstdError(
                    f"{what} {iso(first, self.timezone)} is outside the span of calendar "
                    f"{self.id!r} ({iso(lo, self.timezone)} to {iso(hi, self.timezone)})"
                )
        return arr

    def _prefix(self, t: I64) -> I64:
        n = len(self.starts)
        if n == 0:
            return np.zeros(t.shape, dtype=np.int64)
        i = self._by_start.count(t) - 1
        ic = np.clip(i, 0, n - 1)
        b = self.cum[ic] + np.clip(t - self.starts[ic], 0, self.ends[ic] - self.starts[ic])
        return np.where(i < 0, 0, b)

    def prefix(self, t: npt.ArrayLike) -> I64:
        """``B(t)``: business seconds from the start of the span to each instant ``t``."""
        return self._prefix(self._instants(t))

    def is_working(self, t: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each instant ``t`` is a working second (``[t, t+1)`` is working time)."""
        arr = self._instants(t)
        if not len(self.starts):
            return np.zeros(arr.shape, dtype=bool)
        i = np.searchsorted(self.starts, arr, side="right") - 1
        return (i >= 0) & (arr < self.ends[np.clip(i, 0, None)])

    # ----------------------------------------------------------------------------------------
    # arithmetic

    def business_seconds(self, start: npt.ArrayLike, end: npt.ArrayLike) -> I64:
        """Business seconds from ``start`` to ``end``: ``B(end) - B(start)`` (< 0 if reversed)."""
        return self.prefix(end) - self.prefix(start)

    def _at_prefix(self, target: I64) -> I64:
        """The earliest instant ``t`` with ``B(t) >= target`` (for ``target > 0``)."""
        j = self._by_cum_end.count(target)
        if j.size and (j.max() >= len(self.starts)):
            if not len(self.starts):
                raise SvcstdError(
                    f"calendar {self.id!r} has no working hours: nothing ever falls due"
                )
            raise SvcstdError(
                f"deadline falls after the span of calendar {self.id!r} "
                f"(ends {iso(self.span[1], self.timezone)})"
            )
        return self.starts[j] + (target - self.cum[j])

    def add_business(self, start: npt.ArrayLike, seconds: npt.ArrayLike) -> I64:
        """Deadlines: for each ``start``, the earliest ``t`` with ``B(t) - B(start) >= seconds``.

        Zero seconds give ``start`` itself. The result satisfies
        ``business_seconds(start, t) == seconds``; for positive ``seconds`` it is the end of a
        working second (e.g. 18:00:00, not the next morning's 09:00:00).
        """
        s = self._instants(start, "start")
        d = np.asarray(seconds, dtype=np.int64)
        if d.size and d.min() < 0:
            raise SvcstdError("a duration cannot be negative")
        s, d = np.broadcast_arrays(s, d)
        target = self._prefix(s) + d
        positive = d > 0
        out = s.copy()
        if positive.any():
            out[positive] = self._at_prefix(target[positive])
        return out

    def add_business_days(self, start: npt.ArrayLike, days: npt.ArrayLike) -> I64:
        """Deadlines ``N`` business days (``bd``) after each ``start``.

        Definition: let *D* be the last working day whose first working second is at or before
        ``start`` (so a start on a weekend, a holiday, before opening or after closing belongs
        to the previous working day), and *o* the business time of *D* elapsed at ``start``
        (at most the day's hours). The deadline is the earliest instant at which the *N*-th
        working day after *D* has had ``min(o, its hours)`` of business time. In words: the
        same business-time offset into the *N*-th following working day; a start outside
        working hours counts from the end of the previous working day, so Saturday + 1bd is
        the close of Monday. ``N = 0`` gives ``start``.
        """
        s = self._instants(start, "start")
        n = np.asarray(days, dtype=np.int64)
        if n.size and n.min() < 0:
            raise SvcstdError("a number of business days cannot be negative")
        s, n = np.broadcast_arrays(s, n)
        out = s.copy()
        go = n > 0
        if not go.any():
            return out
        s, n = s[go], n[go]
        d = self._by_day_open.count(s) - 1
        k = d + n
        if d.min() < 0 or k.max() >= len(self.day_open):
            if not len(self.day_open):
                raise SvcstdError(
                    f"calendar {self.id!r} has no working days: nothing ever falls due"
                )
            raise SvcstdError(
                f"business-day deadline falls outside the span of calendar {self.id!r}"
            )
        o = np.minimum(self._prefix(s) - self.day_b_open[d], self.day_hours[d])
        target = self.day_b_open[k] + np.minimum(o, self.day_hours[k])
        out[go] = self._at_prefix(target)
        return out

    # ----------------------------------------------------------------------------------------
    # explanation

    def pieces(self, start: int, end: int) -> list[Piece]:
        """Cut ``[start, end)`` into working and non-working pieces, each with its reason.

        Reasons: ``working hours``, ``make-up working day: <name>``, ``holiday: <name>``,
        ``outside working hours``.
        """
        self._instants([start, end])
        out: list[Piece] = []
        i = int(np.searchsorted(self.ends, start, side="right"))
        cursor = start
        while cursor < end:
            if i < len(self.starts) and self.starts[i] <= cursor:
                stop = min(int(self.ends[i]), end)
                out += _label(cursor, stop, True, WORKING, self.makeup_spans)
                i += 1
            else:
                stop = min(int(self.starts[i]), end) if i < len(self.starts) else end
                out += _label(cursor, stop, False, OUTSIDE_HOURS, self.holiday_spans)
            cursor = stop
        return _merge(out)

    # ----------------------------------------------------------------------------------------
    # scalar conveniences over datetimes

    def duration(
        self, start: dt.datetime, end: dt.datetime, tz: ZoneInfo | str | None = None
    ) -> int:
        """Business seconds between two datetimes (aware, or naive with ``tz``)."""
        return int(self.business_seconds(to_epoch(start, tz), to_epoch(end, tz)))

    def deadline(
        self, start: dt.datetime, seconds: int, tz: ZoneInfo | str | None = None
    ) -> dt.datetime:
        """The deadline ``seconds`` of business time after ``start``, in the calendar's zone."""
        return from_epoch(int(self.add_business(to_epoch(start, tz), seconds)), self.timezone)

    def deadline_days(
        self, start: dt.datetime, days: int, tz: ZoneInfo | str | None = None
    ) -> dt.datetime:
        """The deadline ``days`` business days after ``start`` (see :meth:`add_business_days`)."""
        return from_epoch(int(self.add_business_days(to_epoch(start, tz), days)), self.timezone)


def _label(
    start: int, end: int, counted: bool, default: str, spans: tuple[tuple[int, int, str], ...]
) -> list[Piece]:
    """Split ``[start, end)`` by labelled spans; the rest gets ``default``."""
    out: list[Piece] = []
    cursor = start
    for s, e, label in spans:
        if e <= cursor or s >= end:
            if s >= end:
                break
            continue
        if s > cursor:
            out.append(Piece(cursor, s, counted, default))
        stop = min(e, end)
        out.append(Piece(max(s, cursor), stop, counted, label))
        cursor = stop
    if cursor < end:
        out.append(Piece(cursor, end, counted, default))
    return out


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if p.end <= p.start:
            continue
        if (
            out
            and out[-1].end == p.start
            and (out[-1].counted, out[-1].reason) == (p.counted, p.reason)
        ):
            out[-1] = out[-1]._replace(end=p.end)
        else:
            out.append(p)
    return out
