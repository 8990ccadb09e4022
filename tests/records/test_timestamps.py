"""Reading timestamps in a profile's formats: each value takes the reading of the first format
that reads it, whichever formats the values need and in whatever mix.

The reference is the plain definition: one parse per format over every value, then
``pl.coalesce`` in the formats' order (aware and naive apart; ``Z`` read as ``+00:00``).
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from svcstd.records.profile import Timestamps
from svcstd.records.timestamps import (
    DAY_FIRST,
    ISO_FORMATS,
    MONTH_FIRST,
    NAIVE,
    UTC,
    TimestampProblem,
    _fits,
    _readings,
    to_utc,
)

#: Formats a profile might list besides the built-in ones; the last is naive yet reads values
#: with an offset, which an aware ISO format reads too.
CUSTOM = ("%d/%m/%Y %H:%M%z", "%Y%m%d %H%M", "%Y-%m-%d %H:%M:%S+08:00")
POOL = ISO_FORMATS + DAY_FIRST + MONTH_FIRST + CUSTOM


def aware(fmt: str) -> bool:
    return "%z" in fmt or "%:z" in fmt or "%#z" in fmt


def reference(values: pl.Series, formats: tuple[str, ...]) -> tuple[pl.Series, pl.Series]:
    frame = pl.DataFrame({"v": values})
    zulu = pl.col("v").str.replace(r"[Zz]$", "+00:00")
    a = [zulu.str.strptime(UTC, f, strict=False) for f in formats if aware(f)]
    n = [pl.col("v").str.strptime(NAIVE, f, strict=False) for f in formats if not aware(f)]
    out = frame.select(
        (pl.coalesce(a) if a else pl.lit(None, UTC)).alias("a"),
        (pl.coalesce(n) if n else pl.lit(None, NAIVE)).alias("n"),
    )
    return out["a"], out["n"]


dates = st.sampled_from(
    [
        "2026-03-05",
        "2026-3-5",
        "2026/03/05",
        "05/03/2026",
        "13/03/2026",
        "03/13/2026",
        "05-03-2026",
        "05.03.2026",
        "2026-02-30",
        "20260305",
    ]
)
times = st.sampled_from(["", "09:07", "09:07:01", "09:07:01.5", "9:7:1", "25:00", "0907"])
seps = st.sampled_from([" ", "T"])
suffixes = st.sampled_from(["", "Z", "z", "+08:00", "-0530", "+08", " +02:00", "x", " ", "ZZ"])


@st.composite
def stamp(draw: st.DrawFn) -> str | None:
    if draw(st.integers(0, 9)) == 0:
        return draw(
            st.sampled_from(
                [None, "", "soon", "2026-03-05T09:07:01+08:00Z", "2026-03-05 09:07:01+08:00"]
            )
        )
    time = draw(times)
    text = draw(dates) + (draw(seps) + time if time else "")
    return text + draw(suffixes)


format_sets = st.one_of(
    st.sampled_from(
        [ISO_FORMATS, ISO_FORMATS + DAY_FIRST, ISO_FORMATS + MONTH_FIRST, ISO_FORMATS + CUSTOM]
    ),
    st.lists(st.sampled_from(POOL), min_size=1, max_size=8, unique=True).map(tuple),
)


def same(a: pl.Series, b: pl.Series) -> bool:
    return a.dtype == b.dtype and a.to_list() == b.to_list()


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(stamp(), min_size=1, max_size=12), format_sets)
def test_each_value_takes_the_first_format_that_reads_it(
    values: list[str | None], formats: tuple[str, ...]
) -> None:
    series = pl.Series("at", values, dtype=pl.Utf8)
    want_a, want_n = reference(series, formats)
    got_a, got_n = _readings(series, formats)
    assert same(got_a, want_a) if got_a is not None else not any(aware(f) for f in formats)
    assert same(got_n, want_n) if got_n is not None else all(aware(f) for f in formats)
    fits = want_a.is_not_null() | want_n.is_not_null()
    assert _fits(series, formats).to_list() == fits.to_list()


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(stamp(), min_size=1, max_size=12), format_sets)
def test_a_column_reads_as_the_coalesced_formats_say(
    values: list[str | None], formats: tuple[str, ...]
) -> None:
    """The instants (or the error and its row) follow from the first readings: aware ones are
    exact, naive ones are wall clock in the profile's zone."""
    series = pl.Series("at", values, dtype=pl.Utf8)
    spec = Timestamps(timezone="Europe/Berlin", ambiguous="earliest")
    want_a, want_n = reference(series, formats)
    unread = series.is_not_null() & want_a.is_null() & want_n.is_null()
    try:
        got = to_utc(series, "at", formats, "as tried", spec)
    except TimestampProblem as exc:
        assert unread.any() or want_n.is_not_null().any()  # unread, or a DST gap
        first = int(unread.arg_true()[0]) if unread.any() else None
        assert exc.position == first or "DST" in exc.message
        return
    assert not unread.any()
    local = want_n.dt.replace_time_zone("Europe/Berlin", ambiguous="earliest", non_existent="null")
    want = want_a.fill_null(local.dt.convert_time_zone("UTC"))
    assert got.to_list() == want.to_list()
