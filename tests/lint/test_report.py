"""Reporters, tested on their exact output through the real command line."""

from __future__ import annotations

import json
from typing import Any

from svcstd import __version__
from svcstd.lint import RULES

from .conftest import Run
from .helpers import FIXTURES

REPORT = FIXTURES / "report"
N = len(RULES)


def test_text_report(lint_cli: Run) -> None:
    result = lint_cli(REPORT, ".")
    assert result.exit_code == 1
    assert result.stdout == (
        "2025.1/roles.yaml:3:6: warning SPEC-702 [provenance.uncited-definition] "
        "channel phone cites no source\n"
        "2025.1/roles.yaml:9:5: error SPEC-101 [ref.unknown-role] "
        "unknown role 'leed' (did you mean 'lead'?)\n"
        f"2 findings: 1 error, 1 warning, 0 info (1 release, {N} rules)\n"
    )


def test_text_report_of_clean_standards(lint_cli: Run) -> None:
    result = lint_cli(FIXTURES / "clean", ".")
    assert result.exit_code == 0
    assert result.stdout == f"no findings (2 releases, {N} rules)\n"


def test_json_report(lint_cli: Run) -> None:
    result = lint_cli(REPORT, ".", "--format", "json")
    assert result.exit_code == 1
    assert (
        result.stdout
        == f"""\
{{
  "counts": {{
    "error": 1,
    "info": 0,
    "total": 2,
    "warning": 1
  }},
  "findings": [
    {{
      "col": 6,
      "file": "2025.1/roles.yaml",
      "item": "phone",
      "line": 3,
      "message": "channel phone cites no source",
      "release": "2025.1",
      "rule": "SPEC-702",
      "severity": "warning",
      "slug": "provenance.uncited-definition",
      "url": "lint/#spec-702"
    }},
    {{
      "col": 5,
      "file": "2025.1/roles.yaml",
      "item": "agent",
      "line": 9,
      "message": "unknown role 'leed' (did you mean 'lead'?)",
      "release": "2025.1",
      "rule": "SPEC-101",
      "severity": "error",
      "slug": "ref.unknown-role",
      "url": "lint/#spec-101"
    }}
  ],
  "releases": [
    "2025.1"
  ],
  "rules": {N},
  "standards": ".",
  "tool": {{
    "name": "svcstd",
    "version": "{__version__}"
  }}
}}
"""
    )


def _sarif_rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    level = {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
    return {
        "id": rule_id,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.rationale},
        "defaultConfiguration": {"level": level},
        "properties": {"scope": rule.scope, "manualPath": f"lint/#{rule_id.lower()}"},
    }


def test_sarif_report(lint_cli: Run) -> None:
    result = lint_cli(REPORT, ".", "--format", "sarif")
    assert result.exit_code == 1
    ids = list(RULES)
    expected = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "svcstd",
                        "version": __version__,
                        "rules": [_sarif_rule(i) for i in ids],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "SPEC-702",
                        "ruleIndex": ids.index("SPEC-702"),
                        "level": "warning",
                        "message": {"text": "channel phone cites no source"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "2025.1/roles.yaml"},
                                    "region": {"startLine": 3, "startColumn": 6},
                                }
                            }
                        ],
                        "properties": {"release": "2025.1", "item": "phone"},
                    },
                    {
                        "ruleId": "SPEC-101",
                        "ruleIndex": ids.index("SPEC-101"),
                        "level": "error",
                        "message": {"text": "unknown role 'leed' (did you mean 'lead'?)"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "2025.1/roles.yaml"},
                                    "region": {"startLine": 9, "startColumn": 5},
                                }
                            }
                        ],
                        "properties": {"release": "2025.1", "item": "agent"},
                    },
                ],
            }
        ],
    }
    assert (
        result.stdout == json.dumps(expected, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )


def test_sarif_is_structurally_valid(lint_cli: Run) -> None:
    """Version 2.1.0, one rules entry per lint rule, every result's ruleId among them, located."""
    doc = json.loads(lint_cli(FIXTURES / "SPEC-804", ".", "--format", "sarif").stdout)
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(
        r["name"] and r["properties"]["manualPath"] and r["help"]["text"] and r["shortDescription"]["text"]
        and "helpUri" not in r
        for r in rules
    )
    assert run["results"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        (loc,) = res["locations"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("handbook.yaml")
        assert loc["physicalLocation"]["region"]["startLine"] >= 1


def test_reports_are_deterministic(lint_cli: Run) -> None:
    for fmt in ("text", "json", "sarif"):
        first = lint_cli(FIXTURES / "clean", ".", "--format", fmt).stdout
        assert lint_cli(FIXTURES / "clean", ".", "--format", fmt).stdout == first
