"""Links from findings: every rule's URL points at an anchor that exists in the built site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from svcstd.render import rule_url
from svcstd.render.urls import directory_url, item_url
from svcstd.spec.releases import Standards


def test_rule_url_of_a_release_and_of_the_current_handbook(standards: Standards) -> None:
    old, new = standards.releases
    assert rule_url(new, "TL-001") == "releases/2026.1/time-limits/#tl-001"
    assert rule_url(old, "TL-001") == "releases/2025.1/time-limits/#tl-001"
    assert rule_url(new, "TL-001", current=True) == "handbook/time-limits/#tl-001"
    assert rule_url(new, "PROC-001") == "releases/2026.1/processes/proc-001/#proc-001"
    assert rule_url(new, "ESC-001") == "releases/2026.1/escalation/#esc-001"
    assert rule_url(new, "REC-001") == "releases/2026.1/records/#rec-001"
    assert rule_url(new, "OWN-001") == "releases/2026.1/roles/#own-001"
    assert rule_url(new, "KPI-001") == "releases/2026.1/kpis/#kpi-001"


def test_rule_url_of_an_unknown_rule(standards: Standards) -> None:
    with pytest.raises(KeyError, match="TL-999"):
        rule_url(standards.latest, "TL-999")


def test_directory_urls() -> None:
    assert directory_url("index.md") == ""
    assert directory_url("releases/index.md") == "releases/"
    assert directory_url("handbook/kpis.md") == "handbook/kpis/"


def _ids(html_file: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', html_file.read_text(encoding="utf-8")))


def test_every_rule_and_term_url_resolves_in_the_built_site(
    standards: Standards, built_site: Path
) -> None:
    checked = 0
    for release in standards.releases:
        for section, item in release.items():
            for current in (False, True):
                if current and release is not standards.latest:
                    continue
                url = item_url(release, section, item, current=current)
                path, anchor = url.split("#")
                html = built_site / path / "index.html"
                assert html.exists(), url
                assert anchor in _ids(html), url
                checked += 1
    assert checked > 60


def test_lint_findings_link_into_the_lint_page(built_site: Path) -> None:
    from svcstd.lint import RULES

    ids = _ids(built_site / "lint" / "index.html")
    for rule in RULES.values():
        path, anchor = rule.url.split("#")
        assert path == "lint/" and anchor in ids, rule.url
