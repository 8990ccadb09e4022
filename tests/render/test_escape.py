"""Spec text is text: it never becomes HTML or Markdown syntax in the manual."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import Markup

from svcstd.render.diagrams import placeholder_figure
from svcstd.render.escape import md
from svcstd.render.site import build_site
from svcstd.spec import load_standards

from .conftest import MKDOCS_YML, ROOT, STANDARDS, need

EVIL_TITLE = "Reply <script>alert('x')</script> & [click](javascript:alert(1)) | *now*"


def test_md_escapes_html_and_markdown_syntax() -> None:
    out = md("<b>bold</b> & a|b *em* _u_ [l](u) `c` {#id}\n# heading")
    assert "<" not in out and ">" not in out.replace("&gt;", "")
    for char in "|*_[]`{}":
        assert char not in out
    assert "\n" not in out
    assert str(md("# not a heading")).startswith("&#35;")
    assert "1." not in str(md("1. not a list"))


def test_md_passes_markup_through() -> None:
    assert md(Markup("<code>x</code>")) == "<code>x</code>"
    assert md(None) == ""


@pytest.fixture()
def evil_standards(tmp_path: Path) -> Path:
    root = tmp_path / "standards"
    shutil.copytree(STANDARDS, root)
    for version in ("2025.1", "2026.1"):
        path = root / version / "time-limits.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(
                "title: Answer the phone within 20 seconds", f'title: "{EVIL_TITLE}"'
            ).replace(
                "statement: Every call to the hotline is answered within 20 seconds of ringing.",
                'statement: "a | b\\n\\n# Heading\\n<img src=x onerror=alert(1)>"',
            ),
            encoding="utf-8",
        )
    return root


def test_script_in_a_rule_title_is_escaped_in_markdown(evil_standards: Path) -> None:
    site = build_site(load_standards(evil_standards), diagram=placeholder_figure, lint_rules={})
    page = site.page("handbook/time-limits.md").content
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "](javascript" not in page
    # the statement stays one table-safe paragraph
    assert "a &#124; b &#35; Heading" not in page  # '#' mid-line needs no escape
    assert "a &#124; b # Heading &lt;img src=x onerror=alert(1)&gt;" in page


def test_script_in_a_rule_title_renders_as_text_in_html(
    evil_standards: Path, tmp_path: Path
) -> None:
    need("dot", "Graphviz draws the flowcharts")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        MKDOCS_YML.read_text(encoding="utf-8")
        .replace("INHERIT: ../../../mkdocs.yml", f"INHERIT: {ROOT / 'mkdocs.yml'}")
        .replace("docs_dir: ../../../site", f"docs_dir: {ROOT / 'site'}")
        .replace("  - ../../../templates", f"  - {ROOT / 'templates'}")
        .replace("standards: standards", f"standards: {evil_standards}")
        .replace("  - standards\n", f"  - {evil_standards}\n"),
        encoding="utf-8",
    )
    out = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    html = (out / "handbook" / "time-limits" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert" in html
    assert 'href="javascript' not in html
