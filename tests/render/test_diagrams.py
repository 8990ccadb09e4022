"""Diagram building blocks: label wrapping, trigger grouping, SVG clean-up."""

from __future__ import annotations

import pytest

from svcstd.errors import SvcstdError
from svcstd.render import diagrams
from svcstd.render.diagrams import dot_to_svg, label, ladder_dot, quote, trigger_groups, wrap
from svcstd.spec.releases import Standards

from .conftest import need


def test_wrap_latin_and_chinese() -> None:
    assert wrap("Receive complaint") == ["Receive complaint"]
    assert wrap("Assign the problem to the responsible department or person") == [
        "Assign the problem to the",
        "responsible department or",
        "person",
    ]
    lines = wrap("客户服务管理办法规定电话铃响三声内必须接听并记录")
    assert (
        all(len(line) <= 14 for line in lines)
        and "".join(lines) == "客户服务管理办法规定电话铃响三声内必须接听并记录"
    )


def test_dot_strings_are_quoted() -> None:
    assert quote('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'
    assert label("a", None, "b") == '"a\\nb"'


def test_triggers_on_several_limits_share_one_note(standards: Standards) -> None:
    release = standards.latest
    path = release.escalation_paths[0]
    first = path.triggers[0]
    twin = first.model_copy(update={"limit": "TL-002"})
    grouped = path.model_copy(update={"triggers": [first, twin, *path.triggers[1:]]})
    groups = trigger_groups(grouped)
    assert groups[0] == ("50% of TL-003 or TL-002 used", 2, "30min", None)
    assert len(groups) == len(path.triggers)
    assert "TL-003 or TL-002" in ladder_dot(release, grouped).dot


def test_svg_is_inline_ready(standards: Standards) -> None:
    need("dot", "Graphviz draws the flowcharts")
    svg = dot_to_svg(ladder_dot(standards.latest, standards.latest.escalation_paths[0]).dot)
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<!--" not in svg and "<?xml" not in svg and "\n\n" not in svg
    assert 'style="max-width:100%;height:auto"' in svg


def test_missing_graphviz_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diagrams.shutil, "which", lambda name: None)
    with pytest.raises(SvcstdError, match="apt-get install graphviz"):
        diagrams.dot_binary()
