"""Text from records and specs, made safe for the destination a reporter writes to.

Case ids, actors, reasons and rule titles come from exports and YAML files nobody here wrote,
so every reporter treats them as untrusted:

* **Spreadsheets (CSV and XLSX)** — a cell that starts with ``=``, ``+``, ``-`` or ``@``, or
  with a tab or carriage return, is read by Excel, LibreOffice and Google Sheets as a formula
  (``=HYPERLINK("http://evil", "click")``, DDE payloads). Following the OWASP "CSV Injection"
  recommendation such a cell gets a leading ``'``, which spreadsheet programs show as text.
  One rule, used by both formats: :func:`neutralise` for single values and
  :func:`neutralise_expr` for whole Polars columns (the CSV writer's fast path). Numbers are
  written as numbers and never pass through here; a *text* cell such as the case id ``-100``
  does get the quote, as OWASP advises (a false positive costs one visible apostrophe).
* **XML (JUnit)** — XML 1.0 cannot carry most control characters at all, even escaped;
  :func:`xml_text` drops them (ElementTree escapes ``& < > "`` itself).
* **GitHub workflow commands** — :func:`gh_data` / :func:`gh_property` percent-encode what the
  runner would otherwise read as the end of a message or of a property.
* **HTML** is escaped by Jinja's autoescape (see :mod:`svcstd.report.html`).
"""

from __future__ import annotations

import re

import polars as pl

#: First characters that make a spreadsheet cell a formula (OWASP, "CSV Injection").
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def neutralise_expr(column: str) -> pl.Expr:
    """:func:`neutralise` over a whole Utf8 column (nulls stay null)."""
    col = pl.col(column)
    return (
        pl.when(col.str.contains(_FORMULA_PATTERN))
        .then(pl.lit("'") + col)
        .otherwise(col)
        .alias(column)
    )


# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot represent."""
    return NOT_XML.sub("", value)


def gh_data(value: str) -> str:
    """A GitHub workflow-command message: ``%``, CR and LF percent-encoded."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(value: str) -> str:
    """A GitHub workflow-command property value: also ``:`` and ``,`` encoded."""
    return gh_data(value).replace(":", "%3A").replace(",", "%2C")
