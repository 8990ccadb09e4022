"""Both real logs from ../shared/real-data, read with the built-in profiles (facts: its README)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from svcstd.records import RecordSet, read_records

from .conftest import REAL

UTC = dt.UTC
SERVICENOW = REAL / "servicenow_incident_event_log.csv.gz"
HELPDESK = REAL / "helpdesk.csv.gz"

pytestmark = pytest.mark.skipif(not SERVICENOW.exists(), reason="shared real data not present")


@pytest.fixture(scope="module")
def servicenow() -> RecordSet:
    return read_records(SERVICENOW, "servicenow")


@pytest.fixture(scope="module")
def helpdesk() -> RecordSet:
    return read_records(HELPDESK, "helpdesk")


def last_state(rs: RecordSet) -> pl.Series:
    return (
        rs.events.filter(pl.col("state").is_not_null())
        .group_by("case_id")
        .agg(pl.col("state").last())["state"]
    )


def test_servicenow_rows_cases_and_span(servicenow: RecordSet) -> None:
    assert servicenow.rows == 141_712
    assert servicenow.cases.height == 24_918
    assert servicenow.files[0].encoding == "utf-8"
    # Day-first, no zone: 29/2/2016 01:16 São Paulo (UTC-3) … 18/2/2017 15:00 (summer time, UTC-2).
    assert servicenow.events["at"].min() == dt.datetime(2016, 2, 29, 4, 16, tzinfo=UTC)
    assert servicenow.events["at"].max() == dt.datetime(2017, 2, 18, 17, 0, tzinfo=UTC)
    assert servicenow.cases["opened_at"].min() == dt.datetime(2016, 2, 29, 4, 16, tzinfo=UTC)


def test_servicenow_states_and_events(servicenow: RecordSet) -> None:
    ev = servicenow.events
    # Every incident reaches Closed and ends there; every one has a created and a closed event.
    assert (last_state(servicenow) == "closed").sum() == 24_918
    for name in ("created", "closed"):
        assert ev.filter(pl.col("event") == name)["case_id"].n_unique() == 24_918
    # resolved_at is '?' on 3,141 rows: 1,556 incidents never record a resolution time.
    assert ev.filter(pl.col("event") == "resolved")["case_id"].n_unique() == 23_362
    # "priority … changes during 383 incidents"
    assert ev.filter(pl.col("event") == "priority_changed")["case_id"].n_unique() == 383
    # The 5 junk rows (incident_state -100) enter no state.
    raw = pl.read_csv(SERVICENOW, columns=["incident_state"], infer_schema=False)
    junk = (raw.with_row_index("row", offset=1).filter(pl.col("incident_state") == "-100"))["row"]
    assert junk.len() == 5
    assert ev.filter(pl.col("source_row").is_in(junk.cast(pl.Int64).implode()) & pl.col("state").is_not_null()).height == 0
    states = set(ev["state"].drop_nulls().unique())
    assert states == {"new", "open", "awaiting-customer", "awaiting-third-party", "resolved", "closed"}


def test_servicenow_case_fields(servicenow: RecordSet) -> None:
    cases = servicenow.cases
    channels = dict(cases["channel"].value_counts().iter_rows())
    assert channels == {"phone": 24_693, "web-app": 161, "email": 61, None: 3}
    assert cases["priority"].null_count() == 0
    # made_sla turns false on the Closed row of about 36.6 % of incidents (9,115 / 24,918).
    assert (cases["attr_made_sla"] == "false").sum() == 9_115
    # the export's own category is anonymised; the profile states that incidents are faults
    assert servicenow.lacks == {"cases.tier", "events.role"}
    assert servicenow.derived == {"cases.category": "the profile states 'fault' for every case"}
    assert cases["category"].unique().to_list() == ["fault"]
    assert cases["attr_category"].n_unique() > 50


def test_servicenow_events_sorted_and_located(servicenow: RecordSet) -> None:
    ev = servicenow.events
    assert ev.select(["case_id", "at", "seq"]).equals(ev.select(["case_id", "at", "seq"]).sort(["case_id", "at", "seq"]))
    assert ev["source_row"].min() == 1 and ev["source_row"].max() == 141_712
    first = ev.row(0, named=True)
    assert (first["case_id"], first["event"], first["actor"]) == ("INC0000045", "created", "Opened by  8")


def test_helpdesk_rows_cases_and_span(helpdesk: RecordSet) -> None:
    assert helpdesk.rows == 21_348
    assert helpdesk.cases.height == 4_580
    # 2010-01-13 08:40:25 … 2014-01-03 13:20:58 Rome winter time (UTC+1).
    assert helpdesk.events["at"].min() == dt.datetime(2010, 1, 13, 7, 40, 25, tzinfo=UTC)
    assert helpdesk.events["at"].max() == dt.datetime(2014, 1, 3, 12, 20, 58, tzinfo=UTC)


def test_helpdesk_closing(helpdesk: RecordSet) -> None:
    ev = helpdesk.events
    last_event = ev.filter(pl.col("event").is_not_null()).group_by("case_id").agg(pl.col("event").last())
    # "4,557 cases end Closed; 23 are open at the end of the extract"
    assert (last_event["event"] == "closed").sum() == 4_557
    assert ev.filter(pl.col("event") == "closed")["case_id"].n_unique() == 4_559
    # One case logs VERIFIED after Closed: its last *state* is still closed.
    assert (last_state(helpdesk) == "closed").sum() == 4_558
    # Every case is registered by its first activity.
    assert ev.filter(pl.col("event") == "created").height == 4_580
    assert helpdesk.derived == {"cases.opened_at": "the case's first event"}
    assert helpdesk.lacks == {
        "cases.channel", "cases.category", "cases.priority", "cases.tier", "events.role",
    }  # fmt: skip


def test_helpdesk_activities_and_handovers(helpdesk: RecordSet) -> None:
    counts = dict(helpdesk.events["event"].value_counts().iter_rows())
    assert counts["classified"] == 4_938  # Assign seriousness
    assert counts["accepted"] == 5_060  # Take in charge ticket
    assert counts["resolved"] == 4_983 + 2  # Resolve ticket + RESOLVED
    assert counts["escalated"] == 67  # Create SW anomaly
    waits = helpdesk.events.filter(pl.col("state") == "awaiting-customer").height
    assert waits == 1_463 + 119  # Wait + Require upgrade
    assert helpdesk.events.filter(pl.col("event") == "handed_over")["actor"].null_count() == 0
