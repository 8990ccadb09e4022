"""A clock that runs across a release change is judged on the calendar of the opening release."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcstd.errors import SvcstdError
from svcstd.spec import load_standards
from svcstd.spec.duration import Duration
from svcstd.spec.model import Clock
from svcstd.timecalc.clock import ClockEvent, run_clock
from svcstd.timecalc.policy import business_calendar, calendar_for_case, release_for_case

from .fixtures import T, at

CLOCK = Clock(start=[{"event": "created"}], stop=[{"event": "resolved"}])


def test_the_release_in_force_at_opening_supplies_the_calendar_throughout(
    two_releases: Path,
) -> None:
    standards = load_standards(two_releases)
    opened = T("2026-05-29T17:00+08:00")  # Friday, under 2025.1; 2026.1 starts on Monday 1 June
    assert release_for_case(standards, opened).version == "2025.1"
    cal = calendar_for_case(standards, opened)
    events = [ClockEvent(opened, "created")]
    result = run_clock(events, CLOCK, Duration(8, "h"), cal, as_of=T("2026-06-10T00:00+08:00"))
    # 2025.1 hours: Friday 17-18, Monday 1 June is its holiday, Tuesday 09-12 and 13:30-17:30
    assert at(cal, result.breached_at) == "2026-06-02T17:30:00+08:00"
    assert "holiday: 儿童节 test holiday" in {i.reason for i in result.trace}
    # had the clock switched to 2026.1's extended hours it would have been due on Saturday
    newer = business_calendar(standards.get("2026.1"))
    assert at(newer, newer.add_business(opened, 8 * 3600)) == "2026-05-30T13:00:00+08:00"
    # a case opened on 1 June is judged by 2026.1
    assert calendar_for_case(standards, T("2026-06-01T00:00+08:00")) is newer
    # a fresh load of the same folder gives the same answers (no stale cache by object id)
    again = load_standards(two_releases)
    assert (
        business_calendar(again.get("2025.1")).add_business(opened, 8 * 3600) == result.breached_at
    )


def test_unknown_calendars_and_cases_before_the_first_release(two_releases: Path) -> None:
    standards = load_standards(two_releases)
    with pytest.raises(
        SvcstdError, match=r"unknown calendar 'nope' in release 2026.1 \(known: always, office\)"
    ):
        business_calendar(standards.latest, "nope")
    with pytest.raises(SvcstdError, match="no release in force"):
        release_for_case(standards, T("2020-01-01T00:00Z"))
