"""The replay a reviewer of the bundled 2026.1 runs: generated 2026 cases, judged under 2025.1.

``svcstd diff standards/2025.1 standards/2026.1`` lists what 2026.1 changes: the CSAT target
KPI-002 (85 % → 90 %), a new queue-wait limit TL-032, the 2026 holidays. The replay must show
exactly those rule-level differences on an export that follows the standards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.checks.compare import Replay, replay
from svcstd.cli.main import cli
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-01T00:00:00+08:00"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Replay:
    export = tmp_path_factory.mktemp("bundled") / "cases.csv"
    standards = str(ROOT / "standards")
    args = ["generate", "--cases", "60", "--seed", "3", "--start", "2026-01-05",
            "--standards", standards, "--as-of", AS_OF, "-o", str(export)]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    records = read_records(str(export), "svcstd")
    standards = load_standards(ROOT / "standards")
    return replay(records, standards, old="2025.1", as_of=parse_instant(AS_OF))


def test_only_the_new_queue_limit_is_new(replayed: Replay) -> None:
    comparison = replayed.comparison
    assert comparison.new_releases == {"2026.1": 60}
    assert [d.rule_id for d in comparison.only_new] == ["TL-032"]
    assert comparison.only_old == []
    tl32 = next(d for d in comparison.rules if d.rule_id == "TL-032")
    judged = sum(tl32.new_counts.values())
    assert judged > 0 and tl32.changes["only_new"] == judged


def test_csat_target_rises_and_its_value_stays(replayed: Replay) -> None:
    csat = [k for k in replayed.comparison.kpis if k.rule_id == "KPI-002"]
    assert csat and {(k.old_target, k.new_target) for k in csat} == {(0.85, 0.9)}
    # the same survey scores under both releases: only the bar moved
    assert all(k.old_observed == k.new_observed for k in csat)
    assert {k.period for k in csat} >= {"2026-01", "2026-06"}
    others = [k for k in replayed.comparison.kpis if k.rule_id != "KPI-002"]
    assert all(k.old_target == k.new_target for k in others)
