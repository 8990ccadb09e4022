"""Worked examples of time limits, computed by the business-time engine.

The manual's examples are not written by hand: each is a deadline computed with the same
functions ``svcstd due`` and the checker use (:func:`svcstd.timecalc.business_calendar` and
:func:`svcstd.timecalc.deadline`), so an example printed in the manual cannot disagree with a
verdict. For every time limit the manual shows

- a case opened on a Friday afternoon (16:30 local time on the first working Friday of the
  release), and
- for business-time limits, a case opened on the last working afternoon before the first
  holiday of the release's year, with the interval trace: which stretches counted and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from svcstd.errors import SvcstdError
from svcstd.spec.model import Handbook, Holiday, TimeLimit
from svcstd.timecalc import business_calendar, deadline, format_duration, from_epoch, to_epoch
from svcstd.timecalc.calendar import BusinessCalendar

#: Local time of day at which example cases are opened.
OPENED_AT = dt.time(16, 30)
_SEARCH_DAYS = 370


@dataclass(frozen=True)
class TraceRow:
    """One stretch between opening and deadline, counted or not, with the reason."""

    start: str
    end: str
    counted: str  # "counted" / "not counted"
    reason: str
    length: str


@dataclass(frozen=True)
class WorkedExample:
    """A case opened at a given moment and the deadline the time limit gives it."""

    label: str
    opened: str
    due: str
    sentence: str
    trace: tuple[TraceRow, ...]


def _when(seconds: int, tz: str, *, with_date: bool = True) -> str:
    local = from_epoch(seconds, tz)
    clock = local.strftime("%H:%M:%S" if local.second else "%H:%M")
    return (
        f"{local.strftime('%a %Y-%m-%d')} {clock}"
        if with_date
        else f"{local.strftime('%a')} {clock}"
    )


def _opened(cal: BusinessCalendar, day: dt.date) -> int | None:
    try:
        t = to_epoch(dt.datetime.combine(day, OPENED_AT), cal.timezone)
    except SvcstdError:  # 16:30 skipped by a DST change
        return None
    lo, hi = cal.span
    if not lo <= t <= hi or not bool(cal.is_working([t])[0]):
        return None
    return t


def _first_working_friday(cal: BusinessCalendar, start: dt.date) -> int | None:
    day = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    for _ in range(60):
        t = _opened(cal, day)
        if t is not None:
            return t
        day += dt.timedelta(days=7)
    return None


def _before_holiday(cal: BusinessCalendar, holiday: Holiday) -> int | None:
    day = holiday.first - dt.timedelta(days=1)
    for _ in range(14):
        t = _opened(cal, day)
        if t is not None:
            return t
        day -= dt.timedelta(days=1)
    return None


def _trace(cal: BusinessCalendar, start: int, due: int) -> tuple[TraceRow, ...]:
    rows = []
    for piece in cal.pieces(start, due):
        rows.append(
            TraceRow(
                start=_when(piece.start, cal.timezone),
                end=_when(piece.end, cal.timezone),
                counted="counted" if piece.counted else "not counted",
                reason=piece.reason,
                length=format_duration(piece.end - piece.start),
            )
        )
    return tuple(rows)


def _example(
    release: Handbook, limit: TimeLimit, cal: BusinessCalendar, label: str, start: int
) -> WorkedExample:
    due = int(deadline(cal, [start], limit.target, limit.time)[0])
    opened, due_text = _when(start, cal.timezone), _when(due, cal.timezone)
    days = (from_epoch(due, cal.timezone).date() - from_epoch(start, cal.timezone).date()).days
    same_day = days == 0
    # a weekday alone is unambiguous within a week; across a long holiday the date is needed
    short = days < 7
    sentence = (
        f"opened {_when(start, cal.timezone, with_date=not short)} → due "
        f"{_when(due, cal.timezone, with_date=not short)}"
        + (" the same day" if same_day else "")
        + f" ({limit.target} of {limit.time} time, {cal.timezone})"
    )
    trace = _trace(cal, start, due) if limit.time == "business" else ()
    return WorkedExample(label=label, opened=opened, due=due_text, sentence=sentence, trace=trace)


def worked_examples(release: Handbook, limit: TimeLimit) -> tuple[WorkedExample, ...]:
    """The examples of one time limit under ``release`` (empty when there is no calendar)."""
    try:
        cal = business_calendar(release, limit.calendar)
    except SvcstdError:
        return ()
    examples = []
    start = _first_working_friday(cal, release.meta.effective_from)
    if start is not None:
        examples.append(_example(release, limit, cal, "Opened on a Friday afternoon", start))
    spec = release.calendar(limit.calendar)
    if limit.time == "business" and spec is not None:
        year = release.meta.effective_from.year
        holidays = sorted(
            (h for h in spec.holidays if h.first.year >= year), key=lambda h: (h.first, h.name)
        ) or sorted(spec.holidays, key=lambda h: (h.first, h.name))
        # the longest holiday of the release's year shows best what a holiday does to a deadline
        this_year = (
            [h for h in holidays if h.first.year == holidays[0].first.year] if holidays else []
        )
        if this_year:
            longest = max(this_year, key=lambda h: ((h.last - h.first).days, -h.first.toordinal()))
            start = _before_holiday(cal, longest)
            if start is not None:
                examples.append(
                    _example(release, limit, cal, f"Opened just before {longest.name}", start)
                )
    return tuple(examples)
