"""The time limits as DuckDB SQL over a calendar table: what a warehouse team would write.

Scope: every active time limit whose clock only starts, stops and (optionally) is cancelled —
no pause, resume or reset — with a fixed target (seconds to days, in business or calendar time)
or a business-day target (``bd``) in business time. Months and years are left out (none of
those limits is in scope in the bundled standards). :func:`shared_rules` lists them.

How the SQL does it, as a warehouse team would:

- a **calendar table** ``biz`` with one row per business interval (UTC start, end, business
  seconds before it) per release and calendar, and a working-day table ``wday`` (first working
  second, business seconds before it, hours of the day). The intervals come from
  :class:`svcstd.timecalc.BusinessCalendar` — a warehouse would build the same rows from its
  holiday table; the dimension is loaded once and timed apart from the query;
- ``B(t)``, business seconds up to ``t``, is an ``ASOF JOIN`` onto ``biz``; business time
  between two instants is ``B(end) - B(start)``;
- per rule: the case fields (first non-null value per case), the release in force when the
  case was opened (``ASOF JOIN`` onto the releases' start instants), the selector, the first
  start event, the first stop event strictly after it, any cancel event (no verdict), and the
  verdict: counted time above the budget → ``fail``; stopped → ``pass``; else ``not_evaluable``.

Run as ``python -m bench.sql EXPORT --as-of T --out VERDICTS.parquet``: prints timings as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from svcstd.spec.model import Condition, Handbook, TimeLimit
from svcstd.spec.releases import Standards, load_standards, release_start
from svcstd.timecalc import business_calendar

CASE_FIELDS = ("channel", "category", "priority", "tier")


def shared_rules(standards: Standards) -> list[tuple[Handbook, TimeLimit]]:
    """(release, time limit) pairs the SQL reproduces (see the module docstring)."""
    out = []
    for release in standards.releases:
        for rule in release.time_limits:
            c = rule.clock
            if rule.status != "active" or c.pause or c.resume or c.reset:
                continue
            unit = rule.target.unit
            if rule.target.is_fixed or (unit == "bd" and rule.time == "business"):
                out.append((release, rule))
    return out


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: list[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _match(conditions: list[Condition], alias: str = "") -> str:
    """SQL predicate: the event row shows one of these events or enters one of these states."""
    p = f"{alias}." if alias else ""
    events = [c.event for c in conditions if c.event]
    states = [c.state for c in conditions if c.state]
    parts = []
    if events:
        parts.append(f"{p}event IN {_in(events)}")
    if states:
        parts.append(f"{p}state IN {_in(states)}")
    return "(" + " OR ".join(parts or ["FALSE"]) + ")"


def _calendar_key(release: Handbook, rule: TimeLimit) -> str:
    cal = release.calendar(rule.calendar)
    assert cal is not None
    return f"{release.version}/{cal.id}"


def rule_sql(release: Handbook, rule: TimeLimit, as_of: int) -> str:
    """One SELECT giving (rule_id, release, case_id, outcome) for one rule of one release."""
    c = rule.clock
    selector = list(rule.applies_to.items())
    # Selector: a missing field leaves the case unplaceable (not evaluable), checked field by
    # field in the selector's order, as svcstd does.
    place = "CASE"
    for key, values in selector:
        place += f" WHEN {key} IS NULL THEN 'unplaceable' WHEN {key} NOT IN {_in(list(values))}"
        place += " THEN 'out'"
    place = f"{place} ELSE 'in' END" if selector else "'in'"
    key = _calendar_key(release, rule)
    cancel = (
        f"AND st.case_id NOT IN (SELECT case_id FROM cev WHERE {_match(c.cancel)})"
        if c.cancel
        else ""
    )
    if rule.time == "business":
        elapsed = "(b_end - b_start)"
    else:
        elapsed = "(end_t - start_t)"
    if rule.target.is_fixed:
        budget = str(rule.target.seconds)
        bd_join = ""
    else:  # N business days: the same business-time offset into the N-th next working day
        n = int(rule.target.amount)
        budget = "(k.b_open + least(least(b_start - d.b_open, d.hours), k.hours) - b_start)"
        bd_join = (
            f"ASOF LEFT JOIN (SELECT * FROM wday WHERE cal = {_lit(key)}) d "
            f"ON cl.start_t >= d.open "
            f"LEFT JOIN (SELECT * FROM wday WHERE cal = {_lit(key)}) k ON k.idx = d.idx + {n}"
        )
    return f"""
    (WITH placed AS (
        SELECT case_id, {place} AS placement FROM cases WHERE release = {_lit(release.version)}
    ),
    st AS (
        SELECT cev.case_id, min(t) AS start_t FROM cev
        JOIN placed ON placed.case_id = cev.case_id AND placement = 'in'
        WHERE {_match(c.start, "cev")} GROUP BY cev.case_id
    ),
    sp AS (
        SELECT st.case_id, min(cev.t) AS stop_t FROM st JOIN cev ON cev.case_id = st.case_id
        WHERE {_match(c.stop, "cev")} AND cev.t > st.start_t GROUP BY st.case_id
    ),
    cl AS (
        SELECT st.case_id, start_t, stop_t, coalesce(stop_t, {as_of}) AS end_t
        FROM st LEFT JOIN sp ON sp.case_id = st.case_id
        WHERE TRUE {cancel}
    ),
    b AS (
        SELECT cl.*,
          bs.cum + least(greatest(cl.start_t - bs.s, 0), bs.e - bs.s) AS b_start,
          be.cum + least(greatest(cl.end_t - be.s, 0), be.e - be.s) AS b_end
        FROM cl
        ASOF LEFT JOIN (SELECT * FROM biz WHERE cal = {_lit(key)}) bs ON cl.start_t >= bs.s
        ASOF LEFT JOIN (SELECT * FROM biz WHERE cal = {_lit(key)}) be ON cl.end_t >= be.s
    ),
    judged AS (
        SELECT cl.case_id, {elapsed} AS elapsed, {budget} AS budget, stop_t
        FROM b AS cl {bd_join}
    )
    SELECT {_lit(rule.id)} AS rule_id, {_lit(release.version)} AS release, case_id,
      CASE WHEN elapsed > budget THEN 'fail' WHEN stop_t IS NOT NULL THEN 'pass'
           ELSE 'not_evaluable' END AS outcome
    FROM judged
    UNION ALL
    SELECT {_lit(rule.id)}, {_lit(release.version)}, case_id, 'not_evaluable'
    FROM placed WHERE placement = 'unplaceable')
    """


def load_calendars(con: Any, pairs: list[tuple[Handbook, TimeLimit]]) -> None:
    """The calendar dimension: business intervals and working days per release and calendar."""
    biz, wday = [], []
    seen = set()
    for release, rule in pairs:
        key = _calendar_key(release, rule)
        if key in seen:
            continue
        seen.add(key)
        cal = business_calendar(release, rule.calendar)
        n, m = len(cal.starts), len(cal.day_open)
        biz.append(
            pa.table({"cal": pa.array([key] * n), "s": cal.starts, "e": cal.ends, "cum": cal.cum})
        )
        wday.append(
            pa.table(
                {
                    "cal": pa.array([key] * m),
                    "idx": np.arange(m, dtype=np.int64),
                    "open": cal.day_open,
                    "b_open": cal.day_b_open,
                    "hours": cal.day_hours,
                }
            )
        )
    biz_t, wday_t = pa.concat_tables(biz), pa.concat_tables(wday)  # noqa: F841 (read by DuckDB)
    con.execute("CREATE OR REPLACE TABLE biz AS SELECT * FROM biz_t ORDER BY cal, s")
    con.execute("CREATE OR REPLACE TABLE wday AS SELECT * FROM wday_t ORDER BY cal, idx")


def source_sql(path: Path) -> str:
    """The export as a DuckDB relation with the columns the SQL needs."""
    p = _lit(str(path))
    if path.suffix == ".parquet":
        return f"read_parquet({p})"
    return (
        f"read_csv({p}, header = true, all_varchar = true)"
    )


def load_events(con: Any, path: Path, standards: Standards, pairs: list, as_of: int) -> None:
    """Events, cases (first non-null field, release in force when opened), clock events."""
    src = source_sql(path)
    ts = "CAST({} AS TIMESTAMPTZ)" if path.suffix != ".parquet" else "{}"
    fields = ", ".join(
        f"arg_min({f}, seq) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in CASE_FIELDS
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ev AS
        SELECT case_id, epoch({ts.format('"at"')})::BIGINT AS t, event, state,
          {", ".join(CASE_FIELDS)},
          epoch({ts.format("opened_at")})::BIGINT AS opened_s,
          row_number() OVER () AS seq
        FROM {src}"""
    )
    rel = pa.table(  # noqa: F841 (read by DuckDB)
        {
            "version": [r.version for r in standards.releases],
            "start_s": [release_start(r) for r in standards.releases],
        }
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cases AS
        WITH c AS (
          SELECT case_id, {fields},
            coalesce(arg_min(opened_s, seq) FILTER (WHERE opened_s IS NOT NULL), min(t))
              AS opened
          FROM ev GROUP BY case_id
        )
        SELECT c.*, rel.version AS release FROM c ASOF LEFT JOIN rel ON c.opened >= rel.start_s"""
    )
    conds = [cond for _, r in pairs for cond in (*r.clock.start, *r.clock.stop, *r.clock.cancel)]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cev AS
        SELECT case_id, t, event, state FROM ev WHERE t <= {as_of} AND {_match(conds)}"""
    )


