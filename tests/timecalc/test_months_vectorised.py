"""Months and years added to many instants at once equal the per-instant rule (add_months)."""

from __future__ import annotations

import numpy as np
import pytest

from svcstd.timecalc.limits import add_months, add_months_many

# Zones with DST gaps and overlaps, half-hour shifts, and a skipped day (Apia, 2011-12-30).
ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
         "Pacific/Apia", "America/St_Johns"]  # fmt: skip


@pytest.mark.parametrize("tz", ZONES)
def test_many_instants_move_as_each_one_does(tz: str) -> None:
    rng = np.random.default_rng(7)
    # random instants 1970-2036, and every quarter hour around the 2026 DST changes
    starts = np.concatenate(
        [rng.integers(0, 2_100_000_000, 600), np.arange(1_772_000_000, 1_775_000_000, 900),
         np.arange(1_790_000_000, 1_793_000_000, 900)]
    )  # fmt: skip
    for months in (1, 2, 12, 13, -1):
        expected = [add_months(int(s), months, tz) for s in starts]
        assert add_months_many(starts, months, tz).tolist() == expected, months
