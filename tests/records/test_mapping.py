"""Event-source semantics on tiny exports: status changes, value changes, case timestamps."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from svcstd.records import read_records

PROFILE = """\
profile: mapping-test
title: Mapping semantics (test)
format: csv
timestamps: {formats: "%Y-%m-%d %H:%M", timezone: UTC}
case_id: id
order: [{column: n, as: integer}]
events:
  - kind: change
    column: owner
    at: t
    first: assigned
    event: handed_over
    sets: actor
  - kind: status
    column: st
    at: t
    values: {A: open, B: open, W: awaiting-customer, R: resolved, X: ~}
  - kind: timestamp
    column: done
    event: resolved
    take: each
"""


def run(tmp_path: Path, body: str) -> pl.DataFrame:
    (tmp_path / "p.yaml").write_text(PROFILE, encoding="utf-8")
    f = tmp_path / "e.csv"
    f.write_text("id,n,t,owner,st,done\n" + body, encoding="utf-8")
    return read_records(f, tmp_path / "p.yaml").events


def test_rows_are_ordered_by_the_order_column_not_the_file(tmp_path: Path) -> None:
    ev = run(
        tmp_path,
        "c,10,2026-01-01 10:00,,R,\n"  # sys_mod_count-style: 10 after 9, not before it
        "c,9,2026-01-01 09:00,,A,\n",
    )
    assert ev["state"].to_list() == ["open", "resolved"]


def test_status_change_looks_through_ignored_and_same_state_values(tmp_path: Path) -> None:
    ev = run(
        tmp_path,
        "c,1,2026-01-01 09:00,,A,\n"
        "c,2,2026-01-01 09:10,,B,\n"  # B is also open: no new state
        "c,3,2026-01-01 09:20,,X,\n"  # ignored value
        "c,4,2026-01-01 09:30,,,\n"  # empty
        "c,5,2026-01-01 09:40,,W,\n"
        "c,6,2026-01-01 09:50,,A,\n",
    )
    assert ev.select("state", "source_row").rows() == [
        ("open", 1), ("awaiting-customer", 5), ("open", 6),
    ]  # fmt: skip


def test_change_emits_first_and_handovers_looking_through_empties(tmp_path: Path) -> None:
    ev = run(
        tmp_path,
        "c,1,2026-01-01 09:00,,A,\n"
        "c,2,2026-01-01 09:10,ana,A,\n"
        "c,3,2026-01-01 09:20,,A,\n"
        "c,4,2026-01-01 09:30,ana,A,\n"  # ana → (empty) → ana: no hand-over
        "c,5,2026-01-01 09:40,bo,A,\n"
        "d,1,2026-01-01 09:00,bo,A,\n",  # a new case starts with a first assignment
    )
    got = ev.filter(pl.col("event").is_not_null()).select("case_id", "event", "actor", "source_row")
    assert got.rows() == [
        ("c", "assigned", "ana", 2), ("c", "handed_over", "bo", 5), ("d", "assigned", "bo", 6),
    ]  # fmt: skip


def test_timestamp_each_and_same_instant_order(tmp_path: Path) -> None:
    ev = run(
        tmp_path,
        "c,1,2026-01-01 09:00,ana,A,\n"
        "c,2,2026-01-02 09:00,ana,R,2026-01-02 09:00\n"
        "c,3,2026-01-03 09:00,ana,A,2026-01-02 09:00\n"
        "c,4,2026-01-04 09:00,ana,R,2026-01-04 09:00\n",
    )
    rows = ev.select("event", "state", "seq").rows()
    # At one instant: the assignment (source 0) before the state (source 1) before the
    # resolved timestamp (source 2); each distinct resolved_at is one resolved event.
    assert rows == [
        ("assigned", None, 0), (None, "open", 1),
        (None, "resolved", 2), ("resolved", None, 3),
        (None, "open", 4),
        (None, "resolved", 5), ("resolved", None, 6),
    ]  # fmt: skip