def run(path: Path, standards_dir: Path, as_of: int, threads: int | None = None) -> dict[str, Any]:
    """Run every shared rule over the export; returns timings and the verdicts (Arrow)."""
    import duckdb

    standards = load_standards(standards_dir)
    pairs = shared_rules(standards)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    t0 = time.perf_counter()
    load_calendars(con, pairs)
    t1 = time.perf_counter()
    load_events(con, path, standards, pairs, as_of)
    query = " UNION ALL ".join(rule_sql(rel, rule, as_of) for rel, rule in pairs)
    verdicts = con.sql(query).to_arrow_table()
    t2 = time.perf_counter()
    return {
        "calendar_table_s": t1 - t0,
        "query_s": t2 - t1,
        "rules": sorted({r.id for _, r in pairs}),
        "verdicts": verdicts,
    }


def parse_as_of(text: str) -> int:
    """``--as-of`` as UTC epoch seconds (ISO 8601 with an offset)."""
    return int(dt.datetime.fromisoformat(text).timestamp())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.sql", description=__doc__)
    ap.add_argument("export", type=Path)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--standards", type=Path, default=Path("standards"))
    ap.add_argument("--out", type=Path, help="write the verdicts here (Parquet)")
    args = ap.parse_args(argv)
    result = run(args.export, args.standards, parse_as_of(args.as_of))
    verdicts = result.pop("verdicts")
    if args.out:
        import pyarrow.parquet as pq

        pq.write_table(verdicts, args.out)
    result["verdict_rows"] = verdicts.num_rows
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
