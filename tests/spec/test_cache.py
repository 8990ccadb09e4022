"""The loaded-standards cache: same releases as parsing, invalidated by any change, never trusted
when broken or shared, never holding errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from svcstd.errors import SpecError
from svcstd.spec import load_standards

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def standards(tmp_path: Path) -> Path:
    target = tmp_path / "standards"
    shutil.copytree(ROOT / "standards", target)
    return target


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("SVCSTD_CACHE_DIR", str(where))
    return where


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("standards-*.pickle")) if cache.exists() else []


def test_a_cached_load_equals_parsing_including_locations(standards: Path, cache: Path) -> None:
    parsed = load_standards(standards)
    assert len(_entries(cache)) == 1
    cached = load_standards(standards)
    assert [r.model_dump() for r in cached.releases] == [r.model_dump() for r in parsed.releases]
    rule = parsed.releases[0].time_limits[0]
    again = cached.releases[0].time_limits[0]
    assert str(again.where("target")) == str(rule.where("target"))
    assert str(again.where()).startswith(str(standards))


def test_any_change_to_a_file_is_read_again(standards: Path, cache: Path) -> None:
    load_standards(standards)
    handbook = next(standards.glob("2025.1/time-limits.yaml"))
    text = handbook.read_text(encoding="utf-8")
    first = load_standards(standards).releases[0].time_limits[0]
    handbook.write_text(text.replace(first.title, first.title + " (edited)", 1), encoding="utf-8")
    assert load_standards(standards).releases[0].time_limits[0].title == first.title + " (edited)"
    assert len(_entries(cache)) == 2


def test_a_corrupt_entry_falls_back_to_parsing(standards: Path, cache: Path) -> None:
    expected = load_standards(standards).releases[0].model_dump()
    for entry in _entries(cache):
        entry.write_bytes(b"not a pickle")
    assert load_standards(standards).releases[0].model_dump() == expected


def test_a_folder_others_can_write_is_not_used(standards: Path, cache: Path) -> None:
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    load_standards(standards)
    assert _entries(cache) == []


def test_off_means_no_cache(
    standards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCSTD_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_standards(standards)
    assert not (tmp_path / "xdg").exists()


def test_problems_are_reported_every_time_and_never_cached(standards: Path, cache: Path) -> None:
    handbook = standards / "2025.1" / "time-limits.yaml"
    handbook.write_text(handbook.read_text(encoding="utf-8") + "\n  - {bad\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SpecError) as err:
            load_standards(standards)
        assert "time-limits.yaml" in str(err.value)
    assert _entries(cache) == []
