"""The reporter registry is the CLI's --format contract."""

from __future__ import annotations

import click
import pytest

from svcstd.checks.engine import CheckResult
from svcstd.cli.check import command
from svcstd.report import BINARY, REPORTERS

EXPECTED = {"text", "json", "csv", "junit", "sarif", "github", "html", "xlsx"}


def test_every_reporter_is_registered_and_offered_by_the_cli() -> None:
    assert set(REPORTERS) == EXPECTED
    (option,) = [p for p in command.params if p.name == "fmt"]
    assert isinstance(option.type, click.Choice)
    assert set(option.type.choices) == EXPECTED


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_output_type_and_site_url_keyword(result: CheckResult, fmt: str) -> None:
    out = REPORTERS[fmt](result, site_url="https://example.org/manual/")
    assert isinstance(out, bytes if fmt in BINARY or fmt == "csv" else str)
    assert out
