"""The mkdocs plugin ``svcstd``: the handbook's pages, generated from ``standards/`` at build time.

``mkdocs build`` and ``mkdocs serve`` need nothing else: the plugin loads the releases, renders
every page with :func:`svcstd.render.site.build_site` (the same function ``svcstd render``
uses), adds the pages as generated files (never written into ``docs_dir``), and expands the
nav placeholders ``handbook/index.md`` and ``releases/index.md`` in ``mkdocs.yml`` into the
pages of each release. ``mkdocs serve`` rebuilds when a YAML file or template changes (the
plugin adds both folders to ``watch``).

Options (``plugins: - svcstd: {...}``), paths relative to ``mkdocs.yml``:

- ``standards`` (default ``standards``): the releases;
- ``templates`` (default: the built-in ones): a folder of templates that override the
  built-in ones by name; they run sandboxed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from svcstd.errors import SvcstdError
from svcstd.render.environment import builtin_templates
from svcstd.render.site import Site, build_site
from svcstd.spec import load_standards


class SvcstdPluginConfig(Config):
    """Options of the ``svcstd`` mkdocs plugin."""

    standards = c.Type(str, default="standards")
    templates = c.Optional(c.Type(str))


def expand_nav(nav: Any, subtrees: dict[str, list[Any]]) -> Any:
    """Replace nav entries that point at a placeholder page by that page's subtree."""
    if isinstance(nav, list):
        return [expand_nav(entry, subtrees) for entry in nav]
    if isinstance(nav, dict):
        return {
            title: subtrees[value]
            if isinstance(value, str) and value in subtrees
            else expand_nav(value, subtrees)
            for title, value in nav.items()
        }
    return nav


class SvcstdPlugin(BasePlugin[SvcstdPluginConfig]):
    """Generates the handbook's pages from the standards (see the module docstring)."""

    def __init__(self) -> None:
        self.site: Site | None = None

    def _path(self, config: MkDocsConfig, value: str) -> Path:
        return (Path(config.config_file_path).parent / value).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        standards = self._path(config, self.config.standards)
        templates = self._path(config, self.config.templates) if self.config.templates else None
        try:
            self.site = build_site(load_standards(standards), templates)
        except SvcstdError as exc:
            raise PluginError(f"svcstd: {exc}") from exc
        if config.nav is not None:
            config.nav = expand_nav(config.nav, self.site.nav)
        for folder in (standards, templates or builtin_templates()):
            if str(folder) not in config.watch:
                config.watch.append(str(folder))
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.site is not None
        for page in self.site.pages:
            existing = files.get_file_from_path(page.path)
            if existing is not None:
                raise PluginError(
                    f"svcstd: {page.path} is generated from the standards; remove it from "
                    f"{config.docs_dir}"
                )
            files.append(File.generated(config, page.path, content=page.content))
        return files
