"""A bucketed replacement for ``np.searchsorted`` on a fixed sorted array.

``np.searchsorted`` with a million random queries against ~70 000 working intervals spends most
of its time in cache-missing binary search (about 65 ns a query). The keys never change once a
calendar is built, so a direct-address table of "how many keys lie before each bucket" plus a
few vectorised correction passes gives the same answer in a quarter of the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from svcstd.timecalc.zones import I64


@dataclass(frozen=True, eq=False)
class SortedIndex:
    """``count(q)`` = ``np.searchsorted(keys, q, side)`` for a sorted, fixed ``keys`` array."""

    keys: I64
    side: Literal["left", "right"]
    base: int
    width: int
    #: ``table[b]`` = count at the bucket start ``base + b * width``.
    table: npt.NDArray[np.int64]
    #: Most keys in one bucket: correction passes needed after the table lookup.
    passes: int

    @classmethod
    def build(
        cls, keys: I64, side: Literal["left", "right"], buckets_per_key: int = 4
    ) -> SortedIndex:
        """Index ``keys`` with about ``buckets_per_key`` buckets per key."""
        n = len(keys)
        if n == 0:
            return cls(keys, side, 0, 1, np.zeros(1, dtype=np.int64), 0)
        base = int(keys[0]) - 1  # every query below base counts 0 keys
        spread = int(keys[-1]) - base
        width = max(1, spread // (buckets_per_key * n))
        nb = spread // width + 2  # the last bucket starts after every key: its count is n
        # count at edge e_b = base + b*width, without searching: for integers,
        # key <  e_b  ⟺  (key - base) // width     < b   (side "left")
        # key <= e_b  ⟺  (key - base - 1) // width < b   (side "right")
        shift = 0 if side == "left" else 1
        per_bucket = np.bincount((keys - base - shift) // width, minlength=nb)[:nb]
        table = np.zeros(nb, dtype=np.int64)
        np.cumsum(per_bucket[:-1], out=table[1:])
        passes = int(np.diff(table).max(initial=0))
        return cls(keys, side, base, width, table, passes)

    def count(self, q: I64) -> I64:
        """``np.searchsorted(keys, q, side)``, exactly."""
        n = len(self.keys)
        if n == 0:
            return np.zeros(q.shape, dtype=np.int64)
        b = np.clip((q - self.base) // self.width, 0, len(self.table) - 1)
        r = self.table[b]
        last = n - 1
        for _ in range(self.passes):
            k = self.keys[np.minimum(r, last)]
            step = (k < q) if self.side == "left" else (k <= q)
            r = r + (step & (r < n))
        return r
