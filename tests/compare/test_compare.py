"""What-if replay: the same export judged under two releases, joined and classified per verdict.

The fixture (``tests/fixtures/compare``) has two releases: 2026.1 halves the e-mail reply limit
(TL-001 24 h → 12 h), doubles the chat answer limit (TL-002 1 → 2 business hours), drops
TL-003 (chat resolution), adds TL-004 (e-mail resolution) and raises KPI-001's target (50 % →
75 %). Its cases are opened in January 2026, when 2026.1 is in force, except X1 (December 2024,
before any release). Each case's reply time is chosen so that its verdict flips, or not, in a
known way: the expectations below are worked out by hand from ``cases.csv``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.checks.compare import CHANGES, Comparison, Replay, compare, join, replay
from svcstd.checks.engine import run_check
from svcstd.cli.main import cli
from svcstd.errors import SpecError
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "compare"
AS_OF = parse_instant("2026-03-01T00:00:00+08:00")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def replayed() -> Replay:
    records = read_records(str(FIXTURE / "cases.csv"), "svcstd")
    return replay(records, load_standards(FIXTURE), old="2025.1", as_of=AS_OF)


def changes(comparison: Comparison) -> dict[tuple[str, str | None], str]:
    return {
        (r, c): ch
        for r, c, ch in comparison.verdicts.select("rule_id", "case_id", "change").iter_rows()
    }


def test_fixture_standards_lint_clean() -> None:
    res = CliRunner().invoke(cli, ["lint", str(FIXTURE), "--fail-on", "warning"])
    assert res.exit_code == 0, res.output


def test_every_verdict_is_classified_as_worked_out_by_hand(replayed: Replay) -> None:
    assert changes(replayed.comparison) == {
        ("KPI-001", None): "newly_fail",  # 4 of 6 in time (≥ 50 %) → 1 of 6 (< 75 %)
        ("TL-001", SCRIPT): "newly_fail",  # 20 h
        ("TL-001", "E1"): "newly_fail",  # 23 h
        ("TL-001", "E2"): "newly_fail",  # 13 h
        ("TL-001", "E3"): "unchanged",  # 2 h
        ("TL-001", "E4"): "still_fail",  # 30 h
        ("TL-001", "E6"): "still_fail",  # never answered
        ("TL-002", "H1"): "newly_pass",  # 1.5 business hours
        ("TL-002", "H2"): "unchanged",  # 30 min
        ("TL-002", "H3"): "still_fail",  # 4 business hours
        ("TL-003", "H1"): "only_old",
        ("TL-003", "H2"): "only_old",
        ("TL-003", "H3"): "only_old",
        **{("TL-004", c): "only_new" for c in (SCRIPT, "E1", "E2", "E3", "E4", "E6")},
    }


def test_per_rule_deltas_list_the_flipped_cases_with_exact_totals(replayed: Replay) -> None:
    rules = {d.rule_id: d for d in replayed.comparison.rules}
    assert list(rules) == ["KPI-001", "TL-001", "TL-002", "TL-003", "TL-004"]
    tl1 = rules["TL-001"]
    assert (tl1.newly_fail.total, tl1.newly_fail.shown) == (3, (SCRIPT, "E1", "E2"))
    assert tl1.newly_pass.total == 0
    assert (tl1.old_counts["pass"], tl1.old_counts["fail"]) == (4, 2)
    assert (tl1.new_counts["pass"], tl1.new_counts["fail"]) == (1, 5)
    assert rules["TL-002"].newly_pass.shown == ("H1",)
    assert rules["KPI-001"].newly_fail.shown == ("2026-01",)
    assert {d.rule_id: d.present for d in rules.values()} == {
        "KPI-001": "both",
        "TL-001": "both",
        "TL-002": "both",
        "TL-003": "old",
        "TL-004": "new",
    }
    assert [d.rule_id for d in replayed.comparison.only_old] == ["TL-003"]
    assert [d.rule_id for d in replayed.comparison.only_new] == ["TL-004"]
    assert rules["TL-003"].old_counts == {"pass": 1, "fail": 2, "not_evaluable": 0, "waived": 0}
    assert replayed.comparison.totals == {
        "newly_fail": 4,
        "newly_pass": 1,
        "still_fail": 3,
        "now_not_evaluable": 0,
        "now_evaluable": 0,
        "unchanged": 2,
        "only_old": 3,
        "only_new": 6,
    }
    assert sum(replayed.comparison.totals.values()) == replayed.comparison.verdicts.height


def test_kpi_values_and_targets_before_and_after(replayed: Replay) -> None:
    (kpi,) = replayed.comparison.kpis
    assert (kpi.rule_id, kpi.period, kpi.group) == ("KPI-001", "2026-01", None)
    assert (kpi.old_outcome, kpi.old_observed, kpi.old_target) == ("pass", 4 / 6, 0.5)
    assert (kpi.new_outcome, kpi.new_observed, kpi.new_target) == ("fail", 1 / 6, 0.75)
    assert kpi.change == "newly_fail"


def test_both_sides_judge_the_same_cases(replayed: Replay) -> None:
    # X1 was opened before 2025.1 took effect: the run does not judge it, so neither does the
    # replay under 2025.1 (it would pass TL-001 there and make a pass appear from nowhere).
    assert replayed.new.unjudged == 1
    assert replayed.comparison.not_judged == 1
    assert replayed.comparison.cases == 9
    assert replayed.old.judged_by == {"2025.1": 9}
    assert "X1" not in replayed.comparison.verdicts.get_column("case_id").to_list()
    assert replayed.comparison.new_releases == {"2026.1": 9}


def test_with_release_every_case_is_judged_both_ways() -> None:
    records = read_records(str(FIXTURE / "cases.csv"), "svcstd")
    rp = replay(records, load_standards(FIXTURE), old="2025.1", release="2026.1", as_of=AS_OF)
    got = changes(rp.comparison)
    assert got[("TL-001", "X1")] == "newly_fail"  # 21 h: in time under 24 h, late under 12 h
    assert rp.comparison.not_judged == 0 and rp.comparison.cases == 10
    # December 2024 has one e-mail: below min_cases under both releases
    kpi = {k.period: k for k in rp.comparison.kpis}
    assert (kpi["2024-12"].old_outcome, kpi["2024-12"].new_outcome) == (
        "not_evaluable",
        "not_evaluable",
    )
    assert kpi["2024-12"].change == "unchanged"


def test_capped_lists_keep_exact_totals() -> None:
    records = read_records(str(FIXTURE / "cases.csv"), "svcstd")
    standards = load_standards(FIXTURE)
    old = run_check(records, standards, as_of=AS_OF, release="2025.1")
    new = run_check(records, standards, as_of=AS_OF, release="2026.1")
    comparison = compare(old, new, cap=1)
    tl1 = next(d for d in comparison.rules if d.rule_id == "TL-001")
    assert (tl1.newly_fail.total, tl1.newly_fail.shown, tl1.newly_fail.more) == (4, (SCRIPT,), 3)


def test_the_same_inputs_give_the_same_comparison(replayed: Replay) -> None:
    records = read_records(str(FIXTURE / "cases.csv"), "svcstd")
    again = replay(records, load_standards(FIXTURE), old="2025.1", as_of=AS_OF).comparison
    assert again.verdicts.equals(replayed.comparison.verdicts)
    assert again.rules == replayed.comparison.rules
    keys = replayed.comparison.verdicts.select("rule_id", "case_id", "period", "group")
    assert keys.equals(keys.sort(["rule_id", "case_id", "period", "group"], nulls_last=False))


def test_unknown_old_release_is_a_spec_error() -> None:
    records = read_records(str(FIXTURE / "cases.csv"), "svcstd")
    with pytest.raises(SpecError, match=r"no release '2024\.9'"):
        replay(records, load_standards(FIXTURE), old="2024.9", as_of=AS_OF)


def _verdicts(rows: list[tuple[str, str | None, str | None, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rule_id": [r[0] for r in rows],
            "case_id": [r[1] for r in rows],
            "period": [r[2] for r in rows],
            "group": [None] * len(rows),
            "release": ["x"] * len(rows),
            "kind": ["time_limits"] * len(rows),
            "severity": ["error"] * len(rows),
            "outcome": [r[3] for r in rows],
            "reason": [None] * len(rows),
            "observed": [None] * len(rows),
            "target": [None] * len(rows),
        },
        schema_overrides={
            "group": pl.Utf8,
            "reason": pl.Utf8,
            "observed": pl.Float64,
            "target": pl.Float64,
        },
    )


def test_evaluability_changes_and_waivers_are_never_read_as_passes() -> None:
    old = _verdicts(
        [
            ("R", "a", None, "fail"),
            ("R", "b", None, "pass"),
            ("R", "c", None, "not_evaluable"),
            ("R", "d", None, "waived"),
            ("R", "e", None, "not_evaluable"),
            ("R", "f", None, "pass"),
            ("K", None, "2026-01", "pass"),
            ("K", None, "2026-02", "not_evaluable"),
        ]
    )
    new = _verdicts(
        [
            ("R", "a", None, "not_evaluable"),  # a failure that can no longer be judged
            ("R", "b", None, "not_evaluable"),
            ("R", "c", None, "pass"),
            ("R", "d", None, "fail"),  # waived before, failing now: still failing
            ("R", "e", None, "waived"),  # a waived failure is a failure
            ("R", "f", None, "pass"),
            ("K", None, "2026-01", "pass"),  # KPI rows (no case id) join on the period
            ("K", None, "2026-02", "not_evaluable"),
        ]
    )
    got = {(r, c, p): ch for r, c, p, ch in
           join(old, new).select("rule_id", "case_id", "period", "change").iter_rows()}  # fmt: skip
    assert got == {
        ("K", None, "2026-01"): "unchanged",
        ("K", None, "2026-02"): "unchanged",
        ("R", "a", None): "now_not_evaluable",
        ("R", "b", None): "now_not_evaluable",
        ("R", "c", None): "now_evaluable",
        ("R", "d", None): "still_fail",
        ("R", "e", None): "newly_fail",
        ("R", "f", None): "unchanged",
    }
    assert set(got.values()) <= set(CHANGES)
