"""A split run keeps its passes on disk; every view of its verdicts equals the whole run's.

Reports read findings (every verdict but a case's pass) and the tally (counts per rule,
outcome, channel and month); the CSV report streams every verdict a rule at a time. These
tests hold each of those equal to what the whole verdict frame says, and check that the pass
files go away with the result.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.checks.engine import Plan, run_check
from svcstd.checks.store import TALLY_KEYS
from svcstd.cli.main import cli
from svcstd.engines.local import check_files, judge_groups
from svcstd.records.partitioned import Saved
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = load_standards(ROOT / "standards")
PLAN = Plan(STANDARDS, parse_instant("2026-10-29T00:00:00+08:00"))


@pytest.fixture(scope="module")
def export(generated_export: Callable[..., Path]) -> Path:
    return generated_export("store", cases=300, seed=11, violations=0.2)


@pytest.fixture(scope="module")
def whole(export: Path):  # type: ignore[no-untyped-def]
    return run_check(read_records(export, "svcstd"), STANDARDS, as_of=PLAN.as_of)


def _tally_from(verdicts: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    """The counts a report shows, computed the obvious way from every verdict."""
    about = cases.select("case_id", "channel", month=pl.col("opened_at").dt.strftime("%Y-%m"))
    return (
        verdicts.join(about, on="case_id", how="left")
        .group_by(TALLY_KEYS)
        .agg(n=pl.len().cast(pl.Int64))
        .sort(TALLY_KEYS, nulls_last=False)
    )


def test_a_split_run_keeps_passes_on_disk_and_every_view_agrees(
    export: Path, whole, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    split = check_files(export, "svcstd", PLAN, parts=4, jobs=2, workdir=tmp_path)
    every = whole.verdicts
    assert split.findings.height < every.height / 2  # passes are the bulk, and not held
    assert split.findings.filter(pl.col("outcome") == "pass").get_column("case_id").null_count() \
        == split.findings.filter(pl.col("outcome") == "pass").height  # only KPI passes
    assert split.verdicts.equals(every)
    assert pl.concat(list(split.store.chunks())).equals(every)
    assert split.store.head(37).equals(every.head(37))
    assert split.store.height == every.height
    assert split.tally.equals(_tally_from(every, whole.records.cases))
    assert whole.tally.equals(split.tally)
    assert split.findings.equals(every.filter((pl.col("outcome") != "pass")
                                              | pl.col("case_id").is_null()))  # fmt: skip
    # the pass files live beside the run's work folder only as long as the result
    kept = list(tmp_path.glob("svcstd-verdicts-*/passes-*.arrow"))
    assert kept
    del split
    gc.collect()
    assert not any(p.exists() for p in kept)


def test_the_csv_report_streams_a_rule_at_a_time(export: Path, tmp_path: Path) -> None:
    out_whole, out_split = tmp_path / "whole.csv", tmp_path / "split.csv"
    common = ["check", str(export), "--profile", "svcstd", "--as-of", "2026-10-29T00:00:00+08:00",
              "--format", "csv", "--fail-on", "never", "--quiet"]  # fmt: skip
    assert CliRunner().invoke(cli, [*common, "--parts", "1", "--output", str(out_whole)]).exit_code == 0
    assert CliRunner().invoke(cli, [*common, "--parts", "3", "--output", str(out_split)]).exit_code == 0
    text = out_split.read_bytes()
    assert text == out_whole.read_bytes()
    assert text.startswith(b"\xef\xbb\xbfrule_id,case_id,")
    assert text.count(b"\r\nrule_id,") == 0  # one header, not one per rule


class _Mapped:
    def __init__(self, k: int, rows: int) -> None:
        self.k, self.rows = k, rows
        self.saved = Saved(f"events-{k}.arrow", f"cases-{k}.arrow")


def test_judging_groups_are_balanced_and_hold_every_part() -> None:
    sizes = [70, 10, 40, 40, 30, 5, 90, 20]
    parts = [_Mapped(k, size) for k, size in enumerate(sizes)]
    groups = judge_groups(parts, jobs=2, size=100)
    assert len(groups) == 4  # 305 events in groups of at most about 100, two per worker
    members = sorted(s.events for g in groups for s in g)
    assert members == sorted(f"events-{k}.arrow" for k in range(len(sizes)))
    loads = [sum(sizes[int(s.events[7:-6])] for s in g) for g in groups]
    assert max(loads) - min(loads) <= 30
    assert loads == sorted(loads, reverse=True)  # the largest first
    assert len(judge_groups(parts, jobs=2, size=10**9)) == 2  # small exports: one per worker
    # 305 events in groups of at most 150 on 2 workers: 4 groups, not 3 (the third would run
    # while the other worker waits)
    assert len(judge_groups(parts, jobs=2, size=150)) == 4
    assert len(judge_groups(parts, jobs=3, size=150)) == 3
    assert len(judge_groups(parts[:1], jobs=2, size=10**9)) == 1


def test_a_judging_group_holds_the_cases_of_one_release() -> None:
    # judging costs a fixed time per release a group holds: parts whose cases two releases
    # judge are read by a group of each; cases no release judges go with the part's largest
    parts, releases = [], {}
    for k, labels in enumerate([["a", "a", "b", None], ["a", "b", "b", "b"], ["b"] * 4]):
        parts.append(_Mapped(k, 400))
        ids = [f"C{k}{i}" for i in range(len(labels))]
        releases[k] = pl.DataFrame({"case_id": ids, "release": labels},
                                   schema={"case_id": pl.Utf8, "release": pl.Utf8})  # fmt: skip
    groups = judge_groups(parts, jobs=2, size=500, releases=releases)
    judged: list[tuple[str, str]] = []
    for group in groups:
        kinds = set()
        for saved in group:
            k = int(Path(saved.events).stem.split("-")[1])
            ids = saved.only if saved.only is not None else releases[k]["case_id"]
            mine = releases[k].filter(pl.col("case_id").is_in(ids.implode()))
            kinds |= set(mine["release"].fill_null("a").to_list())
            judged += [(k, c) for c in ids.to_list()]
        assert len(kinds) == 1, group  # one release per group
    every = [(k, c) for k, f in releases.items() for c in f["case_id"].to_list()]
    assert sorted(judged) == sorted(every)  # every case judged once
    # 0.75 + 0.25 + 0 parts of release a, 0.25 + 0.75 + 1 of b: groups of at most about 500
    # events, 1 for a and 2 for b, and one more to make a multiple of two workers
    assert len(groups) == 4
    assert all(s.only is None for g in groups for s in g if s.events.endswith("events-2.arrow"))


def test_the_api_streams_verdicts_a_rule_at_a_time(export: Path, whole) -> None:  # type: ignore[no-untyped-def]
    import svcstd

    result = svcstd.check(export, ROOT / "standards", as_of="2026-10-29T00:00:00+08:00",
                          profile="svcstd", parts=3, jobs=2)  # fmt: skip
    chunks = list(result.verdict_chunks())
    assert len(chunks) == whole.verdicts.get_column("rule_id").n_unique()
    assert all(c.get_column("rule_id").n_unique() == 1 for c in chunks)
    assert pl.concat(chunks).equals(whole.verdicts)
    assert result.totals == {o: whole.verdicts.filter(pl.col("outcome") == o).height
                             for o in ("pass", "fail", "not_evaluable", "waived")}  # fmt: skip
