"""The computed diff between releases: what a reviewer reads before approving a change."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.spec import load_standards
from svcstd.spec.diff import diff_releases

HANDBOOK = """\
handbook:
  id: demo
  title: Demo handbook
  version: "{version}"
  effective_from: {date}
  default_calendar: office
"""
CAL = """\
calendars:
  - id: office
    title: Office hours
    timezone: {tz}
    week: {{mon: "09:00-18:00"}}
"""
LIMITS = """\
time_limits:
  - id: TL-001
    title: Email first reply
    measures: first-response
    clock: {{start: {{event: created}}, stop: {{event: first_response}}}}
    target: {target}
{extra}"""
PROCESS = """\
processes:
  - id: PROC-001
    title: Complaint handling
    steps:
      - {{id: receive, title: Receive complaint, kind: start, next: [{first}]}}
{steps}
"""


def write_release(root: Path, version: str, date: str, target: str, extra: str = "",
                  steps: list[str] | None = None, tz: str = "Asia/Shanghai") -> None:
    folder = root / version
    folder.mkdir(parents=True)
    (folder / "handbook.yaml").write_text(HANDBOOK.format(version=version, date=date), encoding="utf-8")
    (folder / "calendars.yaml").write_text(CAL.format(tz=tz), encoding="utf-8")
    (folder / "limits.yaml").write_text(LIMITS.format(target=target, extra=extra), encoding="utf-8")
    steps = steps or ["investigate", "close"]
    lines = [
        f"      - {{id: {s}, title: Step {s}, kind: {'end' if i == len(steps) - 1 else 'task'}"
        + (f", next: [{steps[i + 1]}]" if i < len(steps) - 1 else "") + "}"
        for i, s in enumerate(steps)
    ]
    (folder / "process.yaml").write_text(PROCESS.format(first=steps[0], steps="\n".join(lines)), encoding="utf-8")


EXTRA_TL = """\
  - id: TL-002
    title: Complaint resolution
    measures: resolution
    clock: {start: {event: created}, stop: {state: resolved}}
    target: 48h
"""


@pytest.fixture
def standards(tmp_path: Path) -> Path:
    root = tmp_path / "standards"
    write_release(root, "2025.1", "2025-01-01", "24h")
    write_release(root, "2026.1", "2026-01-01", "12h", extra=EXTRA_TL, steps=["investigate", "apologise", "close"])
    return root


def test_changed_added_and_nested_steps(standards: Path) -> None:
    loaded = load_standards(standards)
    diff = diff_releases(*loaded.releases)
    summary = {(c.kind, c.section, c.id): [(f.path, f.old, f.new) for f in c.fields] for c in diff.changes}
    assert summary == {
        ("changed", "time_limits", "TL-001"): [("target", "24h", "12h")],
        ("added", "time_limits", "TL-002"): [],
        ("changed", "processes", "PROC-001"): [
            ("steps[investigate].next", ["close"], ["apologise"]),
            ("steps[apologise]", None, {"id": "apologise", "title": "Step apologise", "kind": "task",
                                        "next": ["close"], "source": [], "basis": "handbook",
                                        "status": "active", "aliases": [], "roles": [],
                                        "required": True, "branches": []}),
        ],
    }


def test_identical_releases_have_no_diff(tmp_path: Path) -> None:
    root = tmp_path / "standards"
    write_release(root, "2025.1", "2025-01-01", "24h")
    write_release(root, "2026.1", "2026-01-01", "24h")
    assert diff_releases(*load_standards(root).releases).changes == ()


def test_cli_diff_text_and_json(standards: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(standards.parent)
    text = CliRunner().invoke(cli, ["diff", "2025.1", "2026.1"])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[:4] == [
        "2025.1 → 2026.1: 3 items changed",
        "~ time_limits/TL-001  Email first reply",
        '    target: "24h" → "12h"',
        "+ time_limits/TL-002  Complaint resolution",
    ]
    js = CliRunner().invoke(cli, ["diff", "standards/2025.1", "standards/2026.1", "--format", "json"])
    assert json.loads(js.stdout)["changes"][0]["fields"] == [{"path": "target", "old": "24h", "new": "12h"}]


def test_cli_diff_unknown_version_exits_2(standards: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(standards.parent)
    result = CliRunner().invoke(cli, ["diff", "2024.9", "2026.1"])
    assert result.exit_code == 2
    assert result.stderr == "error: standards: no release '2024.9' (have 2025.1, 2026.1)\n"


def test_release_in_force_switches_at_local_midnight(standards: Path) -> None:
    loaded = load_standards(standards)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert loaded.in_force(dt.datetime(2024, 12, 31, 23, 59, tzinfo=shanghai)) is None
    assert loaded.in_force(dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=shanghai)).version == "2025.1"
    assert loaded.in_force(dt.datetime(2026, 1, 1, 0, 0, tzinfo=shanghai)).version == "2026.1"
    # 2025-12-31 16:30 UTC is already 2026-01-01 00:30 in Shanghai
    assert loaded.in_force(dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC)).version == "2026.1"
    with pytest.raises(ValueError, match="aware"):
        loaded.in_force(dt.datetime(2026, 1, 1))
