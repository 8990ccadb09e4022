"""The audit history file: schema, refusals, transactions, the comparison behind the gate.

Runs are built by hand (:class:`RunRecord`) and written to real SQLite files in ``tmp_path``;
the end-to-end tests in ``test_cli.py`` record real ``svcstd check`` runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from svcstd.errors import SvcstdError
from svcstd.history import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    RuleResult,
    RunRecord,
    compare,
    load_runs,
    pass_rate,
    record,
    validate,
)


def rule(
    rule_id: str, passed: int, failed: int, waived: int = 0, release: str = "2026.1"
) -> RuleResult:
    return RuleResult(release, rule_id, "time_limits", "error", passed, failed, waived, 0, 0)


def run(*rules: RuleResult, profile: str = "svcstd", release: str | None = None) -> RunRecord:
    return RunRecord(
        as_of="2026-10-28T16:00:00+00:00",
        profile=profile,
        release_option=release,
        include_draft=False,
        standards_root="standards",
        standards_sha256="0" * 64,
        releases=(("2026.1", "1" * 64, 10),),
        exports=(),
        svcstd_version="test",
        command="svcstd check export.csv --profile svcstd",
        cases=10,
        unjudged=0,
        rules=rules,
    )


def test_pass_rate_counts_waived_as_not_passed() -> None:
    assert pass_rate(9, 0, 1) == 0.9
    assert pass_rate(9, 1, 0) == 0.9
    assert pass_rate(0, 0, 0) is None


def test_compare_names_drops_beyond_the_tolerance_only() -> None:
    before = [rule("TL-001", 99, 1), rule("TL-002", 50, 50), rule("TL-003", 10, 0)]
    after = [rule("TL-001", 97, 3), rule("TL-002", 60, 40), rule("TL-003", 10, 0)]
    regressed, unknown = compare(before, after)
    assert [c.before.rule_id for c in regressed] == ["TL-001"]
    assert regressed[0].drop == pytest.approx(2.0)
    assert unknown == []
    assert compare(before, after, tolerance=2.0)[0] == []  # a drop of exactly 2 points is allowed
    assert [c.before.rule_id for c in compare(before, after, tolerance=1.99)[0]] == ["TL-001"]


def test_new_rules_are_not_regressions_and_lost_rules_are_not_compared() -> None:
    before = [rule("TL-001", 10, 0), rule("TL-002", 10, 0), rule("TL-009", 0, 0)]
    after = [rule("TL-001", 10, 0), rule("TL-003", 0, 10), rule("TL-009", 0, 5)]
    regressed, unknown = compare(before, after)
    assert regressed == []  # TL-003 is new; TL-009 had no rate before
    assert [(c.before.rule_id, c.after) for c in unknown] == [("TL-002", None)]


def test_same_rule_id_in_two_releases_is_two_rules() -> None:
    before = [rule("TL-001", 10, 0, release="2025.1")]
    after = [rule("TL-001", 5, 5, release="2026.1")]
    regressed, unknown = compare(before, after)
    assert regressed == [] and [c.before.release for c in unknown] == ["2025.1"]


def test_record_compares_with_the_last_run_of_the_same_scope(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    first = record(path, run(rule("TL-001", 10, 0)))
    assert (first.run_id, first.compared_with) == (1, None)
    other = record(path, run(rule("TL-001", 1, 9), profile="servicenow"))
    assert other.compared_with is None  # another profile is another scope
    pinned = record(path, run(rule("TL-001", 1, 9), release="2026.1"))
    assert pinned.compared_with is None  # --release 2026.1 is another scope than "in force"
    worse = record(path, run(rule("TL-001", 8, 2)), gated=True, exit_code=lambda r: int(bool(r)))
    assert worse.compared_with == 1
    assert [c.before.rule_id for c in worse.regressed] == ["TL-001"]
    again = record(path, run(rule("TL-001", 8, 2)))
    assert (
        again.compared_with == worse.run_id and again.regressed == []
    )  # the regressing run was kept

    runs = load_runs(path)
    assert [r.run_id for r in runs] == [1, 2, 3, 4, 5]
    assert (runs[3].exit_code, runs[3].regressions, runs[3].gated) == (1, 1, True)
    assert runs[3].rules[("2026.1", "TL-001")].pass_rate == 0.8
    assert [r.run_id for r in load_runs(path, last=2)] == [4, 5]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_failed_write_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    record(path, run(rule("TL-001", 10, 0)))
    before = path.read_bytes()
    duplicate = run(rule("TL-001", 10, 0), rule("TL-001", 9, 1))  # violates the primary key
    with pytest.raises(SvcstdError, match=r"history\.sqlite: cannot use the history"):
        record(path, duplicate)
    assert [r.run_id for r in load_runs(path)] == [1]
    assert path.read_bytes() == before


def test_a_failed_first_run_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with pytest.raises(SvcstdError):
        record(path, run(rule("TL-001", 10, 0), rule("TL-001", 9, 1)))
    assert not path.exists()


def refused(path: Path, message: str) -> None:
    before = path.read_bytes()
    with pytest.raises(SvcstdError, match=message) as info:
        validate(path)
    assert str(info.value).startswith(str(path))
    with pytest.raises(SvcstdError, match=message):
        load_runs(path)
    with pytest.raises(SvcstdError, match=message):
        record(path, run(rule("TL-001", 1, 0)))
    assert path.read_bytes() == before  # nothing changed in a file we refuse


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"run 1: all fine\n" * 200)
    refused(path, "not a svcstd history \\(not an SQLite database\\)")


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs (id INTEGER)")
    refused(path, "not a svcstd history \\(an SQLite database of another application\\)")


def test_a_newer_or_unknown_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    record(path, run(rule("TL-001", 10, 0)))
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    refused(path, f"schema version {SCHEMA_VERSION + 1} was written by a newer svcstd")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")
    refused(path, "unknown history schema version 0")


def test_an_empty_file_becomes_a_history_and_a_missing_one_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "touched.sqlite"
    path.touch()
    assert load_runs(path) == []
    record(path, run(rule("TL-001", 10, 0)))
    assert len(load_runs(path)) == 1
    with pytest.raises(SvcstdError, match="no such history file"):
        load_runs(tmp_path / "missing.sqlite")
    with pytest.raises(SvcstdError, match="the folder does not exist"):
        validate(tmp_path / "no" / "such" / "h.sqlite")


def test_record_applies_the_tolerance_in_percentage_points(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    record(path, run(rule("TL-001", 200, 0), rule("TL-002", 100, 0)))
    lower = run(rule("TL-001", 199, 1), rule("TL-002", 90, 10))  # 0.5 and 10 points lower
    gate = record(path, lower, tolerance=0.5, gated=True, exit_code=lambda r: int(bool(r)))
    assert [c.before.rule_id for c in gate.regressed] == ["TL-002"]
    assert load_runs(path)[-1].exit_code == 1
    gate = record(path, run(rule("TL-001", 199, 1), rule("TL-002", 90, 10)), tolerance=0.0)
    assert gate.regressed == []  # compared with run 2 now: no change
