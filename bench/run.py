"""Run the benchmark: seeded exports, svcstd against the pyarrow floor, DuckDB and pm4py.

Every measurement is a fresh child process; wall time is measured around it. Peak memory is
that of the whole process tree, since ``svcstd check`` judges parts on worker processes: the
largest sum, over the child and all its descendants, of their proportional set size (PSS, from
``/proc/PID/smaps_rollup``: shared library pages are divided among the processes sharing them,
not counted once per worker), sampled every 50 ms — and never less than the child's own
``ru_maxrss`` from ``os.wait4``. Figures are medians of ``--repeat`` runs. Exports are cached
under ``build/bench/data`` and reused.

Sampling is not free: reading ``smaps_rollup`` walks every page table of the process, and at
20 samples a second on processes of a gigabyte or two it took a core's worth of time from the
run (10^7 events on 2 cores: 75 s sampled, 67 s not). So the runs that are timed are not
sampled, and one more run of the same command, sampled, gives the peak memory
(:func:`median_runs`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
RESULTS = ROOT / "bench" / "results"
AS_OF = "2026-10-29T00:00:00+08:00"
SEED = 7
VIOLATIONS = 0.05
EVENTS_PER_CASE = 25  # what `svcstd generate` writes on average (25.3 measured)


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, peak resident memory in bytes, exit code, stdout."""

    wall: float
    peak_rss: int
    code: int
    out: str


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc/PID/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return out


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def measure(cmd: list[str], env: dict[str, str] | None = None, sample: bool = True) -> Run:
    """Run ``cmd`` as a fresh child: wall time and, when ``sample``, the peak PSS of its
    process tree (else ``peak_rss`` is 0: the run is only timed)."""
    out_path = BUILD / "out" / "stdout.txt"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    with out_path.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, cwd=ROOT, env={**os.environ, **(env or {})})
        while True:
            done, status, usage = os.wait4(proc.pid, os.WNOHANG if sample else 0)
            if done:
                break
            peak = max(peak, sum(_pss(p) for p in _tree(proc.pid)))
            time.sleep(0.05)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max(peak, usage.ru_maxrss * 1024) if sample else 0
    return Run(wall, peak, proc.returncode, out_path.read_text())


