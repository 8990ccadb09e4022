"""The XLSX workbook: sheets, header styles, filters, typed cells, no formulas from records."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from svcstd.checks.engine import CheckResult
from svcstd.report import xlsx


@pytest.fixture(scope="module")
def book(result: CheckResult) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx.render(result)))


def test_sheets_headers_filters(book: Workbook) -> None:
    assert book.sheetnames == ["Summary", "Verdicts", "Failures", "KPIs"]
    for ws in book:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref
        assert ws["A1"].font.bold
    verdicts = book["Verdicts"]
    assert [c.value for c in verdicts[1]][:6] == [
        "rule_id",
        "case_id",
        "kind",
        "release",
        "severity",
        "outcome",
    ]
    assert verdicts.max_row == 1 + 21
    assert verdicts.auto_filter.ref == "A1:P22"
    assert book.properties.created == dt.datetime(2025, 4, 14, 16, 0)
    assert book.properties.creator == "svcstd"


def test_cells_are_typed(book: Workbook) -> None:
    rows = list(book["Verdicts"].iter_rows(min_row=2, values_only=True))
    tl001_e1 = next(r for r in rows if r[0] == "TL-001" and r[1] == "E1")
    assert tl001_e1[7] == 3600 and tl001_e1[8] == 86400  # numbers stay numbers
    assert tl001_e1[9] == dt.datetime(2025, 2, 3, 1, 0)  # an Excel date-time, UTC
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["verdicts: waived"] == 1
    failures = list(book["Failures"].iter_rows(min_row=2, values_only=True))
    e2 = next(r for r in failures if r[1] == "E2")
    assert e2[4] == "waived" and "Mail server outage" in e2[10]
    assert e2[13] == "tests/fixtures/report/cases.csv:3"
    kpis = list(book["KPIs"].iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in kpis] == ["2025-02", "2025-03", "2025-04"]


def test_no_cell_is_a_formula(book: Workbook) -> None:
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
