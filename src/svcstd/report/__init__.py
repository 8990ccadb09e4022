"""Reporters: turn a :class:`~svcstd.checks.engine.CheckResult` into a document.

Each reporter is a function ``render(result, *, site_url=None) -> str | bytes``; reporters
never decide pass or fail (the CLI does, from ``--fail-on``). Text that came from records or
specs is escaped for its destination by the reporter that writes it
(:mod:`svcstd.report.escaping`). Every reporter is deterministic: the same result gives the
same bytes (the only time in a report is ``as_of``).

``site_url`` is the manual's address; reporters that link rules (HTML, SARIF) make their links
absolute with it, the others ignore it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from svcstd.checks.compare import Comparison
from svcstd.checks.engine import CheckResult
from svcstd.report import csv_report, github, html, json_report, junit, sarif, text, xlsx


class Reporter(Protocol):
    """The shape of a reporter function."""

    def __call__(self, result: CheckResult, *, site_url: str | None = None) -> str | bytes: ...


#: Registry: --format name → reporter (a test keeps it in step with the CLI contract).
REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "csv": csv_report.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
    "html": html.render,
    "xlsx": xlsx.render,
}


class ComparingReporter(Protocol):
    """A reporter that can also show a what-if comparison (``--compare-release``)."""

    def __call__(
        self,
        result: CheckResult,
        *,
        site_url: str | None = None,
        comparison: Comparison | None = None,
    ) -> str: ...


#: Formats that show a what-if comparison; the others refuse ``--compare-release`` (exit 2):
#: a verdict table (CSV, XLSX), a test report (JUnit) or a findings log (SARIF, GitHub) has no
#: place for "before and after".
COMPARING: dict[str, ComparingReporter] = {
    "text": text.render,
    "json": json_report.render,
    "html": html.render,
}

#: Reporters that can also write their document in pieces (bounded memory on large runs).
STREAMING: dict[str, Callable[..., Iterator[bytes]]] = {"csv": csv_report.stream}

#: Formats whose output is binary (the CLI requires --output for them).
BINARY: frozenset[str] = frozenset({"xlsx"})
