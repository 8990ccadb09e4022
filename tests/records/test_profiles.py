"""Built-in profiles: they load, and every id they can emit is in the bundled vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcstd.errors import SvcstdError
from svcstd.records import builtin_profiles, load_profile
from svcstd.spec import load_standards

from .conftest import FIXTURES, REPO


@pytest.fixture(scope="module")
def vocabulary():  # type: ignore[no-untyped-def]
    return load_standards(REPO / "standards").latest


def test_builtin_profiles_are_shipped() -> None:
    assert builtin_profiles() == ["helpdesk", "servicenow", "svcstd"]
    for name in builtin_profiles():
        assert load_profile(name).profile == name


@pytest.mark.parametrize("name", ["servicenow", "helpdesk"])
def test_builtin_profile_ids_are_in_the_vocabulary(name: str, vocabulary) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile(name)
    events = {e.id for e in vocabulary.events}
    states = {s.id for s in vocabulary.states}
    assert profile.event_ids() and profile.event_ids() <= events, profile.event_ids() - events
    assert profile.state_ids() and profile.state_ids() <= states, profile.state_ids() - states
    # Case-field value maps target the vocabulary's classifications too.
    allowed = {
        "channel": {t.id for t in vocabulary.channels},
        "priority": {t.id for t in vocabulary.priorities},
        "tier": {t.id for t in vocabulary.tiers},
        "category": {t.id for t in vocabulary.categories},
    }
    for field, fm in profile.case_fields().items():
        if fm.values is not None and field in allowed:
            assert {v for v in fm.values.values() if v} <= allowed[field], field


def test_fixture_profiles_use_vocabulary_ids(vocabulary) -> None:  # type: ignore[no-untyped-def]
    events = {e.id for e in vocabulary.events}
    states = {s.id for s in vocabulary.states}
    for name in ("tickets.yaml", "xes_helpdesk.yaml"):
        p = load_profile(FIXTURES / name)
        assert p.event_ids() <= events and p.state_ids() <= states


def test_load_profile_by_path_and_name_agree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    text = (resources.files("svcstd.records") / "profiles" / "helpdesk.yaml").read_text("utf-8")
    path = tmp_path / "helpdesk.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_profile(path).model_dump() == load_profile("helpdesk").model_dump()


def test_svcstd_profile_is_canonical() -> None:
    p = load_profile("svcstd")
    assert p.is_canonical()
    assert p.attribute_prefix == "attr_"
    assert set(p.case_fields()) == {"channel", "category", "priority", "tier", "customer", "opened_at"}


def test_a_profile_may_state_a_case_field_for_every_case(tmp_path: Path) -> None:
    from svcstd.records import read_records

    export = tmp_path / "incidents.csv"
    export.write_text(
        "id,at,category\nI1,2025-03-03T09:00:00+08:00,Category 5\nI2,2025-03-04T09:00:00+08:00,Category 9\n",
        encoding="utf-8",
    )
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "profile: incidents\ntitle: Incident log\ntimestamps: {formats: iso}\ncase_id: id\n"
        "case:\n  category: {value: fault}\nattributes:\n  category: {column: category}\n"
        "events:\n  - {kind: first, at: at, event: created}\n",
        encoding="utf-8",
    )
    records = read_records(export, profile)
    assert records.cases.select("category", "attr_category").rows() == [("fault", "Category 5"), ("fault", "Category 9")]
    assert records.derived["cases.category"] == "the profile states 'fault' for every case"
    assert "cases.category" not in records.lacks


def test_a_case_field_names_a_column_or_a_value_not_both(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "profile: x\ntitle: X\ncase_id: id\ncase:\n  category: {value: fault, column: cat}\n"
        "events:\n  - {kind: first, at: at, event: created}\n",
        encoding="utf-8",
    )
    with pytest.raises(SvcstdError, match="a case field names either 'column' or 'value'"):
        load_profile(profile)
