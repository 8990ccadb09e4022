"""A split export reads exactly as a whole one: same events, cases, errors and reports.

``svcstd check`` splits exports above 48 MB by case (``--parts``) and maps the parts in worker
processes (``--jobs``). These tests force small exports through the split path and compare
with the whole-export path, frame for frame and report byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.errors import SvcstdError
from svcstd.records import read_records
from svcstd.records.partitioned import read_records_partitioned

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-10-29T00:00:00+08:00"


@pytest.fixture(scope="module")
def export(generated_export: Callable[..., Path]) -> Path:
    return generated_export("split", cases=300, seed=11, violations=0.1)


def _same(a, b) -> None:
    assert a.events.equals(b.events)
    assert a.cases.equals(b.cases)
    assert (a.files, a.lacks, a.derived, a.event_ids, a.state_ids) == (
        b.files, b.lacks, b.derived, b.event_ids, b.state_ids)  # fmt: skip


@pytest.mark.parametrize("parts", [2, 7])
def test_split_records_equal_the_whole_export(export: Path, parts: int) -> None:
    _same(read_records(export, "svcstd"), read_records_partitioned(export, "svcstd", parts=parts, jobs=1))


def test_worker_processes_give_the_same_records(export: Path) -> None:
    _same(read_records(export, "svcstd"), read_records_partitioned(export, "svcstd", parts=3, jobs=2))


def test_several_files_and_parquet_split_the_same(export: Path, tmp_path: Path) -> None:
    frame = pl.read_csv(export, infer_schema=False)
    half = frame.height // 2
    first, second = tmp_path / "a.csv", tmp_path / "b.parquet"
    frame.slice(0, half).write_csv(first)
    frame.slice(half).write_parquet(second)
    whole = read_records([first, second], "svcstd")
    _same(whole, read_records_partitioned([first, second], "svcstd", parts=4, jobs=1))
    assert {f.path for f in whole.files} == {str(first), str(second)}


def test_the_earliest_bad_row_is_reported_whichever_part_holds_it(export: Path, tmp_path: Path) -> None:
    lines = export.read_text(encoding="utf-8").splitlines()
    # Two bad timestamps in (very likely) different parts: rows 40 and 250.
    for row in (250, 40):
        cells = lines[row].split(",")
        cells[1] = "not a time"
        lines[row] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SvcstdError) as whole:
        read_records(bad, "svcstd")
    for parts in (2, 5):
        with pytest.raises(SvcstdError) as split:
            read_records_partitioned(bad, "svcstd", parts=parts, jobs=1)
        assert str(split.value) == str(whole.value)
    assert "row 40, column 'at'" in str(whole.value)


def test_check_reports_are_byte_identical_split_or_whole(export: Path, tmp_path: Path) -> None:
    base = ["check", str(export), "-p", "svcstd", "--standards", str(ROOT / "standards"),
            "--as-of", AS_OF, "--format", "json", "--fail-on", "never", "-q"]  # fmt: skip
    outs = []
    for parts in ("1", "4"):
        out = tmp_path / f"report-{parts}.json"
        result = CliRunner().invoke(cli, [*base, "--parts", parts, "--jobs", "1", "-o", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b'"fail"' in outs[0]


def test_parquet_is_split_by_its_data_not_its_compressed_size(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import svcstd.records.partitioned as partitioned

    parquet = tmp_path / "export.parquet"
    pl.read_csv(export, infer_schema=False).write_parquet(parquet, compression="zstd")
    budget = export.stat().st_size // 4
    monkeypatch.setattr(partitioned, "BYTES_PER_PART", budget)
    assert parquet.stat().st_size < budget  # by file size alone it would not be split
    assert partitioned.parts_for([parquet]) >= 2
    assert partitioned.parts_for([export]) == 4
