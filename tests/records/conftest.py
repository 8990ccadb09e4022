"""Shared helpers for the records tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcstd.errors import SvcstdError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "records"
REAL = REPO.parent / "shared" / "real-data"


def one_line(exc: pytest.ExceptionInfo[SvcstdError]) -> str:
    """The error as the CLI prints it: exactly one line."""
    text = str(exc.value)
    assert "\n" not in text, text
    return text
