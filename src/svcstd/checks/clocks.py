"""Clocks over many cases at once: :func:`svcstd.timecalc.run_clock`'s rules, as columns.

:func:`svcstd.timecalc.run_clock` is the reference: it walks one case's events and explains a
verdict interval by interval. Judging a whole export that way costs a Python loop per case and
rule, so this module computes the same results for every case with Polars expressions and the
calendar's vectorised prefix function. A property test runs both on random event sequences and
random clocks and holds them equal, field by field.

The clock's rules (see :mod:`svcstd.timecalc.clock`), restated in the form computed here:

- A case's events are grouped by instant; each group is applied in the order cancel, reset,
  stop, start, pause, resume, after the case's state is updated to the last state entered.
- Any cancel (up to ``as_of``) cancels the clock for good: no result for the case.
- The clock starts at the first *start* instant. Every *reset* strictly after it begins a new
  **cycle** (a reset at the start's own instant finds the clock idle). Cycle ``k`` runs from its
  first instant until its first *stop* — strictly after the first start for cycle 0 (a stop at
  the start's instant finds the clock idle), at or after the reset for later cycles.
- After each group the clock is *paused* when the case's state is a pause state, or when a pause
  event came and no resume (event or state) — nor a reset — came after it.
- The stretch from one instant to the next (the last to ``as_of``) counts when, after the
  earlier group, the clock is running and not paused. Counted time is business or elapsed
  seconds per the limit's time basis.
- A cycle's *due* instant is when its counted time reaches its budget: the first counted
  stretch whose running total reaches the budget, at ``add(stretch start, budget - before)``;
  a zero budget is due at the cycle's first instant (if the clock runs then).

Only events that can change the clock are read: those matching any of its conditions, and —
when a pause names a state — every entry into a state (leaving the pause state resumes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from svcstd.spec.duration import Duration
from svcstd.spec.model import Clock, Condition
from svcstd.timecalc import BusinessCalendar
from svcstd.timecalc import limits as tl
from svcstd.timecalc.limits import TimeBasis

_FLAGS = ("_start", "_stop", "_pause", "_resume", "_reset", "_cancel")
#: Marks "no instant" in the int64 columns computed here (turned into nulls on the way out).
NONE = np.iinfo(np.int64).min


def matches(conditions: list[Condition]) -> pl.Expr:
    """Events that satisfy any of the conditions (an event type, or entry into a state)."""
    events = [c.event for c in conditions if c.event]
    states = [c.state for c in conditions if c.state]
    expr = pl.lit(False)
    if events:
        expr = expr | pl.col("event").is_in(events).fill_null(False)
    if states:
        expr = expr | pl.col("state").is_in(states).fill_null(False)
    return expr


def relevant(clock: Clock) -> pl.Expr:
    """Events that can change the clock: those matching any of its conditions, and every
    entry into a state when a pause names a state (leaving the pause state resumes)."""
    conds = [*clock.start, *clock.stop, *clock.pause, *clock.resume, *clock.reset, *clock.cancel]
    keep = matches(conds)
    if any(c.state for c in clock.pause):
        keep = keep | pl.col("state").is_not_null()
    return keep


@dataclass(frozen=True)
class Cycles:
    """Every started, uncancelled case's clock cycles, and the counted stretches inside them.

    ``cycles``: ``case_id, cycle, begin, stop`` (epoch seconds; ``stop`` null while running),
    ``elapsed`` (counted seconds), ``last`` (the case's final cycle) and ``paused`` (at the
    end, for the final cycle). ``stretches``: ``case_id, cycle, t, length, before`` — counted
    stretches only, ``before`` being the cycle's counted time before the stretch.
    """

    cycles: pl.DataFrame
    stretches: pl.DataFrame
    calendar: BusinessCalendar
    time: TimeBasis
    as_of: int

    def restrict(self, case_ids: pl.Series) -> Cycles:
        """The same clocks for these cases only (a case's clock depends on its events alone)."""
        mine = pl.col("case_id").is_in(case_ids.implode())
        return Cycles(
            self.cycles.filter(mine), self.stretches.filter(mine), self.calendar, self.time,
            self.as_of,
        )  # fmt: skip

    def budgets(self, target: Duration) -> np.ndarray:
        """Each cycle's budget in the clock's measure (``bd``/``mo``/``y`` vary by start)."""
        begin = self.cycles.get_column("begin").to_numpy()
        return tl.budget(self.calendar, begin, target, self.time)

    def due(self, budget: np.ndarray) -> np.ndarray:
        """Per cycle, when counted time reached ``budget`` (:data:`NONE` if it has not)."""
        cyc = self.cycles.select("case_id", "cycle", "begin", "running_at_begin").with_columns(
            _budget=pl.Series(budget, dtype=pl.Int64), _row=pl.int_range(pl.len())
        )
        first = (
            self.stretches.join(cyc, on=["case_id", "cycle"])
            .filter(pl.col("before") + pl.col("length") >= pl.col("_budget"))
            .group_by("_row")
            .agg(pl.all().sort_by("t").first())
        )
        out = np.full(cyc.height, NONE, dtype=np.int64)
        if first.height:
            rows = first.get_column("_row").to_numpy()
            t = first.get_column("t").to_numpy()
            before = first.get_column("before").to_numpy()
            b = first.get_column("_budget").to_numpy()
            at = np.where(b <= before, t, 0)
            late = b > before
            if late.any():
                at[late] = tl.add(self.calendar, t[late], b[late] - before[late], self.time)
            out[rows] = at
        zero = (budget == 0) & cyc.get_column("running_at_begin").to_numpy()
        out[zero] = cyc.get_column("begin").to_numpy()[zero]
        return out

    def add_or_none(self, start: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """``limits.add`` where the result lies within the calendar, :data:`NONE` elsewhere."""
        out = np.full(len(start), NONE, dtype=np.int64)
        ok = seconds >= 0
        if self.time == "business" and len(start):
            cal = self.calendar
            total = int(cal.prefix(np.asarray([cal.span[1]]))[0])
            ok &= (seconds == 0) | (cal.prefix(start) + np.maximum(seconds, 0) <= total)
        if ok.any():
            out[ok] = tl.add(self.calendar, start[ok], seconds[ok], self.time)
        return out

    def results(self, target: Duration) -> pl.DataFrame:
        """Per case, what :func:`~svcstd.timecalc.run_clock` reports for the final cycle.

        ``case_id, status`` (met, breached, running), ``elapsed``, ``target`` (the budget),
        ``started_at``, ``stopped_at``, ``deadline`` (epoch seconds, nullable), ``paused``.
        """
        budget = self.budgets(target)
        due = self.due(budget)
        c = self.cycles.with_columns(
            _budget=pl.Series(budget, dtype=pl.Int64), _due=pl.Series(due, dtype=pl.Int64)
        ).filter(pl.col("last"))
        elapsed = c.get_column("elapsed").to_numpy()
        b = c.get_column("_budget").to_numpy()
        d = c.get_column("_due").to_numpy()
        stop = c.get_column("stop").fill_null(NONE).to_numpy()
        stopped = stop != NONE
        paused = c.get_column("paused").to_numpy()
        remaining = b - elapsed
        # The deadline is the due instant; not yet due: projected from where the clock is now.
        project = (d == NONE) & (stopped | ~paused)
        base = np.where(stopped, stop, self.as_of)
        deadline = d.copy()
        if project.any():
            deadline[project] = self.add_or_none(base[project], remaining[project])
        status = np.where(elapsed > b, "breached", np.where(stopped, "met", "running"))
        return pl.DataFrame(
            {
                "case_id": c.get_column("case_id"),
                "status": status,
                "elapsed": elapsed,
                "target": b,
                "started_at": c.get_column("begin"),
                "stopped_at": c.get_column("stop"),
                "deadline": pl.Series(deadline).replace(NONE, None),
                "paused": paused & ~stopped,
            }
        ).sort("case_id")

    def first_crossing(self, target: Duration, share: float) -> pl.DataFrame:
        """``case_id, at``: when the clock first counted more than ``share`` of the target.

        At ``share == 1`` that is the earliest breach of any cycle (a breach before a reset
        still happened). Below 1 the threshold is that share of the final cycle's budget,
        applied to every cycle, as the escalation trigger reads it.
        """
        budget = self.budgets(target)
        if share < 1:
            last = self.cycles.with_columns(_b=pl.Series(budget, dtype=pl.Int64)).filter(
                pl.col("last")
            ).select("case_id", _share=(pl.col("_b") * share).floor().cast(pl.Int64))
            each = self.cycles.select("case_id").join(
                last, on="case_id", how="left", maintain_order="left"
            )
            budget = each.get_column("_share").to_numpy()
        due = self.due(budget)
        crossed = self.cycles.get_column("elapsed").to_numpy() > budget
        return (
            self.cycles.select("case_id")
            .with_columns(at=pl.Series(due, dtype=pl.Int64))
            .filter(pl.Series(crossed & (due != NONE)))
            .group_by("case_id")
            .agg(pl.col("at").min())
            .sort("case_id")
        )


# Per-group computations on frames whose rows are grouped (contiguous) by the keys.


def _begins(*keys: str) -> pl.Expr:
    """Whether a row is the first of its group."""
    differs = [(pl.col(k) != pl.col(k).shift(1)).fill_null(True) for k in keys]
    return pl.any_horizontal(differs)


def _ends(*keys: str) -> pl.Expr:
    """Whether a row is the last of its group."""
    differs = [(pl.col(k) != pl.col(k).shift(-1)).fill_null(True) for k in keys]
    return pl.any_horizontal(differs)


def _cum_sum(x: pl.Expr, new: pl.Expr) -> pl.Expr:
    """``x.cum_sum().over(group)``: the running total minus the total before the group."""
    total = x.cum_sum()
    return total - pl.when(new).then(total - x).forward_fill()


def _fill(x: pl.Expr, new: pl.Expr) -> pl.Expr:
    """``x.forward_fill().over(group)``: fill only from a value of the same group."""
    row = pl.int_range(pl.len())
    last_value = pl.when(x.is_not_null()).then(row).forward_fill()
    group_start = pl.when(new).then(row).forward_fill()
    return pl.when(last_value >= group_start).then(x.forward_fill())


def _group_total(x: pl.Expr, new: pl.Expr, end: pl.Expr) -> pl.Expr:
    """``x.sum().over(group)``."""
    return pl.when(end).then(_cum_sum(x, new)).backward_fill()


def _broadcast(x: pl.Expr, new: pl.Expr, end: pl.Expr) -> pl.Expr:
    """The group's one non-null value of ``x`` on every row of the group (null if none)."""
    row = pl.int_range(pl.len())
    before = pl.when(x.is_not_null()).then(row).forward_fill()
    group_start = pl.when(new).then(row).forward_fill()
    after = pl.when(x.is_not_null()).then(row).backward_fill()
    group_end = pl.when(end).then(row).backward_fill()
    return (
        pl.when(before >= group_start)
        .then(x.forward_fill())
        .when(after <= group_end)
        .then(x.backward_fill())
    )


def run_clocks(
    events: pl.DataFrame,
    clock: Clock,
    calendar: BusinessCalendar,
    *,
    time: TimeBasis,
    as_of: int,
) -> Cycles:
    """The clock's cycles for every case in ``events`` (``case_id, at, event, state, seq``,
    already limited to ``as_of``)."""
    pause_states = [c.state for c in clock.pause if c.state]
    pause_events = [c.event for c in clock.pause if c.event]
    rows = (
        events.lazy()
        .filter(relevant(clock))
        .select(
            "case_id",
            "seq",
            t=pl.col("at").dt.epoch("s"),
            state=pl.col("state"),
            _start=matches(clock.start),
            _stop=matches(clock.stop),
            _pause=pl.col("event").is_in(pause_events).fill_null(False)
            if pause_events
            else pl.lit(False),
            _resume=matches(clock.resume),
            _reset=matches(clock.reset),
            _cancel=matches(clock.cancel),
        )
        .sort("case_id", "t", "seq")
    )
    # Rows stay grouped by case (and cycles by case, cycle) from here on, so per-case running
    # values are cumulative sums and fills bounded by each group's first row: no group-by.
    new, end = _begins("case_id"), _ends("case_id")
    flag = {f: pl.col(f).cast(pl.Int64) for f in _FLAGS}
    groups = (
        rows.group_by("case_id", "t", maintain_order=True)
        .agg(*(pl.col(f).any() for f in _FLAGS), state=pl.col("state").drop_nulls().last())
        .with_columns(
            _n_cancel=_group_total(flag["_cancel"], new, end),
            _nth_start=_cum_sum(flag["_start"], new),
        )
        .with_columns(
            first=_broadcast(
                pl.when(pl.col("_start") & (pl.col("_nth_start") == 1)).then(pl.col("t")), new, end
            )
        )
        .filter((pl.col("_n_cancel") == 0) & pl.col("first").is_not_null())
        .drop("_n_cancel", "_nth_start")
        .with_columns(reset=pl.col("_reset") & (pl.col("t") > pl.col("first")))
        .with_columns(cycle=_cum_sum(pl.col("reset").cast(pl.Int32), new))
        .with_columns(
            stop_here=pl.col("_stop")
            & pl.when(pl.col("cycle") == 0)
            .then(pl.col("t") > pl.col("first"))
            .otherwise(True),
            # a later cycle begins at its reset, the latest one at or before the row
            begin=pl.when(pl.col("cycle") == 0)
            .then(pl.col("first"))
            .otherwise(pl.when(pl.col("reset")).then(pl.col("t")).forward_fill()),
        )
        .with_columns(
            stopped=_cum_sum(pl.col("stop_here").cast(pl.Int64), new | pl.col("reset")) > 0,
            state_after=_fill(pl.col("state"), new),
            event_paused=_fill(
                pl.when(pl.col("_resume"))
                .then(False)
                .when(pl.col("_pause"))
                .then(True)
                .when(pl.col("reset"))
                .then(False)
                .otherwise(None),
                new,
            ).fill_null(False),
            nxt=pl.when(end).then(pl.lit(as_of, dtype=pl.Int64)).otherwise(pl.col("t").shift(-1)),
        )
        .with_columns(
            running=(pl.col("t") >= pl.col("first")) & ~pl.col("stopped"),
            paused=pl.col("event_paused")
            | pl.col("state_after").is_in(pause_states).fill_null(False),
        )
        # One part's clock events fit in memory many times over; the in-memory engine runs
        # this chain of ordered group-bys and fills in 40% less time than the streaming one.
        .collect(engine="in-memory")
    )
    t = groups.get_column("t").to_numpy()
    nxt = groups.get_column("nxt").to_numpy()
    counts = (
        groups.get_column("running").to_numpy()
        & ~groups.get_column("paused").to_numpy()
        & (nxt > t)
    )
    length = np.zeros(len(t), dtype=np.int64)
    if counts.any():
        length[counts] = tl.elapsed(calendar, t[counts], nxt[counts], time)
    groups = groups.with_columns(length=pl.Series(length), counts=pl.Series(counts))
    stretches = (
        groups.filter(pl.col("counts"))
        .select("case_id", "cycle", "t", "length")
        .with_columns(
            before=_cum_sum(pl.col("length"), _begins("case_id", "cycle")) - pl.col("length")
        )
    )
    cycles = (
        groups.filter(pl.col("t") >= pl.col("first"))
        .group_by("case_id", "cycle", maintain_order=True)
        .agg(
            begin=pl.col("begin").first(),
            stop=pl.col("t").filter(pl.col("stop_here")).first(),
            elapsed=pl.col("length").sum(),
            running_at_begin=pl.col("running").first(),
            paused=pl.col("running").last() & pl.col("paused").last(),
        )
        .with_columns(last=_ends("case_id"))  # a case's cycles come in order
    )
    return Cycles(cycles, stretches, calendar, time, as_of)
