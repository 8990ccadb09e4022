"""A two-release standards folder whose calendars differ, for the CLI and the release policy."""

from __future__ import annotations

from pathlib import Path

import pytest

HANDBOOK = """\
handbook:
  id: test-handbook
  title: Test handbook
  version: "{version}"
  effective_from: {effective}
  default_calendar: office
"""

OLD_CALENDARS = """\
calendars:
  - id: office
    title: Office hours 2025
    timezone: Asia/Shanghai
    week:
      mon: ["09:00-12:00", "13:30-18:00"]
      tue: ["09:00-12:00", "13:30-18:00"]
      wed: ["09:00-12:00", "13:30-18:00"]
      thu: ["09:00-12:00", "13:30-18:00"]
      fri: ["09:00-12:00", "13:30-18:00"]
    holidays:
      - {name: 儿童节 test holiday, date: 2026-06-01}
      - {name: 春节, from: 2026-02-15, to: 2026-02-23}
    workdays:
      - {date: 2026-02-14, name: 春节调休, hours_of: mon}
  - id: berlin
    title: Berlin support desk
    timezone: Europe/Berlin
    week:
      mon: "08:00-17:00"
      tue: "08:00-17:00"
      wed: "08:00-17:00"
      thu: "08:00-17:00"
      fri: "08:00-17:00"
"""

NEW_CALENDARS = """\
calendars:
  - id: office
    title: Office hours 2026, extended
    timezone: Asia/Shanghai
    week:
      mon: "08:00-20:00"
      tue: "08:00-20:00"
      wed: "08:00-20:00"
      thu: "08:00-20:00"
      fri: "08:00-20:00"
      sat: "08:00-20:00"
  - id: always
    title: Around the clock
    timezone: Asia/Shanghai
    week: {mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00",
           fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00"}
"""


@pytest.fixture(scope="session")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``2025.1`` (office hours with a 1 June holiday) and ``2026.1`` (from 1 June 2026,
    08:00-20:00 Monday to Saturday, no holiday)."""
    root = tmp_path_factory.mktemp("standards")
    for version, effective, calendars in (
        ("2025.1", "2025-01-01", OLD_CALENDARS),
        ("2026.1", "2026-06-01", NEW_CALENDARS),
    ):
        folder = root / version
        folder.mkdir()
        (folder / "handbook.yaml").write_text(HANDBOOK.format(version=version, effective=effective))
        (folder / "calendars.yaml").write_text(calendars, encoding="utf-8")
    return root
