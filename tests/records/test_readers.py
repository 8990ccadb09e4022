"""Every reader on small fixture files: the same canonical frames whatever the format."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from svcstd.records import EVENT_COLUMNS, EVENT_SCHEMA, CASE_SCHEMA, read_records

from .conftest import FIXTURES

UTC = dt.UTC


def _events(rs) -> list[tuple]:  # type: ignore[no-untyped-def]
    return rs.events.drop("source_file").rows()


@pytest.fixture(scope="module")
def canonical_csv():  # type: ignore[no-untyped-def]
    return read_records(FIXTURES / "svcstd_events.csv", "svcstd")


def test_svcstd_csv_frames_follow_the_schema(canonical_csv) -> None:  # type: ignore[no-untyped-def]
    ev = canonical_csv.events
    assert tuple(ev.columns) == EVENT_COLUMNS
    for name, dtype in EVENT_SCHEMA.items():
        assert ev.schema[name] == dtype, name
    assert isinstance(ev.schema["source_file"], pl.Enum)
    cases = canonical_csv.cases
    for name, dtype in CASE_SCHEMA.items():
        assert cases.schema[name] == dtype, name
    assert cases.columns[-1] == "attr_region"
    assert canonical_csv.lacks == frozenset()
    assert canonical_csv.files[0].encoding == "utf-8"


def test_svcstd_events_are_sorted_by_case_time_and_seq(canonical_csv) -> None:  # type: ignore[no-untyped-def]
    rows = canonical_csv.events.select("case_id", "at", "event", "source_row", "seq").rows()
    assert rows == [
        ("C-1", dt.datetime(2026, 1, 5, 1, 0, tzinfo=UTC), "created", 1, 0),
        ("C-1", dt.datetime(2026, 1, 5, 1, 0, tzinfo=UTC), "accepted", 2, 1),
        ("C-1", dt.datetime(2026, 1, 5, 1, 30, tzinfo=UTC), "first_response", 5, 2),
        ("C-1", dt.datetime(2026, 1, 5, 1, 40, tzinfo=UTC), "resolved", 4, 3),
        ("C-1", dt.datetime(2026, 1, 8, 1, 40, tzinfo=UTC), "closed", 7, 4),
        ("C-2", dt.datetime(2026, 1, 5, 2, 15, tzinfo=UTC), "created", 3, 0),
        ("C-2", dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC), "escalated", 6, 1),
    ]
    assert canonical_csv.cases.row(1, named=True) == {
        "case_id": "C-2",
        "channel": "email",
        "category": "complaint",
        "priority": "urgent",
        "tier": "core",
        "customer": "cust-2",
        "opened_at": dt.datetime(2026, 1, 5, 2, 15, tzinfo=UTC),
        "attr_region": None,
    }


@pytest.mark.parametrize("name", ["svcstd_events.jsonl", "svcstd_events.parquet"])
def test_jsonl_and_parquet_read_like_csv(name: str, canonical_csv) -> None:  # type: ignore[no-untyped-def]
    rs = read_records(FIXTURES / name, "svcstd")
    assert _events(rs) == _events(canonical_csv)
    assert rs.cases.equals(canonical_csv.cases)
    assert rs.files[0].format == name.rsplit(".", 1)[1]


def test_gzip_csv_reads_like_plain(tmp_path: Path, canonical_csv) -> None:  # type: ignore[no-untyped-def]
    import gzip

    target = tmp_path / "events.csv.gz"
    target.write_bytes(gzip.compress((FIXTURES / "svcstd_events.csv").read_bytes()))
    rs = read_records(target, "svcstd")
    assert _events(rs) == _events(canonical_csv)


def test_xlsx_written_with_openpyxl(tmp_path: Path, canonical_csv) -> None:  # type: ignore[no-untyped-def]
    """Spreadsheet dates are naive: the profile's zone applies; numbers and text are text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Export"
    ws.append(["Ticket", "Status", "Updated", "Priority", "Agent"])
    ws.append(["T-7", "Open", dt.datetime(2026, 3, 2, 9, 0), 2, "ana"])
    ws.append(["T-7", "Solved", dt.datetime(2026, 3, 2, 17, 30), 2, "ana"])
    ws.append([None, None, None, None, None])  # a formatted but empty row
    ws.append(["T-8", "Open", dt.datetime(2026, 3, 3, 8, 15), 1, None])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    profile = tmp_path / "xlsx.yaml"
    profile.write_text(
        "profile: desk-xlsx\ntitle: Desk spreadsheet\nformat: xlsx\nsheet: Export\n"
        "timestamps: {timezone: Europe/Berlin}\ncase_id: Ticket\n"
        "case:\n  priority: {column: Priority, take: first, values: {'1': urgent, '2': important}}\n"
        "events:\n  - kind: status\n    column: Status\n    at: Updated\n    actor: Agent\n"
        "    values: {Open: open, Solved: {state: resolved, event: resolved}}\n",
        encoding="utf-8",
    )
    rs = read_records(path, profile)
    assert rs.events.select("case_id", "at", "event", "state", "actor", "source_row").rows() == [
        ("T-7", dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC), None, "open", "ana", 1),
        ("T-7", dt.datetime(2026, 3, 2, 16, 30, tzinfo=UTC), "resolved", "resolved", "ana", 2),
        ("T-8", dt.datetime(2026, 3, 3, 7, 15, tzinfo=UTC), None, "open", None, 4),
    ]
    assert rs.cases["priority"].to_list() == ["important", "urgent"]
    assert rs.files[0].format == "xlsx"


