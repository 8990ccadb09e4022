"""Benchmark of the business-time engine (not a test): 10^6 durations and 10^6 deadlines.

Run: ``.venv/bin/python benchmarks/bench_timecalc.py [--n 1000000] [--repeat 5]``.
Pins itself to one CPU core, prints a Markdown table for ``site/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import time
from collections.abc import Callable

import numpy as np

from svcstd.spec.model import Calendar
from svcstd.timecalc.calendar import BusinessCalendar
from svcstd.timecalc.instants import to_epoch
from svcstd.timecalc.zones import offset_history

WEEKDAYS5 = ("mon", "tue", "wed", "thu", "fri")


def calendars() -> dict[str, Calendar]:
    """An office calendar with lunch, holidays and make-up days, and a DST zone's desk."""
    holidays, workdays = [], []
    for year in range(2020, 2031):  # a realistic load: ~30 holiday days and 2-4 make-up days a year
        holidays += [
            {"name": f"元旦 {year}", "date": dt.date(year, 1, 1)},
            {"name": f"春节 {year}", "from": dt.date(year, 2, 10), "to": dt.date(year, 2, 17)},
            {"name": f"劳动节 {year}", "from": dt.date(year, 5, 1), "to": dt.date(year, 5, 5)},
            {"name": f"国庆节 {year}", "from": dt.date(year, 10, 1), "to": dt.date(year, 10, 7)},
        ]
        workdays += [
            {"date": d, "name": f"调休 {year}"}
            for d in (dt.date(year, 2, 8), dt.date(year, 9, 28), dt.date(year, 10, 11))
            if d.weekday() >= 5
        ]
    office = Calendar(
        id="cn-office", title="office", timezone="Asia/Shanghai",
        week={d: ["09:00-12:00", "13:30-18:00"] for d in WEEKDAYS5},
        holidays=holidays, workdays=workdays,
    )  # fmt: skip
    berlin = Calendar(
        id="berlin", title="berlin", timezone="Europe/Berlin",
        week={d: ["08:00-12:00", "13:00-17:00"] for d in WEEKDAYS5},
    )  # fmt: skip
    return {"cn-office (Asia/Shanghai)": office, "berlin (Europe/Berlin, DST)": berlin}


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    models = [ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")]
    return models[0] if models else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    n = args.n
    rng = np.random.default_rng(20261123)
    lo = to_epoch(dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    hi = to_epoch(dt.datetime(2029, 1, 1, tzinfo=dt.UTC))
    starts = rng.integers(lo, hi, n, dtype=np.int64)
    ends = starts + rng.integers(0, 30 * 86400, n, dtype=np.int64)
    seconds = rng.integers(0, 100 * 3600, n, dtype=np.int64)
    days = rng.integers(1, 6, n, dtype=np.int64)

    print(f"date: {dt.date.today()}  machine: {cpu_model()}, {os.cpu_count()} cores (pinned to 1)")
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}; "
        f"n = {n:,}, best of {args.repeat}"
    )
    print()
    print(
        "| calendar | intervals | build (cold) | build (warm) "
        "| durations | deadlines | business days |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, spec in calendars().items():
        offset_history.cache_clear()
        t0 = time.perf_counter()
        cal = BusinessCalendar.from_spec(spec)
        cold = time.perf_counter() - t0
        warm = best(lambda spec=spec: BusinessCalendar.from_spec(spec), args.repeat)
        t_dur = best(lambda cal=cal: cal.business_seconds(starts, ends), args.repeat)
        t_due = best(lambda cal=cal: cal.add_business(starts, seconds), args.repeat)
        t_bd = best(lambda cal=cal: cal.add_business_days(starts, days), args.repeat)
        # sanity: the deadlines invert the durations
        due = cal.add_business(starts[:1000], seconds[:1000])
        assert (cal.business_seconds(starts[:1000], due) == seconds[:1000]).all()
        print(
            f"| {label} | {len(cal.starts):,} | {cold * 1e3:.0f} ms | {warm * 1e3:.0f} ms "
            f"| {t_dur * 1e3:.0f} ms | {t_due * 1e3:.0f} ms | {t_bd * 1e3:.0f} ms |"
        )


if __name__ == "__main__":
    main()
