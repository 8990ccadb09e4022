"""Durations as maintainers write them, and the mistakes they make."""

from __future__ import annotations

import pytest

from svcstd.spec.duration import Duration


@pytest.mark.parametrize(
    ("text", "amount", "unit", "seconds"),
    [
        ("24h", 24, "h", 86400),
        ("30min", 30, "min", 1800),
        ("15s", 15, "s", 15),
        ("3d", 3, "d", 259200),
        ("1w", 1, "w", 604800),
        ("1h30min", 5400, "s", 5400),
        ("2 hours", 2, "h", 7200),
        ("0.5h", 0.5, "h", 1800),
    ],
)
def test_fixed_units(text: str, amount: float, unit: str, seconds: int) -> None:
    d = Duration.parse(text)
    assert (d.amount, d.unit, d.seconds) == (amount, unit, seconds)


@pytest.mark.parametrize(("text", "shown"), [("2bd", "2bd"), ("3 business days", "3bd"), ("6mo", "6mo"), ("3y", "3y")])
def test_calendar_units_have_no_fixed_length(text: str, shown: str) -> None:
    d = Duration.parse(text)
    assert str(d) == shown
    assert not d.is_fixed
    with pytest.raises(ValueError, match="no fixed length"):
        _ = d.seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30m", "ambiguous duration '30m': write 'min' for minutes or 'mo' for months"),
        ("24", "invalid duration '24': write a number and a unit"),
        ("h24", "invalid duration 'h24'"),
        ("24 hrz", "unknown unit 'hrz'"),
        ("1d2bd", "mixes units that have no fixed length"),
        ("-3h", "invalid duration '-3h'"),
    ],
)
def test_bad_durations_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Duration.parse(text)


def test_ordering_for_comparisons_between_rules() -> None:
    assert Duration.parse("1bd").approx_seconds() == Duration.parse("1d").approx_seconds()
    assert Duration.parse("24h").approx_seconds() < Duration.parse("2d").approx_seconds()
    assert Duration.parse("1y").approx_seconds() > Duration.parse("11mo").approx_seconds()
