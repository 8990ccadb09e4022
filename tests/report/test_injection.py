"""A case id that is an HTML payload or a spreadsheet formula stays inert in every format."""

from __future__ import annotations

import csv
import io
import json

import openpyxl

from svcstd.checks.engine import CheckResult
from svcstd.report import REPORTERS

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'


def test_the_fixture_carries_the_payloads(result: CheckResult) -> None:
    ids = set(result.verdicts.get_column("case_id").drop_nulls().to_list())
    assert {SCRIPT, FORMULA} <= ids


def test_html_escapes(result: CheckResult) -> None:
    doc = REPORTERS["html"](result)
    assert isinstance(doc, str)
    assert SCRIPT not in doc and "&lt;script&gt;" in doc
    assert "=HYPERLINK(&#34;http://x&#34;)" in doc


def test_csv_neutralises_formulas(result: CheckResult) -> None:
    data = REPORTERS["csv"](result)
    assert isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    ids = {r["case_id"] for r in rows}
    assert "'" + FORMULA in ids and FORMULA not in ids
    assert SCRIPT in ids  # plain text in a CSV, nothing to neutralise
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_xlsx_neutralises_formulas(result: CheckResult) -> None:
    data = REPORTERS["xlsx"](result)
    assert isinstance(data, bytes)
    book = openpyxl.load_workbook(io.BytesIO(data))
    values = [c.value for ws in book for row in ws.iter_rows() for c in row]
    texts = [v for v in values if isinstance(v, str)]
    assert "'" + FORMULA in texts and FORMULA not in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]


def test_machine_formats_keep_the_value(result: CheckResult) -> None:
    """JSON and SARIF are data, not spreadsheets: the id is kept exactly (JSON-escaped)."""
    sarif = json.loads(REPORTERS["sarif"](result))
    names = {
        loc["logicalLocations"][0]["name"]
        for res in sarif["runs"][0]["results"]
        for loc in res["locations"]
    }
    assert f"case {FORMULA}" in names and f"case {SCRIPT}" in names
