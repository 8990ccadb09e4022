"""The Dask engine gives the local engine's verdicts, on a real Dask cluster in local mode.

A generated export is written as a folder of Parquet files with its rows shuffled, so each
case's rows are spread over several files and must meet in one part through Dask. Reports are
compared byte for byte with the local engine's on the same folder.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli

distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-10-29T00:00:00+08:00"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dask")
    csv = folder / "export.csv"
    args = ["generate", "--standards", str(ROOT / "standards"), "--cases", "300", "--seed", "9",
            "--violations", "0.15", "--output", str(csv)]  # fmt: skip
    assert CliRunner().invoke(cli, args).exit_code == 0
    rows = pl.read_csv(csv, infer_schema=False).sample(fraction=1.0, shuffle=True, seed=1)
    out = folder / "desk"
    (out / "month=10").mkdir(parents=True)
    third = rows.height // 3
    rows.slice(0, third).write_parquet(out / "part-0.parquet")
    rows.slice(third, third).write_parquet(out / "part-1.parquet")
    rows.slice(2 * third).write_parquet(out / "month=10" / "part-2.parquet")
    return out


def _check(source: str, tmp_path: Path, *extra: str, fmt: str = "json") -> tuple[int, bytes, str]:
    out = tmp_path / f"report-{abs(hash((source, extra)))}.{fmt}"
    args = ["check", source, "--profile", "svcstd", "--standards", str(ROOT / "standards"),
            "--as-of", AS_OF, "--format", fmt, "--output", str(out), "--quiet",
            "--fail-on", "never", *extra]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    return result.exit_code, out.read_bytes() if out.exists() else b"", result.output


def test_dask_engine_reports_equal_the_local_engine(dataset: Path, tmp_path: Path) -> None:
    code, local, _ = _check(str(dataset), tmp_path)
    assert code == 0
    doc = local.decode()
    assert '"fail"' in doc and "part-2.parquet" in doc  # failures to compare, all three files
    for fmt in ("json", "csv"):
        _, whole, _ = _check(str(dataset), tmp_path, fmt=fmt)
        code, dask, output = _check(str(dataset), tmp_path, "--engine", "dask", "--parts", "4",
                                    "--jobs", "2", fmt=fmt)  # fmt: skip
        assert code == 0, output
        assert dask == whole, fmt


def test_a_file_url_and_a_running_scheduler(dataset: Path, tmp_path: Path) -> None:
    _, local, _ = _check(str(dataset), tmp_path)
    url = dataset.as_uri()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:  # fmt: skip
        code, dask, output = _check(url, tmp_path, "--engine", "dask", "--scheduler",
                                    cluster.scheduler_address, "--parts", "3")  # fmt: skip
    assert code == 0, output
    # The same verdicts; file names are shown as the URLs given.
    assert dask.replace(url.encode(), str(dataset).encode()) == local


def test_bad_input_is_one_located_line(dataset: Path, tmp_path: Path) -> None:
    rows = pl.read_parquet(dataset / "part-1.parquet")
    bad = tmp_path / "bad"
    bad.mkdir()
    rows.head(5).write_parquet(bad / "a.parquet")
    rows.with_columns(
        event=pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("first_reply")).otherwise("event")
    ).write_parquet(bad / "b.parquet")
    code, _, local = _check(str(bad), tmp_path)
    assert code == 2 and "b.parquet: row 8, column 'event': unknown event 'first_reply'" in local
    code, report, output = _check(str(bad), tmp_path, "--engine", "dask", "--jobs", "1")
    assert (code, report) == (2, b"")
    assert output.strip().splitlines()[-1] == local.strip().splitlines()[-1]
    assert "Traceback" not in output
    code, _, output = _check(str(ROOT / "examples"), tmp_path, "--engine", "dask")
    assert code == 2 and "is a folder with no Parquet files" in output
