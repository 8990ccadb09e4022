"""Templates: strict about missing fields, and sandboxed when a user supplies them."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcstd.errors import SvcstdError
from svcstd.render.diagrams import placeholder_figure
from svcstd.render.environment import make_environment
from svcstd.render.site import build_site
from svcstd.spec.releases import Standards


def _site(standards: Standards, templates: Path) -> object:
    return build_site(standards, templates, diagram=placeholder_figure, lint_rules={})


def test_user_templates_override_builtin_ones_by_name(standards: Standards, tmp_path: Path) -> None:
    (tmp_path / "rule.md.j2").write_text(
        "RULE {{ rule.id }}: {{ rule.heading }}\n\n", encoding="utf-8"
    )
    site = _site(standards, tmp_path)
    page = site.page("handbook/time-limits.md").content  # type: ignore[attr-defined]
    assert "RULE TL-001: TL-001 · Answer the phone within 20 seconds" in page
    assert "# Channels and time limits" in page  # the built-in topic template still lays out


def test_user_templates_are_sandboxed(standards: Standards, tmp_path: Path) -> None:
    (tmp_path / "rule.md.j2").write_text(
        "{{ rule.__class__.__init__.__globals__['os'].system('echo pwned') }}", encoding="utf-8"
    )
    with pytest.raises(SvcstdError, match=r"template error.*(unsafe|access to attribute)"):
        _site(standards, tmp_path)


def test_user_templates_escape_spec_text_too(tmp_path: Path) -> None:
    (tmp_path / "x.md.j2").write_text("{{ value }}", encoding="utf-8")
    env = make_environment(tmp_path)
    assert env.get_template("x.md.j2").render(value="<script>") == "&lt;script&gt;"


def test_missing_fields_fail_the_build(standards: Standards, tmp_path: Path) -> None:
    (tmp_path / "rule.md.j2").write_text("{{ rule.no_such_field }}", encoding="utf-8")
    with pytest.raises(SvcstdError, match="no_such_field"):
        _site(standards, tmp_path)


def test_builtin_environment_is_not_sandboxed_but_strict() -> None:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = make_environment()
    assert not isinstance(env, SandboxedEnvironment)
    assert env.undefined is jinja2.StrictUndefined


def test_unknown_template_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SvcstdError, match="template folder not found"):
        make_environment(tmp_path / "nope")
