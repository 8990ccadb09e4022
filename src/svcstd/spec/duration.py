"""Durations as handbook maintainers write them: ``24h``, ``90min``, ``3d``, ``2bd``, ``6mo``, ``3y``.

A duration has one unit. Fixed units (``s``, ``min``, ``h``, ``d``, ``w``) are an exact number
of seconds; ``bd`` counts working days of a calendar; ``mo`` and ``y`` are calendar months and
years (used for retention and callback windows). ``1h30min`` combines fixed units.
``m`` is rejected on purpose: minutes and months are both plausible readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

Unit = Literal["s", "min", "h", "d", "w", "bd", "mo", "y"]

_FIXED_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SYNONYMS = {
    "sec": "s", "second": "s", "seconds": "s",
    "mins": "min", "minute": "min", "minutes": "min",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "day": "d", "days": "d",
    "week": "w", "weeks": "w",
    "businessday": "bd", "businessdays": "bd",
    "month": "mo", "months": "mo",
    "year": "y", "years": "y",
}  # fmt: skip
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
PATTERN = r"^\s*(\d+(\.\d+)?\s*[a-z]+\s*)+$"


@dataclass(frozen=True, order=True)
class Duration:
    """A non-negative amount of time in one unit (or a sum of fixed units, held in seconds)."""

    amount: float
    unit: Unit

    @property
    def is_fixed(self) -> bool:
        """True when the duration is an exact number of seconds."""
        return self.unit in _FIXED_SECONDS

    @property
    def seconds(self) -> int:
        """Exact length in seconds; only for fixed units."""
        if not self.is_fixed:
            raise ValueError(f"{self} has no fixed length in seconds")
        return round(self.amount * _FIXED_SECONDS[self.unit])

    def approx_seconds(self) -> float:
        """Length for comparisons between rules: 1bd = 1d, 1mo = 30d, 1y = 365d."""
        if self.is_fixed:
            return float(self.seconds)
        return self.amount * {"bd": 86400, "mo": 30 * 86400, "y": 365 * 86400}[self.unit]

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{self.unit}"

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``24h``, ``1h30min``, ``3 business days``; raise ValueError with a hint."""
        raw = text.strip().lower()
        compact = raw.replace("business days", "bd").replace("business day", "bd")
        parts = _PART.findall(compact)
        if not parts or _PART.sub("", compact).strip():
            raise ValueError(
                f"invalid duration {text!r}: write a number and a unit, e.g. 24h, 30min, 3d, 2bd, 6mo"
            )
        units = []
        for amount, unit in parts:
            unit = _SYNONYMS.get(unit, unit)
            if unit == "m":
                raise ValueError(f"ambiguous duration {text!r}: write 'min' for minutes or 'mo' for months")
            if unit not in _FIXED_SECONDS and unit not in ("bd", "mo", "y"):
                raise ValueError(
                    f"unknown unit {unit!r} in duration {text!r}; use one of s, min, h, d, w, bd, mo, y"
                )
            units.append((float(amount), unit))
        if len(units) == 1:
            return cls(units[0][0], units[0][1])  # type: ignore[arg-type]
        if any(u not in _FIXED_SECONDS for _, u in units):
            raise ValueError(f"duration {text!r} mixes units that have no fixed length")
        return cls(sum(a * _FIXED_SECONDS[u] for a, u in units), "s")


def _coerce(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, str):
        return Duration.parse(value)
    raise ValueError(f"a duration must be a string such as '24h', not {type(value).__name__}")


DurationField = Annotated[
    Duration,
    BeforeValidator(_coerce),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PATTERN,
            "description": "A duration: a number and a unit (s, min, h, d, w, bd, mo, y), e.g. 24h",
            "examples": ["24h", "30min", "2bd", "3y"],
        }
    ),
]
