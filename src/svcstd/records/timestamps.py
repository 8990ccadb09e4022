"""Reading instants: profile formats, day-first/month-first detection, zones, DST.

Every timestamp column becomes ``Datetime("us", "UTC")``. Values with an offset (``+02:00``,
``Z``) are exact. Naive values are wall-clock times in the profile's ``timestamps.timezone``;
without one they are an error, never silently UTC. A naive time that the zone skips (DST
spring-forward) is an error; one it repeats (fall-back) is an error unless the profile says
``ambiguous: earliest`` or ``latest``.

Without ``timestamps.formats`` svcstd tries ISO 8601 (and year-first ``2012/10/09``), then
day-first and month-first dates. It decides over *all* timestamp columns of the files at once,
and refuses to guess: values that read differently day-first and month-first, with no value
that settles it, are an error asking for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from svcstd.records.profile import Timestamps

UTC = pl.Datetime("us", "UTC")
NAIVE = pl.Datetime("us")

ISO_FORMATS: tuple[str, ...] = (
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)


def _dates(first: str, second: str) -> tuple[str, ...]:
    out = []
    for sep in ("/", "-", "."):
        date = f"%{first}{sep}%{second}{sep}%Y"
        out += [f"{date} %H:%M:%S%.f", f"{date} %H:%M", date]
    return tuple(out)


DAY_FIRST = _dates("d", "m")
MONTH_FIRST = _dates("m", "d")


class TimestampProblem(Exception):
    """A value that cannot become an instant: where (frame position) and why."""

    def __init__(self, column: str, position: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.position = position
        self.message = message


@dataclass(frozen=True)
class _Family:
    name: str
    formats: tuple[str, ...]


def _aware(fmt: str) -> bool:
    return "%z" in fmt or "%:z" in fmt or "%#z" in fmt


#: The built-in formats. An aware one reads only values that end in an offset, which none of
#: the naive ones reads, so a value an aware format read is never also a naive reading.
_BUILT_IN = frozenset(ISO_FORMATS + DAY_FIRST + MONTH_FIRST)


def _parse(values: pl.Series, fmt: str) -> pl.Series:
    return values.str.strptime(UTC if _aware(fmt) else NAIVE, fmt, strict=False)


def _zulu(values: pl.Series) -> pl.Series:
    """The values with a trailing ``Z``/``z`` written ``+00:00``: chrono's %z wants
    +hh:mm / +hhmm, and ISO 8601 also allows a bare Z for UTC."""
    z = values.str.ends_with("Z") | values.str.ends_with("z")
    if not z.any():
        return values
    at = z.arg_true()
    return values.clone().scatter(at, values.gather(at).str.replace(r"[Zz]$", "+00:00"))


def _nulls(dtype: pl.DataType, n: int) -> pl.Series:
    return pl.Series([], dtype=dtype).extend_constant(None, n)


def _first_reading(
    values: pl.Series, formats: Sequence[str], rows: pl.Series, skip: pl.Series | None = None
) -> pl.Series:
    """Per value in ``rows`` (a mask), its reading in the first of ``formats`` that reads it;
    null elsewhere. The formats must be all aware or all naive.

    This is ``pl.coalesce`` over one parse per format, but each format reads only the values
    the ones before it left unread. ``skip`` (a mask) excludes values from the built-in
    formats only.
    """
    dtype = UTC if formats and _aware(formats[0]) else NAIVE
    out = _nulls(dtype, len(values))
    for fmt in formats:
        todo = rows & out.is_null()
        if skip is not None and fmt in _BUILT_IN:
            todo &= ~skip
        at = todo.arg_true()
        if len(at) == 0:
            continue
        if len(at) == len(values):
            out = _parse(values, fmt)
        else:
            out = out.scatter(at, _parse(values.gather(at), fmt))
    return out


def _readings(
    values: pl.Series, formats: Sequence[str]
) -> tuple[pl.Series | None, pl.Series | None]:
    """(aware UTC, naive) readings of text values: per value, the first format of each kind
    that reads it (None for a kind the formats lack)."""
    present = values.is_not_null()
    aware = [f for f in formats if _aware(f)]
    naive = [f for f in formats if not _aware(f)]
    aware_v = _first_reading(_zulu(values), aware, present) if aware else None
    # A built-in naive format cannot read what an aware one read (see _BUILT_IN): skip those.
    skip = None
    if aware_v is not None and all(f in _BUILT_IN for f in aware):
        skip = aware_v.is_not_null()
    naive_v = _first_reading(values, naive, present, skip) if naive else None
    return aware_v, naive_v


def _expand(formats: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for fmt in formats:
        out += ISO_FORMATS if fmt == "iso" else [fmt]
    return tuple(out)


def _fits(values: pl.Series, formats: Sequence[str]) -> pl.Series:
    """Per value: does one of the formats read it? Each format tries only the values the ones
    before it did not read."""
    ok = pl.Series([], dtype=pl.Boolean).extend_constant(False, len(values))
    present = values.is_not_null()
    for fmt in formats:
        at = (present & ~ok).arg_true()
        if len(at) == 0:
            break
        rest = values if len(at) == len(values) else values.gather(at)
        read = _parse(_zulu(rest) if _aware(fmt) else rest, fmt).is_not_null()
        ok = read if len(at) == len(values) else ok.scatter(at, read)
    return ok


def choose_formats(columns: dict[str, pl.Series], spec: Timestamps) -> tuple[tuple[str, ...], str]:
    """The formats to read the text columns with, and how to describe them in errors.

    ``columns`` maps column name → its text values. Raises :class:`TimestampProblem`.
    """
    if spec.formats:
        formats = _expand(spec.formats)
        shown = " or ".join(repr(f) for f in spec.formats)
        return formats, f"in format {shown}"
    iso = _Family("ISO 8601", ISO_FORMATS)
    day = _Family("day-first", DAY_FIRST)
    month = _Family("month-first", MONTH_FIRST)
    fitting: set[str] | None = None
    ambiguous_example: tuple[str, int, str] | None = None
    for name, series in columns.items():
        present = series.is_not_null()
        fits = {iso.name: _fits(series, iso.formats) | ~present}
        if fits[iso.name].all():
            continue
        fits.update({f.name: _fits(series, f.formats) | ~present for f in (day, month)})
        here = {f.name for f in (day, month) if fits[f.name].all()}
        if not here:
            # The first value nothing reads: report it.
            bad = ~(fits[iso.name] | fits[day.name] | fits[month.name])
            if bad.any():
                pos = int(bad.arg_true()[0])
                raise TimestampProblem(
                    name,
                    pos,
                    f"cannot read {series[pos]!r} as a timestamp (tried ISO 8601, day-first and "
                    "month-first); set timestamps.formats in the profile",
                )
            pos = int((~fits[day.name]).arg_true()[0])
            raise TimestampProblem(
                name,
                pos,
                f"{series[pos]!r}: the column mixes day-first and month-first dates; "
                "set timestamps.formats in the profile",
            )
        fitting = here if fitting is None else fitting & here
        if not fitting:
            raise TimestampProblem(
                name, 0, "timestamp columns disagree on day-first vs month-first; set timestamps.formats"
            )
        if len(here) == 2 and ambiguous_example is None:
            d = _first_reading(series, DAY_FIRST, present)
            m = _first_reading(series, MONTH_FIRST, present)
            differs = (d != m).fill_null(False)
            if differs.any():
                pos = int(differs.arg_true()[0])
                ambiguous_example = (name, pos, str(series[pos]))
    if fitting is None:
        return ISO_FORMATS, "as ISO 8601"
    if len(fitting) == 2:
        if ambiguous_example is not None:
            name, pos, value = ambiguous_example
            raise TimestampProblem(
                name,
                pos,
                f"ambiguous timestamp {value!r}: it reads both day-first and month-first and no "
                "value settles which; set timestamps.formats (e.g. '%d/%m/%Y %H:%M')",
            )
        return ISO_FORMATS + DAY_FIRST, "as ISO 8601 or day-first"  # every date has day == month
    family = day if day.name in fitting else month
    return ISO_FORMATS + family.formats, f"as ISO 8601 or {family.name}"


def to_utc(
    series: pl.Series,
    name: str,
    formats: tuple[str, ...],
    described: str,
    spec: Timestamps,
) -> pl.Series:
    """One column (text or Datetime) as ``Datetime("us", "UTC")``. Raises TimestampProblem."""
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return series.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias(name)
        aware_v, naive_v = None, series.dt.cast_time_unit("us")
    else:
        aware_r, naive_r = _readings(series, formats)
        aware_v = aware_r if aware_r is not None else _nulls(UTC, len(series))
        naive_v = naive_r if naive_r is not None else _nulls(NAIVE, len(series))
        bad = series.is_not_null() & aware_v.is_null() & naive_v.is_null()
        if bad.any():
            pos = int(bad.arg_true()[0])
            raise TimestampProblem(name, pos, f"cannot read {series[pos]!r} as a timestamp {described}")
    if naive_v.null_count() == len(naive_v):
        out = aware_v if aware_v is not None else pl.Series(name, [None] * len(series), dtype=UTC)
        return out.alias(name)
    if spec.timezone is None:
        pos = int(naive_v.is_not_null().arg_true()[0])
        shown = series[pos]
        raise TimestampProblem(
            name,
            pos,
            f"timestamp {shown!s} has no time zone and the profile sets no timestamps.timezone",
        )
    amb = "null" if spec.ambiguous == "error" else spec.ambiguous
    local = naive_v.dt.replace_time_zone(spec.timezone, ambiguous=amb, non_existent="null")
    lost = naive_v.is_not_null() & local.is_null()
    if lost.any():
        pos = int(lost.arg_true()[0])
        one = naive_v.slice(pos, 1)
        overlap = one.dt.replace_time_zone(spec.timezone, ambiguous="earliest", non_existent="null")
        shown = series[pos]
        if overlap.is_not_null().all():
            raise TimestampProblem(
                name,
                pos,
                f"{shown!s} occurs twice in {spec.timezone} (DST ends); set timestamps.ambiguous "
                "to earliest or latest",
            )
        raise TimestampProblem(name, pos, f"{shown!s} does not exist in {spec.timezone} (DST gap)")
    utc = local.dt.convert_time_zone("UTC")
    if aware_v is not None:
        utc = pl.DataFrame({"a": aware_v, "u": utc}).select(pl.coalesce("a", "u")).to_series()
    return utc.alias(name)
