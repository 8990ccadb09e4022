"""The bundled handbook releases meet the bar the project promises its users."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.spec import load_standards
from svcstd.spec.diff import diff_releases
from svcstd.spec.model import Item, Process, Role, Rule

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = load_standards(ROOT / "standards")
RELEASES = STANDARDS.releases


def sourced_items(release) -> list[Item]:
    """Rules, roles and process steps: what the handbook's "rules" are to a reader."""
    items: list[Item] = []
    for _, item in release.items():
        if isinstance(item, Rule | Role):
            items.append(item)
        if isinstance(item, Process):
            items.extend(item.steps)
    return items


def test_two_releases_in_order() -> None:
    assert [r.version for r in RELEASES] == ["2025.1", "2026.1"]
    assert RELEASES[1].meta.supersedes == "2025.1"
    assert str(RELEASES[1].meta.effective_from) == "2026-01-01"


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_at_least_60_rules_each_citing_a_section(release) -> None:
    items = sourced_items(release)
    assert len(items) >= 60
    rules = [i for i in items if isinstance(i, Rule)]
    assert len(rules) >= 40
    unsourced = [getattr(i, "id", i.title) for i in items if isinstance(i, Rule | Role) and not i.source]
    assert unsourced == []
    for rule in rules:
        for source in rule.source:
            assert source.section.strip(), rule.id
            assert source.document in {d.id for d in release.meta.documents}, rule.id


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_every_rule_kind_is_encoded(release) -> None:
    for section in ("calendars", "roles", "time_limits", "escalation_paths", "processes",
                    "record_types", "archiving", "retention", "ownership", "kpis"):
        assert getattr(release, section), f"{release.version} has no {section}"


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_local_decisions_and_conflicts_are_explained(release) -> None:
    decided = [i for _, i in release.items() if i.basis != "handbook"]
    assert len(decided) >= 5
    for item in decided:
        assert item.decision is not None, getattr(item, "id", item.title)
        if item.basis == "conflict-resolved":
            assert item.decision.alternatives, item.id


def test_2026_changelog_names_what_changed() -> None:
    changed = diff_releases(RELEASES[0], RELEASES[1]).ids()
    assert changed, "2026.1 should differ from 2025.1"
    mentioned = {rule for entry in RELEASES[1].meta.changelog for rule in entry.rules}
    assert changed <= mentioned


def test_lint_is_clean_and_summary_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    lint = CliRunner().invoke(cli, ["lint", "standards"])
    assert lint.exit_code == 0, lint.output
    summary = CliRunner().invoke(cli, ["summary", "standards"])
    assert summary.exit_code == 0, summary.output
    assert "2026.1" in summary.stdout


def test_rules_json_lists_every_rule_with_its_place() -> None:
    result = CliRunner().invoke(cli, ["rules", str(ROOT / "standards"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["release"] == "2026.1"
    ids = [r["id"] for r in data["rules"]]
    assert ids == [r.id for r in RELEASES[1].rules()]
    assert all(r["file"].endswith(".yaml") and r["line"] >= 1 for r in data["rules"])
