"""Helpers of the lint tests: fixture folders, their ``# expect:`` markers, and assertions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from svcstd.lint import LintRule

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lint"
#: ``# expect: SPEC-101`` at the end of a fixture line: that rule reports that line.
EXPECT = re.compile(r"#\s*expect:\s*(SPEC-\d{3}(?:\s*,\s*SPEC-\d{3})*)")

LintJson = Callable[[Path], tuple[int, list[dict[str, Any]]]]


def rules_in(module: ModuleType) -> list[LintRule]:
    """The lint rules a module defines, in the order written."""
    return [v for v in vars(module).values() if isinstance(v, LintRule)]


def expected_findings(folder: Path) -> set[tuple[str, str, int]]:
    """(rule id, file relative to ``folder``, line) for every ``# expect:`` marker in a fixture."""
    out = set()
    for path in sorted(folder.rglob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = EXPECT.search(line)
            if m:
                for rule in re.split(r"\s*,\s*", m.group(1)):
                    out.add((rule, path.relative_to(folder).as_posix(), number))
    return out


def assert_fixture_fails(rule: LintRule, lint_json: LintJson) -> None:
    """The rule's fixture exits 1 and reports exactly the lines its ``# expect:`` markers name."""
    folder = FIXTURES / rule.id
    expected = expected_findings(folder)
    assert any(r == rule.id for r, _, _ in expected), (
        f"{folder} has no '# expect: {rule.id}' marker"
    )
    code, findings = lint_json(folder)
    assert code == 1
    assert {(f["rule"], f["file"], f["line"]) for f in findings} == expected
    for f in findings:
        if f["rule"] == rule.id:
            assert f["slug"] == rule.slug
            assert f["severity"] == rule.severity
            assert f["url"] == f"lint/#{rule.id.lower()}"
