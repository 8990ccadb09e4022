"""The pre-commit hook, for real: ``pre-commit install`` in a scratch git repository holding a
copy of the standards, then ``git commit`` — a broken rule stops the commit with the lint
message, the fix lets it through, and a commit that touches no standards skips the hook.

Offline: the hook comes from ``.pre-commit-hooks.yaml`` as a ``repo: local`` hook with
``language: system`` (the svcstd already installed beside the tests), so pre-commit builds no
environment and fetches nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pre_commit", reason="pre-commit is in the test extras")

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["svcstd-lint"]
    return {**hooks[0], "language": "system"}  # local: use the installed svcstd


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    work = tmp_path / "handbook"
    shutil.copytree(ROOT / "standards", work / "standards")
    config = {"repos": [{"repo": "local", "hooks": [hook()]}]}
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (work / "README.md").write_text("# Our handbook\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Maintainer",
        "GIT_AUTHOR_EMAIL": "maintainer@example.com",
        "GIT_COMMITTER_NAME": "Maintainer",
        "GIT_COMMITTER_EMAIL": "maintainer@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }
    for args in (["git", "init", "-q", "-b", "main"], [str(BIN / "pre-commit"), "install"]):
        subprocess.run(args, cwd=work, env=env, check=True, capture_output=True)
    return work, env


def commit(work: Path, env: dict[str, str], *paths: str) -> subprocess.CompletedProcess[str]:
    subprocess.run(["git", "add", *paths], cwd=work, env=env, check=True)
    return subprocess.run(
        ["git", "commit", "-m", "edit"], cwd=work, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # the hook's output goes to stderr
        timeout=300,
    )  # fmt: skip


def test_the_hook_blocks_a_broken_rule_and_passes_the_fix(
    repo: tuple[Path, dict[str, str]],
) -> None:
    work, env = repo
    first = commit(work, env, ".")
    assert first.returncode == 0, first.stdout
    assert "svcstd lint" in first.stdout and "Passed" in first.stdout

    limits = work / "standards" / "2026.1" / "time-limits.yaml"
    good = limits.read_text(encoding="utf-8")
    assert good.count("calendar: contact-centre") >= 1
    limits.write_text(good.replace("calendar: contact-centre", "calendar: contact-centr", 1))
    broken = commit(work, env, "standards")
    assert broken.returncode == 1, broken.stdout
    assert "svcstd lint" in broken.stdout and "Failed" in broken.stdout
    # the lint finding, located: the file, its line, the rule and the unknown calendar
    finding = next(line for line in broken.stdout.splitlines() if "SPEC-104" in line)
    assert finding.startswith("standards/2026.1/time-limits.yaml:")
    assert "contact-centr" in finding and "error" in finding
    # the CI page shows this very output
    page = (ROOT / "site" / "workflows" / "ci.md").read_text(encoding="utf-8")
    assert finding in page.splitlines()
    head = subprocess.run(["git", "log", "--oneline"], cwd=work, env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert len(head.stdout.splitlines()) == 1  # the broken edit was not committed

    limits.write_text(good)
    (work / "standards" / "2026.1" / "roles.yaml").write_text(
        (work / "standards" / "2026.1" / "roles.yaml").read_text(encoding="utf-8") + "\n"
    )
    fixed = commit(work, env, "standards")
    assert fixed.returncode == 0, fixed.stdout
    assert "Passed" in fixed.stdout

    (work / "README.md").write_text("# Our handbook\n\nNo standards changed.\n")
    other = commit(work, env, "README.md")
    assert other.returncode == 0, other.stdout
    assert "Skipped" in other.stdout  # no file under standards/: the hook does not run