def median_runs(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> list[Run]:
    """``repeat`` timed runs of ``cmd``, each with the peak memory of one more run, sampled."""
    runs = [measure(cmd, env, sample=False) for _ in range(repeat)]
    runs.append(measure(cmd, env, sample=True))
    for run in runs:
        if run.code != 0:
            raise SystemExit(f"failed (exit {run.code}): {' '.join(cmd)}")
    peak = runs.pop().peak_rss
    return [replace(run, peak_rss=peak) for run in runs]


def med(values: list[float]) -> float:
    return float(statistics.median(values))


# ------------------------------------------------------------------------------------ exports


def export(events: int, fmt: str, regenerate: bool = False) -> Path:
    """The cached export of about ``events`` events (generated, then converted to Parquet)."""
    data = BUILD / "data"
    data.mkdir(parents=True, exist_ok=True)
    csv = data / f"events-{events:.0e}-seed{SEED}.csv".replace("+", "")
    if regenerate or not csv.exists():
        cases = max(1, events // EVENTS_PER_CASE)
        say(f"generating {cases:,} cases → {csv.relative_to(ROOT)}")
        tmp = csv.with_name("tmp-" + csv.name)
        subprocess.run(
            [svcstd(), "generate", "--cases", str(cases), "--seed", str(SEED),
             "--violations", str(VIOLATIONS), "--output", str(tmp)],
            check=True, cwd=ROOT,
        )  # fmt: skip
        tmp.with_name(tmp.name + ".violations.json").replace(csv.with_name(csv.name + ".violations.json"))
        tmp.replace(csv)
    if fmt == "csv":
        return csv
    parquet = csv.with_suffix(".parquet")
    if regenerate or not parquet.exists() or parquet.stat().st_mtime < csv.stat().st_mtime:
        say(f"converting → {parquet.relative_to(ROOT)}")
        tmp = parquet.with_name("tmp-" + parquet.name)
        # Timestamps become zone-aware columns (what a Parquet export holds); the rest stays text.
        (
            pl.scan_csv(csv, infer_schema=False)
            .with_columns(
                pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_zone="UTC")
                for c in ("at", "opened_at")
            )
            .sink_parquet(tmp)
        )
        tmp.replace(parquet)
    return parquet


def manifest(csv: Path) -> dict[str, Any]:
    return json.loads(csv.with_name(csv.name + ".violations.json").read_text())


# -------------------------------------------------------------------------------- commands


def svcstd() -> str:
    return str(Path(sys.executable).with_name("svcstd"))


def check_cmd(path: Path, standards: Path, fmt: str = "json", out: Path | None = None) -> list[str]:
    # Not --output /dev/null: reports are written atomically (temp file, then rename), which
    # as root would replace the device node. A real file under build/ instead.
    out = out or BUILD / "out" / f"report.{fmt}"
    return [
        svcstd(), "check", str(path), "--profile", "svcstd", "--standards", str(standards),
        "--as-of", AS_OF, "--format", fmt, "--output", str(out), "--fail-on", "never", "--quiet",
    ]  # fmt: skip


FLOOR = """
import sys, time
import pyarrow.csv, pyarrow.parquet
t0 = time.perf_counter()
path = sys.argv[1]
table = pyarrow.parquet.read_table(path) if path.endswith(".parquet") else pyarrow.csv.read_csv(path)
print(time.perf_counter() - t0, table.num_rows)
"""


# ------------------------------------------------------------------------------------- run


def machine() -> dict[str, Any]:
    import pyarrow

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) * 1024
    versions = {"python": platform.python_version(), "polars": pl.__version__,
                "pyarrow": pyarrow.__version__}  # fmt: skip
    for name in ("duckdb", "pm4py", "dask"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = None
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, cwd=ROOT).stdout.strip()  # fmt: skip
    # The machine may be shared: the load average says how busy it was when the run began.
    return {"host": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "ram_bytes": mem,
            "versions": versions, "commit": git,
            "load_average": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip


def have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        say(f"skipped: {module} is not installed (pip install -e '.[bench]')")
        return False
    return True


def run(
    sizes: list[int],
    formats: list[str],
    repeat: int,
    quick: bool,
    compare_size: int,
    pm4py_max: int,
    regenerate: bool,
    dask_max: int = 10**6,
) -> dict[str, Any]:
    """Every measurement for every size and format; returns the results document."""
    from bench import subset

    standards = ROOT / "standards"
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "as_of": AS_OF,
        "seed": SEED,
        "violations": VIOLATIONS,
        "repeat": repeat,
        "quick": quick,
        "sizes": [],
        "equality": None,
        "pm4py_agreement": None,
    }
    with_duckdb, with_pm4py, with_dask = have("duckdb"), have("pm4py"), have("distributed")
    shared: dict[str, list[str]] = {}
    if with_duckdb:
        from bench.sql import shared_rules
        from svcstd.spec.releases import load_standards

        shared["duckdb"] = sorted({r.id for _, r in shared_rules(load_standards(standards))})
    from svcstd.spec.releases import load_standards

    shared["pm4py"] = sorted(
        {p.id for r in load_standards(standards).releases for p in r.processes}
    )
    subsets = {k: subset.only(standards, v, BUILD / f"standards-{k}") for k, v in shared.items()}
    results["shared_rules"] = shared
    for events in sizes:
        n = 1 if (quick and events >= 10**7) else repeat
        for fmt in formats:
            path = export(events, fmt, regenerate and fmt == "csv")
            info = manifest(export(events, "csv"))
            say(f"[{events:.0e} {fmt}] {info['events']:,} events, {info['cases']:,} cases, ×{n}")
            row: dict[str, Any] = {
                "target": events, "format": fmt, "events": info["events"],
                "cases": info["cases"], "bytes": path.stat().st_size, "repeat": n,
            }  # fmt: skip
            runs = median_runs(check_cmd(path, standards), n)
            row["check_s"] = med([r.wall for r in runs])
            row["check_peak_rss"] = max(r.peak_rss for r in runs)
            floors = median_runs([sys.executable, "-c", FLOOR, str(path)], n)
            row["floor_read_s"] = med([float(r.out.split()[0]) for r in floors])
            row["floor_process_s"] = med([r.wall for r in floors])
            row["floor_peak_rss"] = max(r.peak_rss for r in floors)
            row["ratio"] = row["check_s"] / row["floor_read_s"]
            row["events_per_s"] = info["events"] / row["check_s"]
            say(f"  check {row['check_s']:.2f} s, peak {row['check_peak_rss'] / 2**20:.0f} MiB; "
                f"pyarrow read {row['floor_read_s']:.3f} s; ratio {row['ratio']:.1f}")  # fmt: skip
            if with_dask and fmt == "parquet" and events <= dask_max:  # on a Dask LocalCluster
                runs = median_runs([*check_cmd(path, standards), "--engine", "dask"], n)
                row["dask_s"] = med([r.wall for r in runs])
                row["dask_peak_rss"] = max(r.peak_rss for r in runs)
                say(f"  --engine dask {row['dask_s']:.2f} s, peak "
                    f"{row['dask_peak_rss'] / 2**20:.0f} MiB")  # fmt: skip
            comp: dict[str, Any] = {}
            if with_duckdb:
                sub = median_runs(check_cmd(path, subsets["duckdb"]), n)
                out = BUILD / "out" / "duckdb.parquet"
                sql = median_runs(
                    [sys.executable, "-m", "bench.sql", str(path), "--as-of", AS_OF,
                     "--out", str(out)], n,
                )  # fmt: skip
                timings = [json.loads(r.out) for r in sql]
                comp["duckdb"] = {
                    "svcstd_s": med([r.wall for r in sub]),
                    "svcstd_peak_rss": max(r.peak_rss for r in sub),
                    "process_s": med([r.wall for r in sql]),
                    "query_s": med([t["query_s"] for t in timings]),
                    "calendar_table_s": med([t["calendar_table_s"] for t in timings]),
                    "peak_rss": max(r.peak_rss for r in sql),
                    "verdicts": timings[0]["verdict_rows"],
                }
                say(f"  duckdb: svcstd on its rules {comp['duckdb']['svcstd_s']:.2f} s, "
                    f"DuckDB {comp['duckdb']['process_s']:.2f} s")  # fmt: skip
                if events == compare_size and fmt == "csv":
                    results["equality"] = equality(path, out)
            if with_pm4py and events <= pm4py_max:
                sub = median_runs(check_cmd(path, subsets["pm4py"]), n)
                out = BUILD / "out" / "pm4py.parquet"
                pm = median_runs(
                    [sys.executable, "-m", "bench.pm4py_cmp", str(path), "--as-of", AS_OF,
                     "--out", str(out)], n, env={"TQDM_DISABLE": "1"},
                )  # fmt: skip
                timings = [json.loads(r.out.strip().splitlines()[-1]) for r in pm]
                comp["pm4py"] = {
                    "svcstd_s": med([r.wall for r in sub]),
                    "svcstd_peak_rss": max(r.peak_rss for r in sub),
                    "process_s": med([r.wall for r in pm]),
                    "convert_s": med([t["convert_s"] for t in timings]),
                    "replay_s": med([t["replay_s"] for t in timings]),
                    "peak_rss": max(r.peak_rss for r in pm),
                    "traces": timings[0]["traces"],
                }
                say(f"  pm4py: svcstd on its rules {comp['pm4py']['svcstd_s']:.2f} s, "
                    f"pm4py {comp['pm4py']['process_s']:.2f} s")  # fmt: skip
                if events == compare_size and fmt == "csv":
                    results["pm4py_agreement"] = agreement(path, out)
            row["comparisons"] = comp
            results["sizes"].append(row)
    shutil.rmtree(BUILD / "out", ignore_errors=True)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def svcstd_verdicts(path: Path) -> pl.DataFrame:
    """Every verdict of the full standards, from svcstd's CSV report (lists each verdict)."""
    out = BUILD / "out" / "verdicts.csv"
    run = measure(check_cmd(path, ROOT / "standards", "csv", out))
    if run.code != 0:
        raise SystemExit(f"svcstd check --format csv failed (exit {run.code})")
    return pl.read_csv(out, infer_schema=False).select("rule_id", "release", "case_id", "outcome")


