"""Time-limit verdicts on hand-computed cases, release switching, waivers and the fast path.

Fixture: tests/fixtures/checks/engine — calendar Mon–Fri 09:00-12:00 + 13:30-18:00 Asia/Shanghai
with National Day 2025-10-01..08; TL-001 e-mail reply 24h calendar time (12h from 2026.1),
TL-002 resolve in 2 business days pausing while awaiting the customer, TL-003 chat 1 business
hour (severity warning). Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.checks import time_limits
from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.engine import assign_releases, run_check
from svcstd.cli.main import cli
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.spec.model import Waiver
from svcstd.timecalc import parse_instant, run_limit

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "engine"
STANDARDS = load_standards(FIXTURE)
RECORDS = read_records(FIXTURE / "cases.csv", "svcstd")
LATE = parse_instant("2026-02-01T00:00:00+08:00")
EARLY = parse_instant("2025-03-10T20:00:00+08:00")


def verdicts(as_of: int, **kwargs) -> dict[tuple[str, str], tuple[str, str | None]]:
    result = run_check(RECORDS, STANDARDS, as_of=as_of, **kwargs)
    return {
        (r["rule_id"], r["case_id"]): (r["outcome"], r["reason"])
        for r in result.verdicts.iter_rows(named=True)
    }


def test_hand_computed_verdicts_long_after_every_case() -> None:
    got = verdicts(LATE)
    running = ("fail", "still running after the deadline")
    assert {k: v for k, v in got.items() if k[0] == "TL-001"} == {
        ("TL-001", "C1"): ("pass", None),  # Mon 09:00 → Tue 08:00 = 23 h
        ("TL-001", "C2"): ("fail", "stopped after the deadline"),  # Fri 16:30 → Sat 18:00 = 25.5 h
        ("TL-001", "C3"): running,
        ("TL-001", "C4"): running,
        ("TL-001", "C6"): ("not_evaluable", "the case has no channel"),
        ("TL-001", "C9"): ("fail", "stopped after the deadline"),  # 13 h > 2026.1's 12 h
    }
    assert {k: v for k, v in got.items() if k[0] == "TL-003"} == {
        ("TL-003", "C5"): ("pass", None),  # Fri 17:30-18:00 + Mon 09:00-09:20 = 50 min
        ("TL-003", "C6"): ("not_evaluable", "the case has no channel"),
        ("TL-003", "C7"): ("pass", None),
        ("TL-003", "C8"): ("pass", None),
    }
    assert {k: v for k, v in got.items() if k[0] == "TL-002"} == {
        ("TL-002", "C1"): ("pass", None),  # Mon 09:00 → Wed 09:00: exactly the 15 business hours
        ("TL-002", "C2"): running,
        ("TL-002", "C3"): running,
        ("TL-002", "C4"): running,
        ("TL-002", "C5"): running,
        ("TL-002", "C6"): running,
        ("TL-002", "C7"): ("pass", None),  # 1 h, paused Mon 10:00 → Wed 10:00, then 5.5 h
        ("TL-002", "C8"): ("pass", None),  # 6.5 h before National Day + 1 h after it
        ("TL-002", "C9"): running,
    }


def test_the_pause_and_the_holiday_are_not_counted() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=LATE)
    v = result.verdicts.filter(pl.col("rule_id") == "TL-002").select("case_id", "observed", "target")
    rows = {r["case_id"]: (r["observed"], r["target"]) for r in v.iter_rows(named=True)}
    assert rows["C1"] == (15 * 3600, 15 * 3600)
    assert rows["C7"] == (6.5 * 3600, 15 * 3600)
    assert rows["C8"] == (7.5 * 3600, 15 * 3600)


def test_not_yet_due_is_never_a_pass() -> None:
    got = verdicts(EARLY)
    assert got[("TL-001", "C3")] == ("not_evaluable", "not yet due at --as-of")  # 10 h of 24 h
    assert got[("TL-001", "C4")] == ("fail", "still running after the deadline")  # 58 h
    assert got[("TL-002", "C3")] == ("not_evaluable", "not yet due at --as-of")
    assert ("TL-001", "C9") not in got  # opened after --as-of: its events are ignored


def test_each_case_is_judged_by_the_release_in_force_when_opened() -> None:
    cases = assign_releases(RECORDS.cases, RECORDS.events, STANDARDS, None)
    releases = dict(cases.select("case_id", "release").iter_rows())
    assert releases["C1"] == "2025.1"
    assert releases["C9"] == "2026.1"
    assert releases["C10"] is None  # opened 2024-12-30, before the first release
    result = run_check(RECORDS, STANDARDS, as_of=LATE)
    assert result.judged_by == {"2025.1": 8, "2026.1": 1}
    assert result.unjudged == 1
    assert "C10" not in result.verdicts.get_column("case_id").to_list()
    forced = run_check(RECORDS, STANDARDS, as_of=LATE, release="2025.1")
    c9 = forced.verdicts.filter((pl.col("rule_id") == "TL-001") & (pl.col("case_id") == "C9"))
    assert c9.get_column("outcome").to_list() == ["pass"]  # 13 h is within 2025.1's 24 h


def test_waivers_apply_until_they_expire() -> None:
    waivers = [
        Waiver(rule="TL-001", cases=["C2"], justification="mail server outage on 2025-03-08",
               approver="Head of service", expires=dt.date(2026, 12, 31)),
        Waiver(rule="TL-002", cases=["C3"], justification="awaiting a legal opinion",
               approver="Head of service", expires=dt.date(2025, 6, 30)),
    ]
    result = run_check(RECORDS, STANDARDS, as_of=LATE, waivers=waivers)
    rows = {(r["rule_id"], r["case_id"]): r for r in result.verdicts.iter_rows(named=True)}
    assert rows[("TL-001", "C2")]["outcome"] == "waived"
    assert rows[("TL-001", "C2")]["waiver"].startswith("approved by Head of service until 2026-12-31")
    assert rows[("TL-002", "C3")]["outcome"] == "fail"  # the waiver expired before --as-of
    assert rows[("TL-002", "C3")]["waiver"] is None


def test_failures_carry_evidence_with_rows_trace_and_manual_link() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=LATE)
    ev = result.evidence[("TL-001", "C2")]
    assert ev["elapsed"] == "25h30min" and ev["limit"] == "24h"
    assert ev["deadline"] == "2025-03-08T16:30:00+08:00"
    assert [(e["event"], e["row"]) for e in ev["events"]] == [("created", 4), ("first_response", 5)]
    assert ev["trace"][0]["reason"] == "calendar time"
    url = result.verdicts.filter(pl.col("rule_id") == "TL-001").get_column("url").unique().sort().to_list()
    assert url == ["releases/2025.1/time-limits/#tl-001", "releases/2026.1/time-limits/#tl-001"]


def test_evidence_is_capped_but_totals_are_exact() -> None:
    result = run_check(RECORDS, STANDARDS, as_of=LATE, evidence_cap=1)
    fails = result.verdicts.filter((pl.col("rule_id") == "TL-002") & (pl.col("outcome") == "fail")).height
    assert fails == 6
    assert sum(1 for rule, _ in result.evidence if rule == "TL-002") == 1


def _random_export(tmp_path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    base = parse_instant("2025-01-02T00:00:00+08:00")
    rows = ["case_id,at,event,state,actor,group,role,channel,category,priority,tier,customer,opened_at"]
    for i in range(n):
        opened = base + int(rng.integers(0, 300 * 86400))
        channel = ["email", "chat"][int(rng.integers(0, 2))]
        rows.append(f"R{i:04d},{opened},created,new,a,,,{channel},,,,,")
        kind = rng.integers(0, 4)
        if kind == 0:  # answered at the very instant it was opened: does not stop the clock
            rows.append(f"R{i:04d},{opened},first_response,in_progress,a,,,,,,,,")
        if kind in (0, 1, 2):
            reply = opened + int(rng.integers(1, 4 * 86400))
            rows.append(f"R{i:04d},{reply},first_response,in_progress,a,,,,,,,,")
    text = "\n".join(rows) + "\n"
    # epoch seconds → ISO instants for the svcstd format
    out = []
    for line in text.splitlines():
        parts = line.split(",")
        if parts[1].isdigit():
            parts[1] = dt.datetime.fromtimestamp(int(parts[1]), dt.UTC).isoformat()
        out.append(",".join(parts))
    path = tmp_path / "random.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_verdicts_equal_the_per_case_reference_clock(tmp_path: Path, seed: int) -> None:
    # The evaluator judges all cases at once; run_limit (which explains evidence) walks each
    # case. Every started case's outcome, counted time, budget and instants must agree.
    records = read_records(_random_export(tmp_path, 400, seed), "svcstd")
    release = STANDARDS.get("2025.1")
    as_of = parse_instant("2025-11-01T00:00:00Z")
    ctx = CheckContext(records=records, as_of=as_of)
    scope = Scope(release, records.cases, records.events)
    for rule in (release.rule("TL-001"), release.rule("TL-002"), release.rule("TL-003")):
        cases = scope.cases.filter(pl.col("channel").is_in(rule.applies_to.channel or ["email", "chat"]))
        got = time_limits.evaluate([rule], Scope(release, cases, scope.events), ctx)
        cal = ctx.calendar(release, rule.calendar)
        expected = {}
        for (case_id,), events in records.events.sort("case_id", "at", "seq").group_by("case_id"):
            if case_id not in cases.get_column("case_id").to_list():
                continue
            res = run_limit(time_limits.case_clock_events(events), rule, cal, as_of=as_of, trace=False)
            if res.status in ("met", "breached", "running"):
                expected[case_id] = ({"met": "pass", "breached": "fail"}.get(res.status, "not_evaluable"),
                                     float(res.elapsed), float(res.target), res.deadline)
        actual = {
            r["case_id"]: (r["outcome"], r["observed"], r["target"],
                           None if r["deadline"] is None else int(r["deadline"].timestamp()))
            for r in got.iter_rows(named=True)
        }
        assert len(actual) > 100 and actual == expected, rule.id


def test_cli_exit_codes_follow_fail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURE)
    base = ["check", "cases.csv", "--profile", "svcstd", "--standards", ".", "--as-of", "2026-02-01T00:00:00+08:00"]
    assert CliRunner().invoke(cli, base).exit_code == 1  # TL-001 and TL-002 failures are errors
    assert CliRunner().invoke(cli, [*base, "--fail-on", "never"]).exit_code == 0
    first = CliRunner().invoke(cli, [*base, "--format", "json"]).stdout
    second = CliRunner().invoke(cli, [*base, "--format", "json"]).stdout
    assert first == second and '"as_of": "2026-01-31T16:00:00Z"' in first


def test_per_case_path_with_many_passes_before_a_failure(tmp_path: Path) -> None:
    # Polars infers column types from the first 100 rows; a run of passes (reason null) must
    # not make the first failure's reason unrepresentable.
    rows = ["case_id,at,event,state,actor,group,role,channel,category,priority,tier,customer,opened_at"]
    for i in range(150):
        rows.append(f"P{i:03d},2025-03-03T09:00:00+08:00,created,new,a,,,chat,,,,,")
        rows.append(f"P{i:03d},2025-03-03T10:00:00+08:00,,resolved,a,,,,,,,,")
    rows.append("Z999,2025-03-03T09:00:00+08:00,created,new,a,,,chat,,,,,")
    export = tmp_path / "many.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_check(read_records(export, "svcstd"), STANDARDS, as_of=LATE)
    tl2 = result.verdicts.filter(pl.col("rule_id") == "TL-002")
    assert tl2.get_column("outcome").value_counts().sort("outcome").rows() == [("fail", 1), ("pass", 150)]
    assert tl2.filter(pl.col("case_id") == "Z999").get_column("reason").to_list() == [
        "still running after the deadline"
    ]
