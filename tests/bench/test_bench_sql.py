"""The benchmark's DuckDB SQL gives svcstd's verdict for every (case, rule) it covers.

A real equality test of both sides: a generated export with planted breaches, checked by
``svcstd check --format csv`` and by the SQL of ``bench/sql.py``, at an ``--as-of`` that leaves
some cases still running (so pass, fail and not evaluable all occur).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("duckdb", reason="duckdb is in the test and bench extras")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import sql  # noqa: E402

AS_OF = "2026-03-10T12:00:00+08:00"
SVCSTD = str(Path(sys.executable).with_name("svcstd"))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "export.csv"
    subprocess.run(
        [SVCSTD, "generate", "--cases", "240", "--seed", "11", "--violations", "0.5",
         "--output", str(path)],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    return path


def svcstd_verdicts(export: Path, rules: list[str]) -> pl.DataFrame:
    out = export.with_name("report.csv")
    subprocess.run(
        [SVCSTD, "check", str(export), "--profile", "svcstd", "--as-of", AS_OF,
         "--format", "csv", "--output", str(out), "--fail-on", "never", "--quiet"],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    frame = pl.read_csv(out, infer_schema=False)
    return frame.filter(pl.col("rule_id").is_in(rules)).select(
        "rule_id", "release", "case_id", "outcome"
    )


def test_sql_reproduces_every_time_limit_verdict(export: Path) -> None:
    result = sql.run(export, ROOT / "standards", sql.parse_as_of(AS_OF))
    mine = pl.from_arrow(result["verdicts"])
    theirs = svcstd_verdicts(export, result["rules"])
    key = ["rule_id", "release", "case_id"]
    joined = mine.join(theirs, on=key, how="full", coalesce=True, suffix="_svcstd")
    differ = joined.filter(pl.col("outcome").ne_missing(pl.col("outcome_svcstd")))
    assert differ.to_dicts() == []
    outcomes = dict(theirs.group_by("outcome").len().iter_rows())
    # the comparison means something only if every outcome occurs, on both releases
    assert {"pass", "fail", "not_evaluable"} <= outcomes.keys(), outcomes
    assert set(theirs.get_column("release")) == {"2025.1", "2026.1"}
    assert {"TL-001", "TL-006", "TL-032"} <= set(result["rules"])


def test_shared_rules_leave_out_pausing_and_resetting_clocks() -> None:
    from svcstd.spec.releases import load_standards

    rules = {r.id for _, r in sql.shared_rules(load_standards(ROOT / "standards"))}
    assert "TL-013" not in rules  # pauses while awaiting the customer
    assert "TL-022" not in rules  # resets on progress updates
    assert "TL-003" in rules