@pytest.mark.parametrize(
    ("name", "encoding"), [("tickets_gbk.csv", "gb18030"), ("tickets_bom_crlf.csv", "utf-8-sig")]
)
def test_chinese_ticket_export_in_gbk_and_bom_crlf(name: str, encoding: str) -> None:
    rs = read_records(FIXTURES / name, FIXTURES / "tickets.yaml")
    assert rs.files[0].encoding == encoding
    assert rs.events.filter(pl.col("case_id") == "T001").select("event", "state", "actor").rows() == [
        ("created", None, None),
        (None, "new", None),
        (None, "open", "李娜"),
        ("assigned", None, "李娜"),
        ("handed_over", None, "王伟"),
        ("priority_changed", None, None),
        ("resolved", "resolved", "王伟"),
    ]
    # Asia/Shanghai is UTC+8; the "-" null marker row of T002 is no state change.
    t2 = rs.events.filter(pl.col("case_id") == "T002")
    assert t2["at"].to_list()[-1] == dt.datetime(2026, 1, 7, 0, 0, tzinfo=UTC)
    assert t2["state"].drop_nulls().to_list() == ["new", "closed"]
    assert rs.cases.select("case_id", "channel", "priority", "customer").rows() == [
        ("T001", "phone", "general", "张三"),
        ("T002", "email", "important", "李四"),
    ]
    assert rs.lacks == {"cases.category", "cases.tier", "events.group", "events.role"}


def test_gbk_file_with_explicit_encoding() -> None:
    from svcstd.records import load_profile

    prof = load_profile(FIXTURES / "tickets.yaml").model_copy(update={"encoding": "gbk"})
    rs = read_records(FIXTURES / "tickets_gbk.csv", prof)
    assert rs.files[0].encoding == "gbk"
    assert rs.cases["customer"].to_list() == ["张三", "李四"]


def test_xes_streaming_reader() -> None:
    rs = read_records(FIXTURES / "helpdesk_small.xes", FIXTURES / "xes_helpdesk.yaml")
    assert rs.events.select("case_id", "at", "event", "actor", "source_row").rows() == [
        ("Case 1", dt.datetime(2012, 10, 9, 12, 50, 17, tzinfo=UTC), "created", "Value 1", 1),
        ("Case 1", dt.datetime(2012, 10, 9, 12, 51, 1, tzinfo=UTC), "accepted", "Value 2", 2),
        ("Case 1", dt.datetime(2012, 10, 25, 9, 54, 26, tzinfo=UTC), "resolved", "Value 2", 3),
        ("Case 2", dt.datetime(2013, 3, 31, 0, 30, tzinfo=UTC), "created", "Value 3", 4),
        ("Case 2", dt.datetime(2013, 4, 2, 8, 0, tzinfo=UTC), "closed", None, 5),
    ]
    assert rs.cases["customer"].to_list() == ["Value 7", None]
    assert rs.files[0].format == "xes"


def test_several_files_share_one_record_set(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    b = tmp_path / "b.jsonl"
    shutil.copy(FIXTURES / "svcstd_events.csv", a)
    shutil.copy(FIXTURES / "svcstd_events.jsonl", b)
    b.write_text(b.read_text(encoding="utf-8").replace('"C-', '"D-'), encoding="utf-8")
    rs = read_records([a, b], "svcstd")
    assert rs.rows == 14
    assert rs.cases["case_id"].to_list() == ["C-1", "C-2", "D-1", "D-2"]
    assert rs.events.filter(pl.col("case_id") == "D-2")["source_file"].to_list() == [str(b)] * 2
