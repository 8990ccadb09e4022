"""GitHub workflow commands: capped per level, round-robin over rules, with a final count."""

from __future__ import annotations

import pytest

from svcstd.checks.engine import CheckResult
from svcstd.report import github


def test_cap_per_level_spreads_over_rules(
    result: CheckResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(github, "PER_LEVEL", 2)
    lines = github.render(result).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    # two error-level rules (KPI-001, TL-001): the first failure of each, not two of one
    assert [e.split("title=")[1].split("::")[0] for e in errors] == ["KPI-001", "TL-001"]
    assert lines[-1].startswith("::notice title=svcstd::")
    assert "7 failures" in lines[-1] and "2 more in the full report" in lines[-1]
