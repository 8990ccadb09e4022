"""Lint reporters: text for people, JSON for tools, SARIF 2.1.0 for code-scanning UIs.

Reporters only lay out a :class:`LintReport`; they never decide pass or fail (the CLI does,
from ``--fail-on``). Every format is deterministic: findings are sorted and JSON keys too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

from svcstd import __version__
from svcstd.lint.base import SEVERITIES, Finding, LintRule


@dataclass(frozen=True)
class LintReport:
    """The outcome of one lint run: what was checked and what was found."""

    standards: str
    releases: tuple[str, ...]
    rules: tuple[LintRule, ...]
    findings: tuple[Finding, ...]

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (zero when none)."""
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def summary(self) -> str:
        """One line: how many findings of each severity, over how many releases and rules."""
        n = len(self.findings)
        counts = self.counts()
        scope = f"{_plural(len(self.releases), 'release')}, {_plural(len(self.rules), 'rule')}"
        if not n:
            return f"no findings ({scope})"
        parts = [
            _plural(counts["error"], "error"),
            _plural(counts["warning"], "warning"),
            f"{counts['info']} info",
        ]
        return f"{_plural(n, 'finding')}: {', '.join(parts)} ({scope})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Reporter:
    """Base of the lint reporters: renders a whole report as one string."""

    name: ClassVar[str]

    def render(self, report: LintReport) -> str:
        raise NotImplementedError


class TextReporter(Reporter):
    """``file:line:col: severity SPEC-101 [slug] message`` per finding, then a summary line."""

    name = "text"

    def render(self, report: LintReport) -> str:
        lines = [str(f) for f in report.findings]
        lines.append(report.summary())
        return "\n".join(lines) + "\n"


class JsonReporter(Reporter):
    """A stable JSON document: what was linted, counts per severity, and every finding."""

    name = "json"

    def render(self, report: LintReport) -> str:
        doc = {
            "tool": {"name": "svcstd", "version": __version__},
            "standards": report.standards,
            "releases": list(report.releases),
            "rules": len(report.rules),
            "counts": {**report.counts(), "total": len(report.findings)},
            "findings": [f.model_dump(mode="json") for f in report.findings],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(file: str) -> str:
    """A SARIF artifact URI: relative paths stay relative (to the working directory)."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


class SarifReporter(Reporter):
    """SARIF 2.1.0: one ``rules`` entry per lint rule, one result per finding."""

    name = "sarif"

    def render(self, report: LintReport) -> str:
        index = {rule.id: i for i, rule in enumerate(report.rules)}
        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "svcstd",
                            "version": __version__,
                            "rules": [self._rule(rule) for rule in report.rules],
                        }
                    },
                    "columnKind": "unicodeCodePoints",
                    "results": [self._result(f, index) for f in report.findings],
                }
            ],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @staticmethod
    def _rule(rule: LintRule) -> dict[str, Any]:
        return {
            "id": rule.id,
            "name": rule.slug,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.description},
            "help": {"text": rule.rationale},
            # SARIF wants helpUri absolute; the manual's address is known only where it is
            # published, so the site-relative path travels as a property (as in check's SARIF).
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            "properties": {"scope": rule.scope, "manualPath": rule.url},
        }

    @staticmethod
    def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": _SARIF_LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(finding.file)},
                        "region": {"startLine": finding.line, "startColumn": finding.col},
                    }
                }
            ],
        }
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        props = {k: v for k, v in (("release", finding.release), ("item", finding.item)) if v}
        if props:
            result["properties"] = props
        return result


#: Reporters by ``--format`` name.
REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
}


def render_rules(rules: Sequence[LintRule], fmt: str) -> str:
    """Every lint rule's metadata, as an aligned table (``text``) or a JSON list (``json``)."""
    if fmt == "json":
        return (
            json.dumps([r.metadata() for r in rules], indent=2, ensure_ascii=False, sort_keys=True)
            + "\n"
        )
    width = max((len(r.slug) for r in rules), default=0)
    return "".join(f"{r.id}  {r.severity:<7}  {r.slug:<{width}}  {r.title}\n" for r in rules)
