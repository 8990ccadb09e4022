"""Instants: aware datetimes ↔ UTC epoch seconds, parsing, and printing durations.

The engine's unit is the **second**: instants are integer seconds since 1970-01-01T00:00Z and
durations are integer seconds. Sub-second parts of a datetime are truncated towards the past.
Naive datetimes are an error unless a time zone is given; a naive wall-clock time that does not
exist (inside a spring-forward gap) or exists twice (inside a fall-back overlap) in that zone is
an error too, because any choice would silently move the instant by the size of the shift.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from svcstd.errors import SvcstdError
from svcstd.timecalc.zones import zone

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _zone(tz: dt.tzinfo | str) -> dt.tzinfo:
    return tz if isinstance(tz, dt.tzinfo) else zone(tz)


def localize(value: dt.datetime, tz: ZoneInfo | str) -> dt.datetime:
    """Attach ``tz`` to a naive wall-clock time; refuse times in a DST gap or overlap."""
    z = tz if isinstance(tz, ZoneInfo) else zone(tz)
    first = value.replace(tzinfo=z, fold=0)
    second = value.replace(tzinfo=z, fold=1)
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree both inside a gap and inside an overlap; a round trip
        # through UTC tells them apart.
        back = first.astimezone(dt.UTC).astimezone(z).replace(tzinfo=None)
        if back != value:
            raise SvcstdError(
                f"{value.isoformat()} does not exist in {z.key} (skipped by a daylight-saving "
                "change); give an offset"
            )
        raise SvcstdError(
            f"{value.isoformat()} is ambiguous in {z.key} (it happens twice when clocks go "
            "back); give an offset"
        )
    return first


def to_epoch(value: dt.datetime, tz: ZoneInfo | str | None = None) -> int:
    """UTC epoch seconds of ``value``; a naive ``value`` needs ``tz`` (else SvcstdError)."""
    if value.tzinfo is None or value.utcoffset() is None:
        if tz is None:
            raise SvcstdError(
                f"naive timestamp {value.isoformat()}: give an offset (e.g. +08:00) or a time zone"
            )
        value = localize(value, tz)
    delta = value - _EPOCH
    # floor, not round: an instant never moves into the future by truncation
    return delta.days * 86400 + delta.seconds


def from_epoch(seconds: int, tz: dt.tzinfo | str) -> dt.datetime:
    """The aware datetime of UTC epoch ``seconds`` in zone ``tz``."""
    return (_EPOCH + dt.timedelta(seconds=int(seconds))).astimezone(_zone(tz))


def parse_instant(text: str, tz: ZoneInfo | str | None = None) -> int:
    """Parse ISO 8601 (``2026-11-23T09:00+08:00``, ``…Z``; naive only with ``tz``) to seconds."""
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise SvcstdError(
            f"invalid timestamp {text!r}: write ISO 8601, e.g. 2026-11-23T09:00:00+08:00"
        ) from None
    return to_epoch(value, tz)


def iso(seconds: int, tz: dt.tzinfo | str) -> str:
    """ISO 8601 with offset, to the second, in zone ``tz``: ``2026-11-24T10:00:00+08:00``."""
    return from_epoch(seconds, tz).isoformat(timespec="seconds")


def format_duration(seconds: int) -> str:
    """A duration in the handbook's notation with h/min/s only: ``26h30min``, ``45s``, ``0s``.

    Days are not used on purpose: in business time a "day" would be ambiguous (24 hours of
    working time, or one working day?).
    """
    sign = "-" if seconds < 0 else ""
    rest = abs(int(seconds))
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}min" if m else "", f"{s}s" if s else ""]
    return sign + ("".join(parts) or "0s")
