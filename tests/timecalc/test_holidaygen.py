"""The holiday-list drafter produces YAML that the spec model accepts."""

from __future__ import annotations

import datetime as dt

import pytest
from ruamel.yaml import YAML

from svcstd.spec.model import Calendar
from svcstd.timecalc.holidaygen import draft_holidays

pytest.importorskip("holidays")


def test_china_2026_draft_has_holidays_and_make_up_days() -> None:
    text = draft_holidays("CN", [2026])
    data = YAML(typ="safe").load(text)
    cal = Calendar(
        id="cn", title="drafted", timezone="Asia/Shanghai",
        week={"mon": ["09:00-17:00"]}, **data,
    )  # fmt: skip
    assert dt.date(2026, 10, 1) in {h.first for h in cal.holidays}
    # 2026-02-20 (Friday) off, worked on Saturday 14 February with Friday's hours
    makeup = {w.date: w.hours_of for w in cal.workdays}
    assert makeup[dt.date(2026, 2, 14)] == "fri"


def test_unknown_country() -> None:
    from svcstd.errors import SvcstdError

    with pytest.raises(SvcstdError, match="no country"):
        draft_holidays("XX", [2026])
