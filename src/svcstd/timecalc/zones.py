"""Time zones as data: the offset history of an IANA zone and wall-clock → real-time mapping.

The engine works on real instants (UTC epoch seconds, ``int64``). Working hours are written as
wall-clock times of a zone, so every wall-clock interval is mapped to the real instants whose
local wall-clock time falls into it. This is the **DST rule** of svcstd:

    A real second counts as working time when its local wall-clock time (with the offset in
    force at that second) lies within the working hours of its local date.

Consequences: hours that fall into a spring-forward gap do not exist and are not counted (the
working interval is shortened); hours repeated by a fall-back overlap happen twice in real time
and each real second is counted once (the working interval is lengthened). Every real second
is counted at most once.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from svcstd.errors import SvcstdError

DAY = 86400
I64 = npt.NDArray[np.int64]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is a :class:`SvcstdError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SvcstdError(f"unknown IANA time zone {name!r}") from None


@dataclass(frozen=True)
class OffsetHistory:
    """The UTC offsets of a zone as segments of real time between ``lo`` and ``hi``.

    Segment ``k`` runs from ``starts[k]`` (inclusive) to ``starts[k + 1]`` (or ``hi``) and has
    offset ``offsets[k]`` seconds east of UTC.
    """

    name: str
    lo: int
    hi: int
    starts: I64
    offsets: I64

    def offset_at(self, t: npt.ArrayLike) -> I64:
        """UTC offset in force at real instants ``t``."""
        k = np.searchsorted(self.starts, np.asarray(t, dtype=np.int64), side="right") - 1
        return self.offsets[np.clip(k, 0, len(self.offsets) - 1)]

    def to_local(self, t: npt.ArrayLike) -> I64:
        """Local wall-clock seconds since 1970-01-01 00:00 (naive) of real instants ``t``."""
        arr = np.asarray(t, dtype=np.int64)
        return arr + self.offset_at(arr)

    def wall_to_real(self, l1: I64, l2: I64) -> tuple[I64, I64, I64]:
        """Map wall-clock intervals ``[l1, l2)`` to the real intervals of their instants.

        Returns ``(starts, ends, index)``: the non-empty real pieces and, for each, the index
        of the wall interval it came from. An interval that straddles a fall-back transition
        yields one contiguous real interval longer than its wall length (or two pieces when
        it lies wholly inside the repeated hour); one inside a gap yields nothing.
        """
        n_seg = len(self.starts)
        seg_end = np.append(self.starts[1:], np.int64(self.hi))
        max_off, min_off = int(self.offsets.max()), int(self.offsets.min())
        k_lo = np.searchsorted(self.starts, l1 - max_off, side="right") - 1
        k_hi = np.searchsorted(self.starts, l2 - min_off, side="left") - 1
        k_lo = np.clip(k_lo, 0, n_seg - 1)
        k_hi = np.clip(k_hi, 0, n_seg - 1)
        width = int((k_hi - k_lo).max(initial=0)) + 1
        out_s, out_e, out_i = [], [], []
        idx = np.arange(len(l1), dtype=np.int64)
        for j in range(width):
            k = k_lo + j
            ok = k <= k_hi
            kk = np.where(ok, k, 0)
            off = self.offsets[kk]
            s = np.maximum(l1 - off, self.starts[kk])
            e = np.minimum(l2 - off, seg_end[kk])
            keep = ok & (e > s)
            out_s.append(s[keep])
            out_e.append(e[keep])
            out_i.append(idx[keep])
        starts = np.concatenate(out_s)
        ends = np.concatenate(out_e)
        index = np.concatenate(out_i)
        order = np.lexsort((starts, index))
        return starts[order], ends[order], index[order]


def _offset(tz: ZoneInfo, t: int) -> int:
    off = dt.datetime.fromtimestamp(t, tz).utcoffset()
    assert off is not None
    return int(off.total_seconds())


@functools.lru_cache(maxsize=64)
def offset_history(name: str, lo: int, hi: int) -> OffsetHistory:
    """The offset history of zone ``name`` over real time ``[lo, hi)``.

    Offsets are sampled once a day and every change is located to the second by bisection.
    Cached per process: building costs about 40 ms per century. Two transitions less than a
    day apart that cancel out would be missed; tzdata has none after 1970.
    """
    tz = zone(name)
    starts = [lo]
    offsets = [_offset(tz, lo)]
    prev_t, prev = lo, offsets[0]
    for t in range(lo + DAY, hi + DAY, DAY):
        t = min(t, hi)
        cur = _offset(tz, t)
        a = prev_t
        while cur != prev:
            # offset(a) == prev and offset(t) != prev: bisect to a changed second
            b = t
            while b - a > 1:
                m = (a + b) // 2
                if _offset(tz, m) == prev:
                    a = m
                else:
                    b = m
            starts.append(b)
            prev = _offset(tz, b)
            offsets.append(prev)
            a = b
        prev_t = t
        if t == hi:
            break
    return OffsetHistory(
        name, lo, hi, np.asarray(starts, dtype=np.int64), np.asarray(offsets, dtype=np.int64)
    )
