"""Exact output of the text, CSV, JUnit, SARIF and GitHub reporters on the fixture result."""

from __future__ import annotations

import pytest

from svcstd.checks.engine import CheckResult
from svcstd.report import REPORTERS

from .conftest import check_golden

GOLDEN_FORMATS = {"text": "txt", "csv": "csv", "junit": "xml", "sarif": "sarif", "github": "txt"}


@pytest.mark.parametrize("fmt", sorted(GOLDEN_FORMATS))
def test_exact_output(result: CheckResult, fmt: str) -> None:
    check_golden(f"report.{fmt}.{GOLDEN_FORMATS[fmt]}", REPORTERS[fmt](result))


def test_sarif_with_a_site_url(result: CheckResult) -> None:
    check_golden(
        "report.sarif-site-url.sarif",
        REPORTERS["sarif"](result, site_url="https://handbook.example.org/svc/"),
    )
