"""``svcstd generate``: deterministic exports; conforming cases pass; planted = found per kind.

The planted-vs-found test generates an export with breaches, reads it with the built-in
``svcstd`` profile and runs the checker (``run_check``, the engine ``svcstd check`` runs) with
``as_of`` after every case ends, then requires, per rule kind, that the failing (case, rule)
pairs equal the manifest exactly: no missed breach and no false alarm.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.checks import KINDS
from svcstd.checks.engine import CheckResult, run_check
from svcstd.cli.main import cli
from svcstd.generate.engine import PLANTS as PLANT_KINDS
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = ROOT / "standards"
AS_OF = "2026-10-29T00:00:00+08:00"
CASE_KINDS = sorted(k for k in KINDS if k != "kpis")


def _generate(out: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        cli, ["generate", "--standards", str(STANDARDS), *args, "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def _check(path: Path) -> CheckResult:
    records = read_records([path], "svcstd")
    return run_check(records, load_standards(STANDARDS), as_of=parse_instant(AS_OF))


def _failing(result: CheckResult) -> dict[str, set[tuple[str, str]]]:
    fails = result.verdicts.filter(
        (pl.col("outcome") == "fail") & pl.col("case_id").is_not_null()
    ).select("kind", "case_id", "rule_id")
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for kind, case, rule in fails.iter_rows():
        out[kind].add((case, rule))
    return out


@pytest.fixture(scope="module")
def planted(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, set[tuple[str, str]]], dict[str, set[tuple[str, str]]]]:
    out = tmp_path_factory.mktemp("planted") / "export.csv.gz"
    _generate(out, "--cases", "1500", "--seed", "11", "--violations", "0.3")
    manifest = json.loads(Path(f"{out}.violations.json").read_text())
    expected: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in manifest["planted"]:
        expected[p["kind"]].add((p["case_id"], p["rule_id"]))
    return expected, _failing(_check(out))


@pytest.mark.parametrize("kind", sorted({k for k, _ in PLANT_KINDS.values()}))
def test_planted_equals_found(kind: str, planted: tuple[dict, dict]) -> None:  # type: ignore[type-arg]
    if kind not in KINDS:
        pytest.skip(f"no evaluator for {kind} in svcstd.checks.KINDS yet")
    expected, found = planted
    assert expected[kind], f"the generator planted no {kind} breach"
    missed = sorted(expected[kind] - found[kind])
    false_alarms = sorted(found[kind] - expected[kind])
    assert not missed and not false_alarms, (missed[:10], false_alarms[:10])


def test_every_case_kind_has_a_plant() -> None:
    planted_kinds = {k for k, _ in PLANT_KINDS.values()}
    assert set(CASE_KINDS) <= planted_kinds


def test_conforming_export_has_no_failures(tmp_path: Path) -> None:
    out = _generate(tmp_path / "ok.parquet", "--cases", "600", "--seed", "5")
    result = _check(out)
    fails = result.verdicts.filter(pl.col("outcome") == "fail")
    assert fails.height == 0, fails.select("rule_id", "case_id", "reason").head(10)
    # every case kind is judged, and the time limits really were measured
    judged = set(result.verdicts.get_column("kind").unique())
    assert set(CASE_KINDS) <= judged
    manifest = json.loads((tmp_path / "ok.parquet.violations.json").read_text())
    assert manifest["planted"] == [] and manifest["cases"] == 600


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    args = ["--cases", "300", "--seed", "3", "--violations", "0.1"]
    a = _generate(tmp_path / "a.csv", *args)
    b = _generate(tmp_path / "b.csv", *args)
    assert a.read_bytes() == b.read_bytes()
    assert Path(f"{a}.violations.json").read_bytes() == Path(f"{b}.violations.json").read_bytes()
    c = _generate(tmp_path / "c.csv", "--cases", "300", "--seed", "4", "--violations", "0.1")
    assert c.read_bytes() != a.read_bytes()


@pytest.mark.parametrize("name", ["x.csv", "x.csv.gz", "x.jsonl", "x.parquet"])
def test_formats_read_back_alike(tmp_path: Path, name: str) -> None:
    out = _generate(tmp_path / name, "--cases", "50", "--seed", "1")
    records = read_records([out], "svcstd")
    assert records.cases.height == 50
    assert records.events.height == json.loads(Path(f"{out}.violations.json").read_text())["events"]


def test_rules_filter_plants_only_those_rules(tmp_path: Path) -> None:
    out = _generate(tmp_path / "x.csv", "--cases", "400", "--seed", "2", "--violations", "0.5",
                    "--rules", "AUTH-001")  # fmt: skip
    manifest = json.loads(Path(f"{out}.violations.json").read_text())
    plants = {p["plant"] for p in manifest["planted"]}
    assert plants == {"wrong-role-close"}
    assert "AUTH-001" in {p["rule_id"] for p in manifest["planted"]}


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["generate", "--cases", "10", "--rules", "NOPE-001",
                              "--standards", str(STANDARDS), "--output", str(tmp_path / "x.csv")])  # fmt: skip
    assert res.exit_code == 2 and "NOPE-001" in res.output
    assert not (tmp_path / "x.csv").exists()
    res = runner.invoke(cli, ["generate", "--cases", "10", "--standards", str(STANDARDS),
                              "--output", str(tmp_path / "x.xml")])  # fmt: skip
    assert res.exit_code == 2 and not (tmp_path / "x.xml").exists()
