"""``svcstd lint`` as CI runs it: exit codes, --fail-on, --output, --list-rules, broken YAML."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from svcstd.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from svcstd.lint import RULES

from .conftest import Run
from .helpers import FIXTURES


@pytest.mark.parametrize(
    ("folder", "fail_on", "code"),
    [
        ("SPEC-702", "error", EXIT_OK),  # only a warning
        ("SPEC-702", "warning", EXIT_FINDINGS),
        ("SPEC-702", "info", EXIT_FINDINGS),
        ("SPEC-101", "error", EXIT_FINDINGS),
        ("clean", "info", EXIT_OK),
    ],
)
def test_fail_on_threshold(lint_cli: Run, folder: str, fail_on: str, code: int) -> None:
    result = lint_cli(FIXTURES / folder, ".", "--fail-on", fail_on)
    assert result.exit_code == code


def test_default_threshold_is_error(lint_cli: Run) -> None:
    result = lint_cli(FIXTURES / "SPEC-702", ".")
    assert result.exit_code == EXIT_OK
    assert "warning SPEC-702" in result.stdout


def test_default_standards_folder(lint_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "standards").symlink_to(FIXTURES / "SPEC-101", target_is_directory=True)
    result = lint_cli(tmp_path)
    assert result.exit_code == EXIT_FINDINGS
    assert result.stdout.startswith("standards/2025.1/roles.yaml:7:5: error SPEC-101 ")


def test_broken_yaml_exits_2_with_one_located_line(lint_cli: Run) -> None:
    result = lint_cli(FIXTURES / "broken", ".")
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""
    assert (
        result.stderr
        == "error: 2025.1/roles.yaml:5:12: YAML syntax: mapping values are not allowed here\n"
    )


def test_missing_folder_exits_2(lint_cli: Run, tmp_path: Path) -> None:
    result = lint_cli(tmp_path, "nowhere")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == "error: nowhere: no such file or directory\n"


def test_output_is_written_whole(lint_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "lint.sarif"
    target.write_text("old", encoding="utf-8")
    result = lint_cli(FIXTURES / "report", ".", "--format", "sarif", "--output", str(target))
    assert result.exit_code == EXIT_FINDINGS
    assert result.stdout == ""
    assert result.stderr == f"wrote {target}\n"
    direct = lint_cli(FIXTURES / "report", ".", "--format", "sarif").stdout
    assert target.read_text(encoding="utf-8") == direct
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lint.sarif"]


def test_failed_write_keeps_the_old_file(
    lint_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "lint.json"
    target.write_text("old", encoding="utf-8")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    result = lint_cli(FIXTURES / "report", ".", "--format", "json", "--output", str(target))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == f"error: {target}: cannot write: No space left on device\n"
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lint.json"]


def test_output_into_missing_folder_exits_2(lint_cli: Run, tmp_path: Path) -> None:
    result = lint_cli(FIXTURES / "clean", ".", "--output", str(tmp_path / "no" / "out.txt"))
    assert result.exit_code == EXIT_USAGE
    assert "cannot write: the folder does not exist" in result.stderr


def test_list_rules_text(lint_cli: Run, tmp_path: Path) -> None:
    result = lint_cli(tmp_path, "--list-rules")
    assert result.exit_code == EXIT_OK
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    width = max(len(r.slug) for r in RULES.values())
    assert (
        lines[0] == f"SPEC-101  error    {'ref.unknown-role':<{width}}  {RULES['SPEC-101'].title}"
    )


def test_list_rules_json(lint_cli: Run, tmp_path: Path) -> None:
    result = lint_cli(tmp_path, "--list-rules", "--format", "json")
    assert result.exit_code == EXIT_OK
    rules = json.loads(result.stdout)
    assert [r["id"] for r in rules] == list(RULES)
    first = rules[0]
    assert set(first) == {
        "id",
        "slug",
        "title",
        "rationale",
        "severity",
        "scope",
        "description",
        "url",
    }
    assert first["url"] == "lint/#spec-101"
    assert first["description"].startswith("Every role named in an escalation level")


def test_list_rules_refuses_sarif(lint_cli: Run, tmp_path: Path) -> None:
    result = lint_cli(tmp_path, "--list-rules", "--format", "sarif")
    assert result.exit_code == EXIT_USAGE
    assert "--list-rules prints text or json" in result.stderr
