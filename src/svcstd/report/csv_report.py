"""CSV report: one row per verdict, the columns of the verdict frame in their fixed order.

Written for people who open it in Excel, so:

* **UTF-8 with a byte-order mark.** Excel opens a BOM-less CSV in the machine's ANSI code page
  and garbles every non-ASCII character (Chinese titles, names in records); with the BOM it
  reads UTF-8. Python (``utf-8-sig``), pandas, Polars and LibreOffice all skip the BOM. Tools
  that want raw data should read the JSON report instead.
* **CRLF line ends and minimal quoting**, as RFC 4180 says.
* **Formula injection neutralised**: text cells that a spreadsheet would run as a formula get
  a leading ``'`` (:mod:`svcstd.report.escaping`). Numbers stay numbers.
* Instants as ISO 8601 UTC (``2025-03-05T01:00:00Z``), as in the JSON report; empty for null.

The columns are :data:`svcstd.checks.verdicts.VERDICT_SCHEMA` in order, so a new column there
appears here without a change, and the header row is the contract.

:func:`stream` writes the report a rule at a time (:meth:`VerdictStore.chunks`), so a run with
tens of millions of verdicts never holds them all, nor the whole document, in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from svcstd.checks.engine import CheckResult
from svcstd.checks.verdicts import VERDICT_SCHEMA
from svcstd.report.escaping import neutralise_expr


def table(result: CheckResult) -> pl.DataFrame:
    """The verdicts as written: text columns neutralised, instants as ISO strings."""
    return written(result.verdicts)


def written(verdicts: pl.DataFrame) -> pl.DataFrame:
    """Verdict rows as written: text columns neutralised, instants as ISO strings."""
    exprs: list[pl.Expr] = []
    for name, dtype in VERDICT_SCHEMA.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias(name))
        elif dtype == pl.Utf8:
            exprs.append(neutralise_expr(name))
        else:
            exprs.append(pl.col(name))
    return verdicts.select(exprs)


def stream(result: CheckResult, *, site_url: str | None = None) -> Iterator[bytes]:
    """The CSV document in pieces (UTF-8 with BOM, then a rule's verdicts at a time)."""
    yield b"\xef\xbb\xbf"
    header = True
    for chunk in result.store.chunks():
        text = written(chunk).write_csv(
            line_terminator="\r\n", quote_style="necessary", include_header=header
        )
        header = False
        yield text.encode("utf-8")
    if header:  # no verdicts at all: the header row alone
        empty = pl.DataFrame(schema=VERDICT_SCHEMA)
        yield written(empty).write_csv(line_terminator="\r\n").encode("utf-8")


def render(result: CheckResult, *, site_url: str | None = None) -> bytes:
    """The CSV document as bytes (UTF-8 with BOM); ``site_url`` is not used."""
    return b"".join(stream(result))
