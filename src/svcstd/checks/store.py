"""A run's verdicts, kept so that a report never needs every pass in memory.

A large export yields tens of millions of verdicts, most of them passes, and almost every
report only counts passes: it lists failures, waived and not-evaluable verdicts and KPI
values. So a run keeps its verdicts in three pieces:

- **findings** — every verdict but a case's pass (``fail``, ``waived``, ``not_evaluable``, and
  every KPI verdict), in verdict order, in memory;
- **tally** — verdict counts per release, rule, outcome and the case's channel and opening
  month (UTC): every count a report shows;
- **passes** — the case-level passes, in memory for a run held whole, or in the Arrow files
  the workers of a split run wrote them to (each sorted by rule and case), read only when a
  report or a caller asks for every verdict (:meth:`VerdictStore.frame`) or streams them a
  rule at a time (:meth:`VerdictStore.chunks`, the CSV report).

The whole frame is the one :func:`svcstd.checks.engine.combine` defines; a test holds
``frame()`` and the concatenated ``chunks()`` equal to it for split and whole runs.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from svcstd.checks.verdicts import VERDICT_SCHEMA

#: The order of the verdict frame: rule, then case (KPIs: period, group; nulls first).
ORDER = ["rule_id", "case_id", "period", "group"]

#: Columns of the tally (``n``: how many verdicts; ``channel``, ``month``: null for KPIs).
TALLY_KEYS = ["release", "rule_id", "kind", "severity", "url", "outcome", "channel", "month"]
TALLY_SCHEMA: dict[str, pl.DataType] = {
    **{k: pl.Utf8() for k in TALLY_KEYS},
    "n": pl.Int64(),
}


#: Verdict columns with few distinct values. They are sorted as categoricals — the sort then
#: moves small codes, not strings: a million findings sort in half the memory — and come back
#: as text.
FEW = ["kind", "release", "severity", "outcome", "reason", "period", "group", "waiver", "url"]

Frames = pl.DataFrame | pl.LazyFrame


def in_order(frames: Frames | Sequence[Frames]) -> pl.LazyFrame:
    """Verdicts (one frame, or several in turn) in report order: stable, so equal keys keep
    the order they came in."""
    many = [frames] if isinstance(frames, pl.DataFrame | pl.LazyFrame) else frames
    coded = [f.lazy().with_columns(pl.col(c).cast(pl.Categorical) for c in FEW) for f in many]
    return (
        pl.concat(coded)
        .sort(ORDER, nulls_last=False, maintain_order=True)
        .with_columns(pl.col(c).cast(pl.Utf8) for c in FEW)
    )


def tally_of(verdicts: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    """Counts of ``verdicts`` per :data:`TALLY_KEYS`; ``cases`` gives each case's channel and
    opening month (it may hold other cases too)."""
    about = cases.select(
        "case_id", channel=pl.col("channel"), month=pl.col("opened_at").dt.strftime("%Y-%m")
    )
    counted = verdicts.join(about, on="case_id", how="left").group_by(TALLY_KEYS).len("n")
    return counted.select([pl.col(c).cast(t) for c, t in TALLY_SCHEMA.items()])


def merge_tallies(tallies: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """One tally from several parts' (sorted by its keys: the same every run)."""
    if not tallies:
        return pl.DataFrame(schema=TALLY_SCHEMA)
    return (
        pl.concat(tallies)
        .group_by(TALLY_KEYS)
        .agg(pl.col("n").sum())
        .sort(TALLY_KEYS, nulls_last=False)
        .select([pl.col(c).cast(t) for c, t in TALLY_SCHEMA.items()])
    )


def findings_of(verdicts: pl.DataFrame) -> pl.DataFrame:
    """Every verdict but a case's pass."""
    return verdicts.filter((pl.col("outcome") != "pass") | pl.col("case_id").is_null())


def passes_of(verdicts: pl.DataFrame) -> pl.DataFrame:
    """A case's passes: what :func:`findings_of` leaves out."""
    return verdicts.filter((pl.col("outcome") == "pass") & pl.col("case_id").is_not_null())


