"""`svcstd render`: the same pages as the site, written atomically, with a drift check."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

from .conftest import STANDARDS, need


@pytest.fixture(autouse=True)
def _dot() -> None:
    need("dot", "Graphviz draws the flowcharts")


def _render(*args: str) -> object:
    return CliRunner().invoke(cli, ["render", "--standards", str(STANDARDS), *args])


def test_writes_every_page_and_checks_for_drift(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    result = _render("--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert (out / "handbook" / "time-limits.md").is_file()
    assert (out / "releases" / "2025.1" / "processes" / "proc-001.md").is_file()
    assert "<svg" in (out / "handbook" / "processes" / "proc-001.md").read_text(encoding="utf-8")
    assert _render("--out", str(out), "--check").exit_code == EXIT_OK
    (out / "handbook" / "kpis.md").write_text("edited", encoding="utf-8")
    (out / "stray.md").write_text("x", encoding="utf-8")
    result = _render("--out", str(out), "--check")
    assert result.exit_code == EXIT_FINDINGS
    assert (
        "differs: handbook/kpis.md" in result.output and "not generated: stray.md" in result.output
    )


def test_rerun_replaces_the_folder_as_a_whole(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    assert _render("--out", str(out)).exit_code == EXIT_OK
    (out / "stale.md").write_text("old", encoding="utf-8")
    assert _render("--out", str(out)).exit_code == EXIT_OK
    assert not (out / "stale.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]  # no temporary folders left


def test_a_failed_run_leaves_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    assert _render("--out", str(out)).exit_code == EXIT_OK
    before = (out / "handbook" / "index.md").read_text(encoding="utf-8")
    bad = tmp_path / "tpl"
    bad.mkdir()
    (bad / "rule.md.j2").write_text("{{ rule.missing }}", encoding="utf-8")
    result = _render("--out", str(out), "--templates", str(bad))
    assert result.exit_code == EXIT_USAGE
    assert "rule.missing" in result.output or "missing" in result.output
    assert (out / "handbook" / "index.md").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "tpl"]


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    result = _render("--out", str(tmp_path))
    assert result.exit_code == EXIT_USAGE
    assert "refusing" in result.output
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_bad_standards_are_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["render", "--standards", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == EXIT_USAGE
    assert not (tmp_path / "o").exists()
