"""A small real check result for the reporters' tests, and golden files with one update switch.

The result comes from running :func:`svcstd.checks.engine.run_check` on
``tests/fixtures/report`` (two time limits, a record type, a KPI; nine cases, two of them with
a case id that is an HTML or a spreadsheet-formula payload) with one waiver, as of
2025-04-15 00:00 +08:00. Golden files: ``SVCSTD_UPDATE_GOLDEN=1 pytest tests/report``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import pytest

from svcstd.checks.engine import CheckResult, run_check
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.spec.model import Waiver
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "report"
#: The export as the CLI user would name it: reports show paths as given.
RECORDS = "tests/fixtures/report/cases.csv"
AS_OF = parse_instant("2025-04-15T00:00:00+08:00")
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SVCSTD_UPDATE_GOLDEN") == "1"
WAIVER = Waiver(
    rule="TL-001",
    cases=["E2"],
    justification="Mail server outage on 4 February",
    approver="Head of service",
    expires=dt.date(2025, 12, 31),
)


def build_result() -> CheckResult:
    """A fresh result (the determinism tests build two)."""
    with contextlib.chdir(ROOT):
        records = read_records(RECORDS, "svcstd")
    return run_check(records, load_standards(FIXTURE), as_of=AS_OF, waivers=[WAIVER])


@pytest.fixture(scope="session")
def result() -> CheckResult:
    return build_result()


def check_golden(name: str, actual: str | bytes) -> None:
    """Compare ``actual`` byte for byte with ``golden/<name>``; rewrite it when updating."""
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"no golden file {path}; run with SVCSTD_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes()
    assert data == expected, (
        f"{name} differs from its golden file; review the change, then rerun with "
        "SVCSTD_UPDATE_GOLDEN=1 to accept it"
    )