class VerdictStore:
    """A run's verdicts as findings, tally and passes (see the module's description)."""

    def __init__(
        self,
        findings: pl.DataFrame,
        tally: pl.DataFrame,
        passes: Sequence[pl.DataFrame | str] = (),
        *,
        whole: pl.DataFrame | None = None,
        folder: str | None = None,
    ) -> None:
        self.findings = findings
        self.tally = tally
        self._passes = list(passes)
        self._whole = whole
        if folder is not None:  # the pass files live as long as the store
            weakref.finalize(self, shutil.rmtree, folder, True)

    @classmethod
    def of(cls, verdicts: pl.DataFrame, cases: pl.DataFrame) -> VerdictStore:
        """The store of a run held whole (``verdicts`` in order, as ``combine`` returns)."""
        return cls(findings_of(verdicts), merge_tallies([tally_of(verdicts, cases)]),
                   whole=verdicts)  # fmt: skip

    @classmethod
    def kept(
        cls,
        findings: pl.DataFrame,
        tally: pl.DataFrame,
        passes: Sequence[pl.DataFrame | str],
        workdir: str | Path | None = None,
    ) -> VerdictStore:
        """The store of a split run. Passes given as files (Arrow IPC) are moved into a
        folder of the store's own, removed with the store, so they outlive the run's parts."""
        if not any(isinstance(p, str) for p in passes):
            return cls(findings, tally, passes)
        folder = tempfile.mkdtemp(prefix="svcstd-verdicts-", dir=workdir)
        kept: list[pl.DataFrame | str] = []
        for i, source in enumerate(passes):
            if isinstance(source, str):
                target = str(Path(folder) / f"passes-{i}.arrow")
                shutil.move(source, target)
                source = target
            kept.append(source)
        return cls(findings, tally, kept, folder=folder)

    @property
    def height(self) -> int:
        """How many verdicts there are."""
        return int(self.tally.get_column("n").sum())

    def counts(self) -> dict[str, int]:
        """Verdicts per outcome."""
        by = dict(self.tally.group_by("outcome").agg(pl.col("n").sum()).iter_rows())
        return {o: int(by.get(o, 0)) for o in ("pass", "fail", "not_evaluable", "waived")}

    def _pass_frames(self, rule_id: str | None = None) -> list[pl.LazyFrame]:
        frames = []
        for source in self._passes:
            lazy = pl.scan_ipc(source) if isinstance(source, str) else source.lazy()
            if rule_id is not None:
                lazy = lazy.filter(pl.col("rule_id") == rule_id)
            frames.append(lazy)
        return frames

    def frame(self) -> pl.DataFrame:
        """Every verdict, in report order (all of them in memory: see :meth:`chunks`)."""
        if self._whole is None:
            self._whole = in_order([self.findings, *self._pass_frames()]).collect()
        return self._whole

    def chunks(self) -> Iterator[pl.DataFrame]:
        """Every verdict, in report order, a rule at a time: memory bounded by the largest
        rule's verdicts, not all of them."""
        if self._whole is not None:
            yield self._whole
            return
        rules = sorted(set(self.tally.get_column("rule_id").to_list()))
        for rule_id in rules:
            mine = self.findings.lazy().filter(pl.col("rule_id") == rule_id)
            chunk = in_order([mine, *self._pass_frames(rule_id)]).collect()
            if chunk.height:
                yield chunk

    def head(self, n: int) -> pl.DataFrame:
        """The first ``n`` verdicts in report order."""
        if self._whole is not None:
            return self._whole.head(n)
        taken: list[pl.DataFrame] = []
        left = n
        for chunk in self.chunks():
            if left <= 0:
                break
            taken.append(chunk.head(left))
            left -= taken[-1].height
        return pl.concat(taken) if taken else pl.DataFrame(schema=VERDICT_SCHEMA)


__all__ = [
    "ORDER",
    "TALLY_KEYS",
    "TALLY_SCHEMA",
    "VerdictStore",
    "findings_of",
    "in_order",
    "merge_tallies",
    "passes_of",
    "tally_of",
]
