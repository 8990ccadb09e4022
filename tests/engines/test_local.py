"""The local engine judges an export split by case exactly as the whole export is judged.

Each part is mapped and judged on a worker process; cross-case facts (an actor's earliest
role, a customer's other cases) come from the whole export. These tests compare the split run
with :func:`run_check` on the whole export: verdicts, evidence, counts and reports.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.checks.engine import Plan, combine, run_check
from svcstd.cli.main import cli
from svcstd.engines.local import check_files
from svcstd.engines.parts import facts_of, judge_part
from svcstd.errors import SvcstdError
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.spec.model import Waiver
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-10-29T00:00:00+08:00"
STANDARDS = load_standards(ROOT / "standards")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated export where half the rows do not say the actor's role, so roles must be
    learnt from other cases (often in other parts)."""
    folder = tmp_path_factory.mktemp("engine")
    full = folder / "full.csv"
    args = ["generate", "--standards", str(ROOT / "standards"), "--cases", "400", "--seed", "5",
            "--violations", "0.15", "--output", str(full)]  # fmt: skip
    assert CliRunner().invoke(cli, args).exit_code == 0
    frame = pl.read_csv(full, infer_schema=False)
    blank = pl.int_range(pl.len()) % 2 == 1
    out = folder / "export.csv"
    frame.with_columns(role=pl.when(blank).then(None).otherwise(pl.col("role"))).write_csv(out)
    return out


def _plan(**kw: object) -> Plan:
    return Plan(STANDARDS, parse_instant(AS_OF), **kw)  # type: ignore[arg-type]


def _whole(export: Path, plan: Plan):  # type: ignore[no-untyped-def]
    return run_check(
        read_records(export, "svcstd"), plan.standards, as_of=plan.as_of, release=plan.release,
        waivers=plan.waivers, include_draft=plan.include_draft, evidence_cap=plan.evidence_cap,
    )  # fmt: skip


def _assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.verdicts.equals(b.verdicts)
    assert a.evidence == b.evidence
    assert (a.judged_by, a.unjudged, a.as_of) == (b.judged_by, b.unjudged, b.as_of)
    assert a.records.cases.height == b.records.cases.height


def test_a_grouped_export_is_judged_range_by_range_as_the_whole(
    export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no --parts: an export grouped by case (as svcstd writes them) is mapped where each
    # worker reads its range, with no split; 30 KB ranges cut the export into dozens
    import svcstd.records.partitioned as partitioned

    monkeypatch.setattr(partitioned, "MAP_RANGE_BYTES", 30_000)
    plan = _plan()
    steps: list[str] = []
    grouped = check_files(export, "svcstd", plan, jobs=2, progress=lambda s, d, t: steps.append(s))
    assert any(s.startswith("mapped") and "range by range" in s for s in steps), steps
    _assert_same(_whole(export, plan), grouped)


def test_split_run_equals_the_whole_export(export: Path) -> None:
    plan = _plan()
    whole = _whole(export, plan)
    split = check_files(export, "svcstd", plan, parts=5, jobs=2)
    _assert_same(whole, split)
    outcomes = set(whole.verdicts.get_column("outcome"))
    assert {"pass", "fail", "not_evaluable"} <= outcomes  # the comparison covers all outcomes
    assert whole.verdicts.filter(pl.col("kind") == "kpis").height > 0


def test_split_run_with_waivers_draft_rules_and_a_named_release(export: Path) -> None:
    whole_plain = _whole(export, _plan())
    failing = whole_plain.verdicts.filter(pl.col("outcome") == "fail")
    rule, case = failing.row(0, named=True)["rule_id"], failing.row(0, named=True)["case_id"]
    phone = whole_plain.records.cases.filter(pl.col("channel") == "phone").select("case_id")
    on_phone = failing.join(phone, on="case_id", how="semi").row(-1, named=True)["rule_id"]
    waivers = (
        Waiver(rule=rule, cases=[case], justification="mail server outage", approver="ops lead",
               expires=dt.date(2030, 1, 1)),
        Waiver(rule=on_phone, selector={"channel": ["phone"]},
               justification="phone system migration", approver="ops lead",
               expires=dt.date(2030, 1, 1)),
    )  # fmt: skip
    waived = _plan(waivers=waivers, include_draft=True)
    for plan in (waived, _plan(release="2026.1")):
        whole = _whole(export, plan)
        _assert_same(whole, check_files(export, "svcstd", plan, parts=3, jobs=1))
        if plan is waived:  # both waivers took effect
            assert (whole.verdicts.get_column("outcome") == "waived").sum() >= 2


def test_parts_need_the_whole_exports_facts(export: Path) -> None:
    """Judged with only their own facts, the parts would disagree with the whole export: the
    equality above depends on the shared facts, not on luck."""
    plan = _plan()
    records = read_records(export, "svcstd")
    whole = _whole(export, plan)
    key = pl.col("case_id").hash(0) % 4
    parts = []
    for k in range(4):
        ids = records.cases.filter(key == k).select("case_id")
        part = records.__class__(
            records.events.join(ids, on="case_id", how="semi"),
            records.cases.join(ids, on="case_id", how="semi"),
            records.profile, records.files, records.lacks, records.derived,
            records.event_ids, records.state_ids,
        )  # fmt: skip
        parts.append(judge_part(part, plan, facts_of(part)).judged)
    alone = combine([p.verdicts for p in parts], [p.measured for p in parts], plan)
    assert not alone.equals(whole.verdicts)


def test_cli_reports_are_byte_identical_split_or_whole(export: Path, tmp_path: Path) -> None:
    for fmt in ("json", "csv", "html", "sarif"):
        outs = []
        for extra in ([], ["--parts", "4", "--jobs", "2"]):
            out = tmp_path / f"{fmt}-{len(extra)}"
            args = ["check", str(export), "--profile", "svcstd", "--standards",
                    str(ROOT / "standards"), "--as-of", AS_OF, "--format", fmt, "--output",
                    str(out), "--quiet", "--fail-on", "never", *extra]  # fmt: skip
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output
            outs.append(out.read_bytes())
        assert outs[0] == outs[1], fmt


def test_the_earliest_unknown_event_is_reported_whichever_part_holds_it(
    export: Path, tmp_path: Path
) -> None:
    frame = pl.read_csv(export, infer_schema=False)
    bad = frame.with_columns(
        event=pl.when(pl.int_range(pl.len()).is_in([40, 900]))
        .then(pl.lit("first_reply"))
        .otherwise(pl.col("event"))
    )
    path = tmp_path / "bad.csv"
    bad.write_csv(path)
    with pytest.raises(SvcstdError) as whole:
        read_records(path, "svcstd") and _whole(path, _plan())
    for parts in (2, 5):
        with pytest.raises(SvcstdError) as split:
            check_files(path, "svcstd", _plan(), parts=parts, jobs=1)
        assert str(split.value) == str(whole.value)
    assert "row 41, column 'event': unknown event 'first_reply'" in str(whole.value)


def test_python_api_splits_export_paths_too(export: Path) -> None:
    import svcstd

    whole = svcstd.check(svcstd.read_records(export, "svcstd"), ROOT / "standards", as_of=AS_OF)
    split = svcstd.check(export, ROOT / "standards", as_of=AS_OF, profile="svcstd", parts=3,
                         jobs=1)  # fmt: skip
    assert split.report("json") == whole.report("json")
    assert split.records.events.height == split.records.cases.height  # first events only
