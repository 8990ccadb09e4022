"""A user's pipeline script, type-checked with ``mypy --strict`` by test_typing.py (never run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

import svcstd


def audit(export: Path, out: Path) -> int:
    standards: svcstd.Standards = svcstd.load_standards("standards")
    findings = svcstd.lint_standards(standards)
    for finding in findings:
        print(f"{finding.file}:{finding.line}: {finding.rule} {finding.message}")
    records: svcstd.RecordSet = svcstd.read_records([export], profile="svcstd")
    result = svcstd.check(
        records, standards, as_of=dt.datetime(2026, 10, 29, tzinfo=dt.UTC), waivers=()
    )
    late: pl.DataFrame = result.failures().filter(pl.col("kind") == "time_limits")
    share: float = result.totals["fail"] / max(1, result.verdicts.height)
    text: str = result.report("json")
    workbook: bytes = result.report("xlsx")
    written: Path = result.write(out / "audit.html")
    deadline: dt.datetime = svcstd.due("2026-11-23T10:00+08:00", "2bd", standards=standards)
    spent: dt.timedelta = svcstd.business_time(deadline, deadline + dt.timedelta(days=1))
    print(late.height, share, len(text), len(workbook), written, spent, result.summary())
    try:
        svcstd.check("missing.csv", standards, profile="svcstd", as_of="2026-10-29T00:00Z")
    except svcstd.SvcstdError as exc:
        print(exc.problems[0])
    return result.exit_code("warning") or findings.exit_code()
