"""The business-time engine: calendars, durations, deadlines and clocks.

- :mod:`svcstd.timecalc.calendar` — :class:`BusinessCalendar`: working time as UTC intervals,
  ``B(t)`` prefix sums, vectorised business durations and deadlines, business days.
- :mod:`svcstd.timecalc.limits` — deadlines and elapsed time for every duration unit, in
  business or calendar time.
- :mod:`svcstd.timecalc.clock` — :func:`run_clock`: start / pause / resume / stop / reset /
  cancel over a case's events, with a verdict and an interval trace.
- :mod:`svcstd.timecalc.policy` — which release's calendar judges a case.
- :mod:`svcstd.timecalc.instants` — datetimes ↔ epoch seconds, parsing, printing.
"""

from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.clock import ClockEvent, ClockResult, TraceInterval, run_clock, run_limit
from svcstd.timecalc.instants import format_duration, from_epoch, iso, parse_instant, to_epoch
from svcstd.timecalc.limits import add_months, budget, deadline, elapsed
from svcstd.timecalc.policy import business_calendar, calendar_for_case, release_for_case

__all__ = [
    "BusinessCalendar",
    "ClockEvent",
    "ClockResult",
    "TraceInterval",
    "add_months",
    "budget",
    "business_calendar",
    "calendar_for_case",
    "deadline",
    "elapsed",
    "format_duration",
    "from_epoch",
    "iso",
    "parse_instant",
    "release_for_case",
    "run_clock",
    "run_limit",
    "to_epoch",
]
