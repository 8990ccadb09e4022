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
"""

from __future__ import annotations

import polars as pl

from svcstd.checks.engine import CheckResult
from svcstd.checks.verdicts import VERDICT_SCHEMA
from svcstd.report.escaping import neutralise_expr


def table(result: CheckResult) -> pl.DataFrame:
    """The verdicts as written: text columns neutralised, instants as ISO strings."""
    exprs: list[pl.Expr] = []
    for name, dtype in VERDICT_SCHEMA.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias(name))
        elif dtype == pl.Utf8:
            exprs.append(neutralise_expr(name))
        else:
            exprs.append(pl.col(name))
    return result.verdicts.select(exprs)


def render(result: CheckResult, *, site_url: str | None = None) -> bytes:
    """The CSV document as bytes (UTF-8 with BOM); ``site_url`` is not used."""
    text = table(result).write_csv(line_terminator="\r\n", quote_style="necessary")
    return b"\xef\xbb\xbf" + text.encode("utf-8")
