"""Worked examples are computed by the time engine, the code `svcstd due` uses."""

from __future__ import annotations

from svcstd.render.examples import worked_examples
from svcstd.spec.releases import Standards
from svcstd.timecalc import business_calendar, deadline, iso, parse_instant


def _limit(release, rule_id):  # type: ignore[no-untyped-def]
    return next(t for t in release.time_limits if t.id == rule_id)


def test_friday_afternoon_and_national_day(standards: Standards) -> None:
    release = standards.latest
    friday, holiday = worked_examples(release, _limit(release, "TL-002"))
    assert (
        friday.sentence == "opened Fri 16:30 → due Mon 09:30 (2h of business time, Asia/Shanghai)"
    )
    assert holiday.label == "Opened just before National Day 国庆节"
    assert holiday.opened == "Wed 2026-09-30 16:30" and holiday.due == "Thu 2026-10-08 09:30"
    reasons = [(row.counted, row.reason) for row in holiday.trace]
    assert ("not counted", "holiday: National Day 国庆节") in reasons
    assert [row.length for row in holiday.trace if row.counted == "counted"] == ["1h30min", "30min"]


def test_examples_agree_with_the_engine(standards: Standards) -> None:
    for release in standards.releases:
        for limit in release.time_limits:
            cal = business_calendar(release, limit.calendar)
            for example in worked_examples(release, limit):
                _, date, clock = example.opened.split()
                start = parse_instant(f"{date}T{clock}", cal.timezone)
                due = int(deadline(cal, [start], limit.target, limit.time)[0])
                assert iso(due, cal.timezone).startswith(
                    example.due.split()[1] + "T" + example.due.split()[2]
                )


def test_calendar_time_limits_have_no_holiday_example(standards: Standards) -> None:
    release = standards.latest
    (only,) = worked_examples(release, _limit(release, "TL-001"))
    assert (
        only.sentence
        == "opened Fri 16:30 → due Fri 16:30:20 the same day (20s of calendar time, Asia/Shanghai)"
    )
    assert only.trace == ()
