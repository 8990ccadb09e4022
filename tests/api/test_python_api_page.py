"""The manual's Python API page (``site/python-api.md``) is a notebook session that runs: its
``>>>`` examples are executed as doctests in a folder holding the bundled standards and the
export the page generates, so the output it shows is what svcstd gives today."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "site" / "python-api.md"


def test_the_python_api_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "standards", tmp_path / "standards")
    monkeypatch.chdir(tmp_path)
    command = "svcstd generate --cases 200 --seed 7 --violations 0.05 --output build/export.csv"
    assert f"$ {command}" in PAGE.read_text(encoding="utf-8")
    res = CliRunner().invoke(cli, command.split()[1:])
    assert res.exit_code == 0, res.output
    # fence lines end an example's expected output, as a blank line does in a docstring
    text = "\n".join(
        "" if line.startswith("```") else line
        for line in PAGE.read_text(encoding="utf-8").splitlines()
    )
    test = doctest.DocTestParser().get_doctest(text, {}, PAGE.name, str(PAGE), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted >= 20
    assert failed == 0, "the page's examples differ from what svcstd gives (see above)"
    assert (tmp_path / "build" / "audit.html").exists()
