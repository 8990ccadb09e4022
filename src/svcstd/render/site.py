"""The whole generated part of the site: pages of every release, the release list, lint rules.

:func:`build_site` is what both the mkdocs plugin and ``svcstd render`` call, so the two can
never produce different pages. Layout (paths relative to the mkdocs ``docs_dir``):

- ``handbook/…`` — the current (latest) release at stable addresses;
- ``releases/index.md`` — every release, newest first;
- ``releases/<version>/…`` — each release, kept forever (the latest's copy is left out of
  search, so a rule is found once, at its stable address);
- ``lint.md`` — the lint rules, rendered from the lint registry.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from svcstd.errors import SvcstdError
from svcstd.render import urls
from svcstd.render.diagrams import DiagramRenderer, svg_figure
from svcstd.render.environment import make_environment
from svcstd.render.escape import code, link
from svcstd.render.views import (
    JUDGE_BY,
    PageView,
    ReleaseViews,
    Row,
    Section,
    Table,
    rel,
    release_nav,
)
from svcstd.spec.releases import Standards

#: Marks an output folder as written by ``svcstd render`` (and so safe to replace).
MARKER = ".svcstd-render"


@dataclass(frozen=True)
class Page:
    """A rendered page: path relative to the docs root, title, Markdown content."""

    path: str
    title: str
    content: str


@dataclass(frozen=True)
class Site:
    """Every generated page, and the nav subtrees that replace the placeholders in mkdocs.yml."""

    pages: tuple[Page, ...]
    nav: dict[str, list[Any]]

    def page(self, path: str) -> Page:
        """The page at ``path`` (KeyError when there is none)."""
        for p in self.pages:
            if p.path == path:
                return p
        raise KeyError(path)


def releases_page(standards: Standards) -> PageView:
    """``releases/index.md``: every release, newest first, with the judging policy."""
    page = "releases/index.md"
    latest = standards.latest
    rows = []
    for r in reversed(standards.releases):
        prefix = urls.release_prefix(r.version)
        rows.append(
            Row(
                (
                    link(r.version, rel(page, f"{prefix}/index.md")),
                    r.meta.title,
                    str(r.meta.effective_from),
                    r.meta.supersedes or "—",
                    "current" if r is latest else r.meta.status,
                    link("changes", rel(page, f"{prefix}/changelog.md")),
                )
            )
        )
    table = Table(
        ("Release", "Title", "In force from", "Supersedes", "Status", "Changelog"), tuple(rows)
    )
    return PageView(
        path=page,
        title="Releases",
        template="releases.md.j2",
        intro=(
            JUDGE_BY[latest.meta.judge_by],
            link(
                f"The current release ({latest.version}) is also at the stable address handbook/.",
                rel(page, f"{urls.CURRENT}/index.md"),
            ),
        ),
        sections=(Section("Every release", "every-release", tables=(table,)),),
    )


def lint_page(rules: Mapping[str, Any] | None = None) -> PageView | None:
    """``lint.md``: the lint rules of the registry (None when the lint package is absent).

    ``rules`` defaults to :data:`svcstd.lint.RULES`; anchors are the ids in lower case, which
    is where :attr:`svcstd.lint.LintRule.url` points.
    """
    if rules is None:
        try:
            from svcstd.lint import RULES as rules
        except ImportError:  # rendering does not need the linter
            return None
    assert rules is not None
    index = Table(
        ("Rule", "Slug", "Severity", "Scope", "Title"),
        tuple(
            Row((link(r.id, f"#{r.id.lower()}"), code(r.slug), r.severity, r.scope, r.title))
            for r in rules.values()
        ),
    )
    return PageView(
        path="lint.md",
        title="Lint rules",
        template="lint.md.j2",
        intro=(
            "svcstd lint checks that the standards are consistent and complete. Each finding "
            "names its rule; the rule's anchor on this page explains it.",
        ),
        sections=(Section("All lint rules", "all-lint-rules", tables=(index,)),),
        extra={"rules": tuple(rules.values())},
    )


def build_views(
    standards: Standards,
    diagram: DiagramRenderer = svg_figure,
    lint_rules: Mapping[str, Any] | None = None,
) -> list[PageView]:
    """The view models of every generated page, in navigation order."""
    latest = standards.latest
    views = ReleaseViews(standards, latest, urls.CURRENT, diagram).pages()
    views.append(releases_page(standards))
    for release in reversed(standards.releases):
        views += ReleaseViews(
            standards,
            release,
            urls.release_prefix(release.version),
            diagram,
            searchable=release is not latest,
        ).pages()
    lint = lint_page(lint_rules)
    if lint is not None:
        views.append(lint)
    return views


def render_view(env: jinja2.Environment, view: PageView) -> Page:
    """Render one page view with its template."""
    try:
        content = env.get_template(view.template).render(page=view)
    except jinja2.TemplateError as exc:
        where = (
            f"{exc.filename}:{exc.lineno}"
            if isinstance(exc, jinja2.TemplateSyntaxError)
            else view.template
        )
        raise SvcstdError(f"{where}: template error while rendering {view.path}: {exc}") from exc
    # tidy: templates leave blank lines where optional parts are absent
    content = re.sub(r"\n{3,}", "\n\n", content).lstrip("\n")
    return Page(view.path, view.title, content)


def build_site(
    standards: Standards,
    templates: Path | str | None = None,
    diagram: DiagramRenderer = svg_figure,
    lint_rules: Mapping[str, Any] | None = None,
) -> Site:
    """Render every generated page of the site from ``standards``.

    ``diagram`` turns a diagram into the page's figure (inline SVG by default); ``lint_rules``
    replaces the lint registry (tests pin the lint page with rules of their own).
    """
    env = make_environment(templates)
    pages = tuple(render_view(env, v) for v in build_views(standards, diagram, lint_rules))
    nav: dict[str, list[Any]] = {
        f"{urls.CURRENT}/index.md": release_nav(standards.latest, urls.CURRENT),
        "releases/index.md": ["releases/index.md"]
        + [
            {r.version: release_nav(r, urls.release_prefix(r.version))}
            for r in reversed(standards.releases)
        ],
    }
    return Site(pages, nav)


def write_site(site: Site, out: Path | str) -> list[Path]:
    """Write the pages under ``out``, replacing the folder as a whole.

    Pages are written to a fresh folder beside ``out`` and swapped in with renames, so a
    failed run leaves the previous output untouched and a reader never sees half a site.
    A non-empty ``out`` that svcstd did not write is refused rather than deleted.
    """
    target = Path(out)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).exists())
    ):
        raise SvcstdError(
            f"{target}: exists and was not written by svcstd render; refusing to replace it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    written = []
    try:
        for page in site.pages:
            path = tmp / page.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page.content, encoding="utf-8")
            written.append(target / page.path)
        (tmp / MARKER).write_text(
            "written by svcstd render; replaced as a whole on each run\n", encoding="utf-8"
        )
        os.chmod(tmp, 0o755)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written