def equality(path: Path, sql_out: Path) -> dict[str, Any]:
    """Per (case, rule) equality of DuckDB's verdicts and svcstd's; mismatches printed."""
    sql = pl.read_parquet(sql_out)
    mine = svcstd_verdicts(path).filter(pl.col("rule_id").is_in(sql["rule_id"].unique().implode()))
    joined = sql.join(mine, on=["rule_id", "release", "case_id"], how="full", coalesce=True,
                      suffix="_svcstd")  # fmt: skip
    bad = joined.filter(pl.col("outcome").ne_missing(pl.col("outcome_svcstd")))
    counts = mine.group_by("outcome").len().sort("outcome")
    say(f"  equality: {joined.height:,} (case, rule) verdicts, {bad.height} mismatches")
    if bad.height:
        say(str(bad.head(50)))
    return {
        "verdicts": joined.height,
        "mismatches": bad.height,
        "by_outcome": dict(zip(counts["outcome"], counts["len"], strict=True)),
        "first_mismatches": bad.head(20).to_dicts(),
    }


def agreement(path: Path, fitness_out: Path) -> dict[str, Any]:
    """2×2 table: pm4py fit / not fit against svcstd's outcome, on the same (case, process)."""
    fit = pl.read_parquet(fitness_out)
    mine = svcstd_verdicts(path).filter(pl.col("rule_id").is_in(fit["rule_id"].unique().implode()))
    joined = fit.join(mine, on=["rule_id", "release", "case_id"], how="full", coalesce=True)
    table = (
        joined.with_columns(
            pm4py=pl.when(pl.col("fit").is_null()).then(pl.lit("not replayed"))
            .when(pl.col("fit")).then(pl.lit("fit")).otherwise(pl.lit("not fit")),
            svcstd=pl.col("outcome").fill_null("no verdict"),
        )
        .group_by("pm4py", "svcstd").len().sort("pm4py", "svcstd")
    )  # fmt: skip
    say("  pm4py agreement:\n" + str(table))
    return {"cells": table.to_dicts()}


def save(results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{results['date']}-{results['machine']['host']}.json"
    from svcstd.io import write_atomically

    write_atomically(path, json.dumps(results, indent=1, sort_keys=True) + "\n")
    return path
