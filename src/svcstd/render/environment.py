"""The Jinja2 environments of the manual: the built-in templates and users' own, sandboxed.

- ``StrictUndefined``: a template that names a field the view model lacks fails the build
  instead of printing nothing.
- Escaping: every printed value goes through :func:`svcstd.render.escape.md` (``finalize``),
  and autoescape is on; see that module for why Markdown output still needs HTML escaping.
- A user's template directory (``svcstd render --templates DIR``, the plugin's ``templates``
  option) is searched before the built-in one, and then *every* template runs in a
  :class:`jinja2.sandbox.SandboxedEnvironment`: a template from outside the project can read
  the view models but not reach Python internals (``__class__``, ``__globals__`` …).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from svcstd.errors import SvcstdError
from svcstd.render.escape import code, md

#: The built-in templates: ``templates/`` at the top of the project.
BUILTIN_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def builtin_templates() -> Path:
    """The built-in template folder; a clear error when the installation lacks it."""
    if not (BUILTIN_TEMPLATES / "rule.md.j2").is_file():
        raise SvcstdError(f"svcstd's templates are missing from {BUILTIN_TEMPLATES}")
    return BUILTIN_TEMPLATES


def make_environment(user_templates: Path | str | None = None) -> jinja2.Environment:
    """The environment for the built-in templates, or a sandboxed one over a user's folder."""
    folders = [builtin_templates()]
    cls: type[jinja2.Environment] = jinja2.Environment
    if user_templates is not None:
        user = Path(user_templates)
        if not user.is_dir():
            raise SvcstdError(f"{user}: template folder not found")
        folders.insert(0, user)
        cls = SandboxedEnvironment
    env = cls(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=md,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md
    env.filters["code"] = code
    return env
