"""Which calendar judges a case: the one of the release in force when the case was opened.

DESIGN.md: "A case is judged by the release in force when it was opened". For time limits this
means the *whole* clock runs on that release's calendar, even when a later release with other
hours or holidays takes effect while the case is open. A release change never splits a clock.
"""

from __future__ import annotations

import bisect
import datetime as dt

from svcstd.errors import SvcstdError
from svcstd.spec.model import Handbook, TimeLimit
from svcstd.spec.releases import Standards, release_start
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.instants import from_epoch

# Keyed by the calendar's content, not by object identity: ids of freed releases are reused.
_CACHE: dict[str, BusinessCalendar] = {}
_CACHE_SIZE = 64


def business_calendar(release: Handbook, calendar_id: str | None = None) -> BusinessCalendar:
    """The materialised calendar ``calendar_id`` (default: the release's default calendar).

    Unknown ids raise :class:`SvcstdError` listing the known ones. Built calendars are cached
    by content, so releases that share a calendar share its materialisation.
    """
    cal = release.calendar(calendar_id)
    if cal is None:
        known = ", ".join(sorted(c.id for c in release.calendars)) or "none"
        if calendar_id is None:
            raise SvcstdError(
                f"release {release.version} has no default calendar; pass --calendar "
                f"(known: {known})"
            )
        raise SvcstdError(
            f"unknown calendar {calendar_id!r} in release {release.version} (known: {known})"
        )
    key = cal.model_dump_json()
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = BusinessCalendar.from_spec(cal)
    return _CACHE[key]


def release_for_case(standards: Standards, opened_at: int) -> Handbook:
    """The release in force at ``opened_at`` (UTC epoch seconds).

    Uses :func:`svcstd.spec.releases.release_start` (local midnight of ``effective_from`` in
    the release's default calendar's zone), the same rule the checks engine applies.
    """
    starts = [release_start(r) for r in standards.releases]
    i = bisect.bisect_right(starts, opened_at) - 1
    release = standards.releases[i] if i >= 0 else None
    if release is None:
        first = standards.releases[0]
        raise SvcstdError(
            f"no release in force at {from_epoch(opened_at, dt.UTC).isoformat()} "
            f"(the first, {first.version}, is effective from {first.meta.effective_from})"
        )
    return release


def calendar_for_case(
    standards: Standards, opened_at: int, limit: TimeLimit | None = None
) -> BusinessCalendar:
    """The calendar that judges a case opened at ``opened_at`` under ``limit`` (or the default).

    The limit's calendar id is looked up in the release in force at ``opened_at``.
    """
    release = release_for_case(standards, opened_at)
    return business_calendar(release, limit.calendar if limit else None)
