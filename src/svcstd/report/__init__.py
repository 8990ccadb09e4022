"""Reporters: turn a :class:`~svcstd.checks.engine.CheckResult` into a document.

Each reporter is a function ``render(result) -> str | bytes``; reporters never decide pass or
fail (the CLI does, from ``--fail-on``). Text that came from records is escaped for its
destination by the reporter that writes it.
"""

from __future__ import annotations

from collections.abc import Callable

from svcstd.checks.engine import CheckResult
from svcstd.report import json_report, text

Reporter = Callable[[CheckResult], "str | bytes"]

#: Registry: --format name → reporter (a test keeps it in step with the CLI contract).
REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
}
