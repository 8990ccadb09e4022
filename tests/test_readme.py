"""The README's two fresh-machine commands stay true: CI runs exactly the documented test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", quick, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    main_job, tests = commands()
    ci_lines = [ln for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if ln and not ln.startswith(("#", "set ", "cd ", "export "))]
    assert ci_lines == [tests]
    assert tests.endswith(".venv/bin/pytest")


def test_main_job_lints_generates_and_checks_with_the_html_report() -> None:
    main_job, _ = commands()
    steps = main_job.split(" && ")
    assert steps[0] == "python3 -m venv .venv"
    assert [s.split()[1] for s in steps[2:]] == ["lint", "generate", "check"]
    assert "--format html --output build/example/report.html" in steps[-1]
    assert "--as-of" in steps[-1]  # reproducible
