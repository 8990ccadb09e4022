"""Bad input: each case is one located line — file, row or line, column — never a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from svcstd.errors import SvcstdError
from svcstd.records import load_profile, read_records

from .conftest import FIXTURES, one_line

SNAPSHOT_PROFILE = """\
profile: snapshots
title: Snapshot export (test)
format: csv
null_values: ["?"]
timestamps:
  formats: "%d/%m/%Y %H:%M"
  timezone: Europe/Rome
case_id: number
case:
  channel: {column: contact_type, values: {Phone: phone, Email: email}}
events:
  - kind: status
    column: state
    at: updated_at
    values: {New: new, Active: open, Closed: closed}
"""

HEADER = "number,state,updated_at,contact_type\n"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "snapshots.yaml"
    path.write_text(SNAPSHOT_PROFILE, encoding="utf-8")
    return path


def error(path: Path, profile: Path | str) -> str:
    with pytest.raises(SvcstdError) as exc:
        read_records(path, profile)
    return one_line(exc)


def write(tmp_path: Path, text: str | bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def test_missing_required_column(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, "number,state,updated,contact_type\nINC1,New,01/02/2016 10:00,Phone\n")
    assert error(f, profile) == f"{f}: missing required column 'updated_at' (did you mean 'updated'?)"


def test_unparseable_timestamp_shows_value_and_format(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\nINC1,Active,31/02/2016 10:00,Phone\n")
    assert error(f, profile) == (
        f"{f}: row 2, column 'updated_at': cannot read '31/02/2016 10:00' as a timestamp "
        "in format '%d/%m/%Y %H:%M'"
    )


def test_ambiguous_day_month_without_format(tmp_path: Path, profile: Path) -> None:
    profile.write_text(SNAPSHOT_PROFILE.replace('  formats: "%d/%m/%Y %H:%M"\n', ""), encoding="utf-8")
    f = write(tmp_path, HEADER + "INC1,New,01/01/2016 10:00,Phone\nINC1,Active,03/04/2016 10:00,Phone\n")
    assert error(f, profile) == (
        f"{f}: row 2, column 'updated_at': ambiguous timestamp '03/04/2016 10:00': it reads both "
        "day-first and month-first and no value settles which; set timestamps.formats "
        "(e.g. '%d/%m/%Y %H:%M')"
    )


def test_one_unambiguous_value_settles_day_first(tmp_path: Path, profile: Path) -> None:
    profile.write_text(SNAPSHOT_PROFILE.replace('  formats: "%d/%m/%Y %H:%M"\n', ""), encoding="utf-8")
    f = write(tmp_path, HEADER + "INC1,New,03/04/2016 10:00,Phone\nINC1,Active,29/4/2016 10:00,Phone\n")
    rs = read_records(f, profile)
    assert [t.month for t in rs.events["at"].to_list()] == [4, 4]


def test_naive_timestamp_without_zone(tmp_path: Path, profile: Path) -> None:
    profile.write_text(SNAPSHOT_PROFILE.replace("  timezone: Europe/Rome\n", ""), encoding="utf-8")
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\n")
    assert error(f, profile) == (
        f"{f}: row 1, column 'updated_at': timestamp 01/02/2016 10:00 has no time zone and the "
        "profile sets no timestamps.timezone"
    )


def test_nonexistent_local_time(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,27/03/2016 02:30,Phone\n")
    assert error(f, profile) == (
        f"{f}: row 1, column 'updated_at': 27/03/2016 02:30 does not exist in Europe/Rome (DST gap)"
    )


def test_repeated_local_time_needs_a_choice(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,30/10/2016 02:30,Phone\n")
    assert error(f, profile) == (
        f"{f}: row 1, column 'updated_at': 30/10/2016 02:30 occurs twice in Europe/Rome (DST ends); "
        "set timestamps.ambiguous to earliest or latest"
    )


def test_unknown_status_value(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\nINC1,On Hold,01/02/2016 11:00,Phone\n")
    assert error(f, profile) == (
        f"{f}: row 2, column 'state': unknown status 'On Hold' (the profile maps 'New', 'Active', "
        "'Closed'; add it, or set unknown: ignore)"
    )


def test_unknown_value_ignored_when_the_profile_says_so(tmp_path: Path, profile: Path) -> None:
    profile.write_text(
        SNAPSHOT_PROFILE.replace("Closed: closed}", "Closed: closed}\n    unknown: ignore"),
        encoding="utf-8",
    )
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\nINC1,On Hold,01/02/2016 11:00,Phone\n")
    assert read_records(f, profile).events["state"].to_list() == ["new"]


def test_unknown_case_field_value(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Fax\n")
    assert error(f, profile) == (
        f"{f}: row 1, column 'contact_type': unknown channel value 'Fax' (the profile maps "
        "'Phone', 'Email'; add it, or set unknown: ignore)"
    )


def test_wrong_encoding_names_the_line(tmp_path: Path, profile: Path) -> None:
    load = SNAPSHOT_PROFILE.replace("format: csv\n", "format: csv\nencoding: utf-8\n")
    profile.write_text(load, encoding="utf-8")
    body = HEADER + "INC1,New,01/02/2016 10:00,Phone\nINC2,New,01/02/2016 10:00,电话\n"
    f = write(tmp_path, body.encode("gbk"))
    assert error(f, profile) == (
        f"{f}:3: not valid UTF-8 text: byte(s) b5 (set the profile's encoding)"
    )


def test_auto_encoding_failing_both_candidates(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER.encode() + b"INC1,New,01/02/2016 10:00,\xff\xff\n")
    assert error(f, profile) == (
        f"{f}:2: neither UTF-8 (line 2: byte(s) ff) nor GB18030 (line 2: byte(s) ff); "
        "set the profile's encoding"
    )


def test_empty_file(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, b"")
    assert error(f, profile) == f"{f}: the file is empty (no header, no rows)"
    f = write(tmp_path, "\n\n", name="blank.csv")
    assert error(f, profile) == f"{f}: the file is empty (no header, no rows)"


def test_header_only_is_an_error_not_an_empty_pass(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER)
    assert error(f, profile) == f"{f}: the file has a header but no data rows"


def test_truncated_gzip(tmp_path: Path, profile: Path) -> None:
    data = gzip.compress((HEADER + "INC1,New,01/02/2016 10:00,Phone\n" * 200).encode())
    f = write(tmp_path, data[: len(data) // 2], name="export.csv.gz")
    assert error(f, profile) == (
        f"{f}: truncated gzip file: the compressed data ends early (incomplete download?)"
    )


def test_nul_bytes(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\nINC1,Act\x00ive,01/02/2016 10:00,Phone\n")
    assert error(f, profile) == f"{f}:3: NUL byte in a text export (a binary or UTF-16 file?)"


def test_ragged_row(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\nINC1,New,01/02/2016 10:00,Phone,extra\n")
    assert error(f, profile) == f"{f}:3: row 2 has 5 fields, the header has 4"


def test_empty_case_id(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\n?,New,01/02/2016 10:00,Phone\n")
    assert error(f, profile) == f"{f}: row 2, column 'number': empty case id"


def test_blank_lines_are_skipped_but_counted(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,01/02/2016 10:00,Phone\n\nINC1,Active,01/02/2016 11:00,Phone\n\n")
    assert read_records(f, profile).events["source_row"].to_list() == [1, 3]


def test_event_without_timestamp(tmp_path: Path, profile: Path) -> None:
    f = write(tmp_path, HEADER + "INC1,New,?,Phone\n")
    assert error(f, profile) == f"{f}: row 1, column 'updated_at': no timestamp for an event"


def test_bad_jsonl_line(tmp_path: Path) -> None:
    good = (FIXTURES / "svcstd_events.jsonl").read_text(encoding="utf-8").splitlines()
    f = write(tmp_path, "\n".join([good[0], good[1][:-1], *good[2:]]) + "\n", name="e.jsonl")
    text = error(f, "svcstd")
    assert text.startswith(f"{f}:2:") and "invalid JSON" in text


def test_malformed_xes(tmp_path: Path) -> None:
    f = write(tmp_path, "<log>\n<trace>\n<event></trace>\n</log>\n", name="bad.xes")
    assert error(f, FIXTURES / "xes_helpdesk.yaml") == f"{f}:3:10: malformed XML: mismatched tag"


def test_not_an_xes_log(tmp_path: Path) -> None:
    f = write(tmp_path, "<html><body/></html>", name="page.xes")
    assert error(f, FIXTURES / "xes_helpdesk.yaml") == f"{f}:1: not an XES log: the root element is <html>"


def test_not_a_parquet_file(tmp_path: Path) -> None:
    f = write(tmp_path, "case_id,at\n", name="e.parquet")
    assert error(f, "svcstd").startswith(f"{f}: cannot read as Parquet: ")


def test_unknown_extension(tmp_path: Path) -> None:
    f = write(tmp_path, "x", name="e.dat")
    assert error(f, "svcstd").startswith(f"{f}: cannot tell the format from the file name")


def test_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "nope.csv"
    assert error(f, "svcstd") == f"{f}: no such file"


# --- profiles --------------------------------------------------------------------------------


def test_unknown_builtin_profile() -> None:
    with pytest.raises(SvcstdError) as exc:
        load_profile("zendesk")
    assert one_line(exc) == (
        "zendesk: no built-in profile 'zendesk' (built-in: helpdesk, servicenow, svcstd; "
        "or give a YAML path)"
    )


def test_profile_typo_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(SNAPSHOT_PROFILE.replace("null_values:", "null_value:"), encoding="utf-8")
    with pytest.raises(SvcstdError) as exc:
        load_profile(path)
    assert one_line(exc) == f"{path}:4:1: unknown field 'null_value' in file (did you mean 'null_values'?)"


def test_profile_bad_zone_and_unsafe_yaml(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(SNAPSHOT_PROFILE.replace("Europe/Rome", "Europe/Atlantis"), encoding="utf-8")
    with pytest.raises(SvcstdError) as exc:
        load_profile(path)
    assert one_line(exc) == (
        f"{path}:7:3: timestamps.timezone: unknown IANA time zone 'Europe/Atlantis'"
    )
    path.write_text(SNAPSHOT_PROFILE + "x: !!python/object:os.system {}\n", encoding="utf-8")
    with pytest.raises(SvcstdError) as exc:
        load_profile(path)
    assert "is not allowed" in str(exc.value)
