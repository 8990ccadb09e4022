"""The process-order rules checked with pm4py's token-based replay, as a process miner would.

For each process of each release (the ``processes`` section) the spec's step graph becomes a
workflow net: every step is a transition labelled with its record event (silent when the step
has no event, as decisions do), with a silent *skip* beside each optional step
(``required: false``), places between steps for every ``next`` and branch, and one sink after
the end steps. The export becomes a pm4py event log (case id, event, timestamp), projected on the
process's events, for the cases the process applies to: the release in force when the case was
opened, the process's ``applies_to`` selector, and the start step's event observed — the same
population svcstd judges. ``pm4py.conformance_diagnostics_token_based_replay`` then says per case
whether the trace fits the net.

What this checks and what it does not, compared with svcstd (``site/benchmarks.md``): replay
judges order and completeness together (a trace fits when it reaches the end); it has no
``--as-of`` (an unfinished case simply does not fit), does not collapse an immediately repeated
step, and knows nothing of roles. So the comparison is a timing on the same population plus a
2×2 table of agreement, not an equality test.

Run as ``python -m bench.pm4py_cmp EXPORT --as-of T [--out FITNESS.parquet]``: prints timings as
JSON. Needs pm4py (AGPL-3.0: the ``bench`` extra only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

from bench.sql import CASE_FIELDS, parse_as_of
from svcstd.spec.model import Process
from svcstd.spec.releases import Standards, load_standards, release_start


def workflow_net(process: Process) -> tuple[Any, Any, Any]:
    """The process's step graph as a pm4py Petri net with initial and final marking."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    net = PetriNet(process.id)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def place(name: str) -> Any:
        p = PetriNet.Place(name)
        net.places.add(p)
        return p

    def transition(name: str, label: str | None, a: Any, b: Any) -> None:
        t = PetriNet.Transition(name, label)
        net.transitions.add(t)
        add_arc_from_to(a, t, net)
        add_arc_from_to(t, b, net)

    for s in process.steps:
        before[s.id], after[s.id] = place(f"before {s.id}"), place(f"after {s.id}")
        transition(s.id, s.event, before[s.id], after[s.id])
        if s.event is not None and not s.required:
            transition(f"skip {s.id}", None, before[s.id], after[s.id])
    sink = place("end")
    for s in process.steps:
        targets = [*s.next, *(b.to for b in s.branches)]
        for n in targets:
            transition(f"{s.id} -> {n}", None, after[s.id], before[n])
        if not targets:
            transition(f"{s.id} -> end", None, after[s.id], sink)
    start = next((s for s in process.steps if s.kind == "start"), process.steps[0])
    return net, Marking({before[start.id]: 1}), Marking({sink: 1})


def read_log(path: Path) -> pl.DataFrame:
    """The export's events (case, event, instant) and case fields, in record order."""
    cols = ["case_id", "at", "event", *CASE_FIELDS, "opened_at"]
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path, columns=cols)
    else:
        frame = pl.read_csv(path, columns=cols, infer_schema=False)
        frame = frame.with_columns(
            pl.col(c).str.to_datetime(time_zone="UTC") for c in ("at", "opened_at")
        )
    return frame.with_row_index("seq")


def cases_of(log: pl.DataFrame, standards: Standards) -> pl.DataFrame:
    """Per case: the first non-null case fields and the release in force when opened."""
    first = [pl.col(f).drop_nulls().first().alias(f) for f in CASE_FIELDS]
    cases = log.group_by("case_id").agg(
        *first, opened=pl.coalesce(pl.col("opened_at").drop_nulls().first(), pl.col("at").min())
    )
    starts = pl.DataFrame(
        {
            "start": [release_start(r) for r in standards.releases],
            "release": [r.version for r in standards.releases],
        }
    ).sort("start")
    return (
        cases.with_columns(opened_s=pl.col("opened").dt.epoch("s"))
        .sort("opened_s")
        .join_asof(starts, left_on="opened_s", right_on="start")
    )


def run(path: Path, standards_dir: Path, as_of: int) -> dict[str, Any]:
    """Convert the export to a pm4py log and replay every process; timings and fitness."""
    import pm4py

    standards = load_standards(standards_dir)
    t0 = time.perf_counter()
    log = read_log(path)
    cases = cases_of(log, standards)
    events = log.filter(pl.col("at").dt.epoch("s") <= as_of).sort("case_id", "at", "seq")
    frame = pm4py.format_dataframe(
        events.select("case_id", "event", "at").to_pandas(),
        case_id="case_id",
        activity_key="event",
        timestamp_key="at",
    )
    t1 = time.perf_counter()
    fitness = []
    processes = []
    for release in standards.releases:
        mine = cases.filter(pl.col("release") == release.version)
        for process in release.processes:
            if process.status != "active":
                continue
            processes.append(process.id)
            scope = mine
            for key, values in process.applies_to.items():
                scope = scope.filter(pl.col(key).is_in(list(values)))
            start = next((s for s in process.steps if s.kind == "start"), process.steps[0])
            labels = sorted({s.event for s in process.steps if s.event})
            ids = set(scope.get_column("case_id").to_list())
            sub = frame[frame["case:concept:name"].isin(ids) & frame["concept:name"].isin(labels)]
            if start.event is not None:
                began = sub.loc[sub["concept:name"] == start.event, "case:concept:name"].unique()
            else:
                began = sub["case:concept:name"].unique()
            sub = sub[sub["case:concept:name"].isin(set(began))]
            if sub.empty:
                continue
            net, im, fm = workflow_net(process)
            replay = pm4py.conformance_diagnostics_token_based_replay(sub, net, im, fm)
            # pm4py returns one result per case, in the order of the cases in the frame
            order = sub["case:concept:name"].drop_duplicates().tolist()
            fitness.append(
                pl.DataFrame(
                    {
                        "rule_id": process.id,
                        "release": release.version,
                        "case_id": order,
                        "fit": [bool(r["trace_is_fit"]) for r in replay],
                    }
                )
            )
    t2 = time.perf_counter()
    return {
        "convert_s": t1 - t0,
        "replay_s": t2 - t1,
        "rules": sorted(set(processes)),
        "fitness": pl.concat(fitness) if fitness else pl.DataFrame(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pm4py_cmp", description=__doc__)
    ap.add_argument("export", type=Path)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--standards", type=Path, default=Path("standards"))
    ap.add_argument("--out", type=Path, help="write per-case fitness here (Parquet)")
    args = ap.parse_args(argv)
    result = run(args.export, args.standards, parse_as_of(args.as_of))
    fitness = result.pop("fitness")
    if args.out:
        fitness.write_parquet(args.out)
    result["traces"] = fitness.height
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
