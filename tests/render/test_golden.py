"""Golden tests: one rendered page per template and one diagram per kind, byte for byte.

Pages are rendered with a placeholder instead of the SVG, so they do not depend on the local
Graphviz build; the diagrams are pinned as their DOT source. Update all of them with
``SVCSTD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/render``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from svcstd.lint.base import Hit, release_rule
from svcstd.render.diagrams import ladder_dot, lifecycle_dot, placeholder_figure, process_dot
from svcstd.render.site import Site, build_site
from svcstd.spec.releases import Standards

from .golden import check_golden


def _demo_lint_rule() -> object:
    @release_rule(
        id="SPEC-999",
        slug="demo.unused-thing",
        title="A demo lint rule for the golden page",
        rationale="Pins the lint page's layout without depending on the real registry.",
        severity="warning",
    )
    def demo(handbook: object) -> Iterator[Hit]:
        """Flags nothing: the golden test needs only the rule's metadata."""
        return iter(())

    return demo


@pytest.fixture(scope="module")
def site(standards: Standards) -> Site:
    return build_site(
        standards, diagram=placeholder_figure, lint_rules={"SPEC-999": _demo_lint_rule()}
    )


#: One page per template (rule.md.j2 is included by every page that shows rules).
PAGES = {
    "overview.md.j2": "handbook/index.md",
    "topic.md.j2": "handbook/time-limits.md",
    "process.md.j2": "handbook/processes/proc-001.md",
    "glossary.md.j2": "handbook/glossary.md",
    "changelog.md.j2": "handbook/changelog.md",
    "releases.md.j2": "releases/index.md",
    "lint.md.j2": "lint.md",
}
#: Pages of an earlier release: banner, "see the current release" links, first changelog.
EARLIER = ["releases/2025.1/escalation.md", "releases/2025.1/changelog.md", "handbook/records.md"]


@pytest.mark.parametrize("template", sorted(PAGES))
def test_page_per_template(site: Site, template: str) -> None:
    path = PAGES[template]
    check_golden("pages/" + path.replace("/", "__"), site.page(path).content)


@pytest.mark.parametrize("path", EARLIER)
def test_more_pages(site: Site, path: str) -> None:
    check_golden("pages/" + path.replace("/", "__"), site.page(path).content)


def test_every_template_has_a_golden_page() -> None:
    from svcstd.render.environment import builtin_templates

    templates = {p.name for p in builtin_templates().glob("*.md.j2") if not p.name.startswith("_")}
    assert templates - {"rule.md.j2"} == set(PAGES)


def test_process_flowchart(standards: Standards) -> None:
    release = standards.latest
    check_golden("diagrams/process-proc-001.dot", process_dot(release, release.processes[0]).dot)


def test_escalation_ladder(standards: Standards) -> None:
    release = standards.latest
    check_golden(
        "diagrams/escalation-esc-001.dot", ladder_dot(release, release.escalation_paths[0]).dot
    )


def test_lifecycle_state_diagram(standards: Standards) -> None:
    diagram = lifecycle_dot(standards.latest)
    assert diagram is not None
    check_golden("diagrams/lifecycle.dot", diagram.dot)


def test_rendering_is_deterministic(standards: Standards, site: Site) -> None:
    again = build_site(
        standards, diagram=placeholder_figure, lint_rules={"SPEC-999": _demo_lint_rule()}
    )
    assert again == site
