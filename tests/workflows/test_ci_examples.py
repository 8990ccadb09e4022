"""The example CI files under ``examples/ci/`` (included in the manual's CI page) parse as YAML,
and every command line they run works: each ``svcstd …`` line runs, as written, in a scratch
handbook repository. On clean standards and a clean export every line exits 0; with planted
breaches or a broken rule, the gating lines exit 1 while the reporting lines
(``--fail-on never``) still exit 0 and write their reports.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"
Shell = Callable[[str, Path], subprocess.CompletedProcess[str]]
#: Lines that install or build the site: not svcstd commands (the site build has its own tests).
NOT_RUN = {"pip", "sudo", "apt-get", "mkdocs"}


def logical_lines(script: str) -> Iterator[str]:
    """Shell lines, with backslash continuations joined."""
    pending = ""
    for raw in script.splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line and not line.startswith("#"):
            yield line


def scripts(name: str) -> list[str]:
    """Every shell line a CI file runs, in order."""
    doc: dict[Any, Any] = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    out: list[str] = []
    if name.startswith("github"):
        for job in doc["jobs"].values():
            for step in job["steps"]:
                out.extend(logical_lines(step.get("run", "")))
    else:
        for job in doc.values():
            if isinstance(job, dict):
                for part in ("before_script", "script", "after_script"):
                    for item in job.get(part, []):
                        out.extend(logical_lines(item))
    return out


def commands(name: str) -> list[str]:
    lines = scripts(name)
    unknown = {shlex.split(line)[0] for line in lines} - NOT_RUN - {"svcstd", "mkdir"}
    assert not unknown, f"{name}: decide whether the test runs {sorted(unknown)}"
    return [line for line in lines if shlex.split(line)[0] in ("svcstd", "mkdir")]


def gates(line: str) -> bool:
    """Whether the line is meant to fail the job on findings."""
    return "--fail-on never" not in line


def output(line: str) -> str:
    """The file a line writes with ``--output``."""
    words = shlex.split(line)
    return words[words.index("--output") + 1]


FILES = ["github-workflow.yml", "gitlab-ci.yml"]


@pytest.fixture(scope="module")
def scratch(
    tmp_path_factory: pytest.TempPathFactory, make_layout: Callable[..., Path]
) -> Callable[[str], Path]:
    """Scratch repositories by scenario, each made once for both files."""
    made: dict[str, Path] = {}

    def get(scenario: str) -> Path:
        if scenario not in made:
            where = tmp_path_factory.mktemp(scenario)
            if scenario == "breaches":
                made[scenario] = make_layout(where, violations=0.2)
            elif scenario == "broken-rule":
                made[scenario] = make_layout(where, cases=10)
                roles = where / "standards" / "2026.1" / "roles.yaml"
                text = roles.read_text(encoding="utf-8")
                broken = text.replace("escalates_to: [team-lead]", "escalates_to: [team-leed]", 1)
                roles.write_text(broken, encoding="utf-8")
            else:
                made[scenario] = make_layout(where)
        return made[scenario]

    return get


def test_the_examples_gate_lint_check_and_the_site() -> None:
    gh = yaml.safe_load((EXAMPLES / "github-workflow.yml").read_text(encoding="utf-8"))
    assert set(gh["jobs"]) == {"lint", "site", "audit"}
    steps = [s for job in gh["jobs"].values() for s in job["steps"]]
    upload = next(
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    )
    assert upload["if"] == "always()"
    sarif_lines = [c for c in commands("github-workflow.yml") if "--format sarif" in c]
    assert [output(c) for c in sarif_lines] == [upload["with"]["sarif_file"]]
    assert "mkdocs build --strict" in scripts("github-workflow.yml")
    gl = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    junit = [output(c) for c in commands("gitlab-ci.yml") if "--format junit" in c]
    assert junit == [gl["audit"]["artifacts"]["reports"]["junit"]]
    assert "mkdocs build --strict --site-dir public" in scripts("gitlab-ci.yml")
    for name in FILES:
        svcstd_lines = [c for c in commands(name) if c.startswith("svcstd ")]
        assert {shlex.split(c)[1] for c in svcstd_lines} == {"lint", "check"}, name


@pytest.mark.parametrize("name", FILES)
def test_every_command_passes_on_clean_standards_and_export(
    name: str, scratch: Callable[[str], Path], sh: Shell
) -> None:
    work = scratch("clean")
    for line in commands(name):
        res = sh(line, work)
        assert res.returncode == 0, f"{line}\n{res.stdout}{res.stderr}"
        if "--format sarif" in line:
            doc = json.loads((work / output(line)).read_text(encoding="utf-8"))
            assert doc["version"] == "2.1.0" and doc["runs"][0]["results"] == []
        if "--format junit" in line:
            junit = ET.parse(work / output(line)).getroot()
            assert int(junit.get("failures", "0")) == 0 and int(junit.get("tests", "0")) > 0


@pytest.mark.parametrize("name", FILES)
def test_check_gates_fail_on_breaches_and_reports_are_still_written(
    name: str, scratch: Callable[[str], Path], sh: Shell
) -> None:
    work = scratch("breaches")
    for line in commands(name):
        if not line.startswith(("svcstd check", "mkdir")):
            continue
        res = sh(line, work)
        expected = 1 if line.startswith("svcstd check") and gates(line) else 0
        assert res.returncode == expected, f"{line}\n{res.stdout}{res.stderr}"
        if "--format github" in line:
            assert "::error file=exports/latest.csv,line=" in res.stdout
        if "--format junit" in line:
            junit = ET.parse(work / output(line)).getroot()
            assert int(junit.get("failures", "0")) > 0
        if "--format html" in line:
            assert "<html" in (work / output(line)).read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("name", FILES)
def test_lint_gates_fail_on_a_broken_rule(
    name: str, scratch: Callable[[str], Path], sh: Shell
) -> None:
    work = scratch("broken-rule")
    for line in commands(name):
        if not line.startswith(("svcstd lint", "mkdir")):
            continue
        res = sh(line, work)
        expected = 1 if line.startswith("svcstd lint") else 0
        assert res.returncode == expected, f"{line}\n{res.stdout}{res.stderr}"
        if line.startswith("svcstd lint") and "--format" not in line:  # the job log
            assert "standards/2026.1/roles.yaml:21:" in res.stdout and "SPEC-101" in res.stdout
        if "--format sarif" in line:
            results = json.loads((work / output(line)).read_text(encoding="utf-8"))["runs"][0][
                "results"
            ]
            unknown = next(r for r in results if r["ruleId"] == "SPEC-101")
            where = unknown["locations"][0]["physicalLocation"]
            assert where["artifactLocation"]["uri"] == "standards/2026.1/roles.yaml"
            assert where["region"]["startLine"] == 21
