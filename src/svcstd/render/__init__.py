"""The published handbook: Markdown pages, flowcharts and worked examples from the standards.

- :func:`build_site` — every generated page of the site (used by the mkdocs plugin and by
  ``svcstd render``); :func:`write_site` writes them to a folder atomically.
- :func:`rule_url` — the URL path of a rule's anchor, for verdicts and lint findings.
- :mod:`svcstd.render.views` — the view models (all wording), :mod:`svcstd.render.diagrams` —
  Graphviz flowcharts, :mod:`svcstd.render.examples` — worked examples from the time engine,
  :mod:`svcstd.render.escape` — the escaping decision, :mod:`svcstd.render.mkdocs_plugin` —
  the mkdocs plugin ``svcstd``.
"""

from svcstd.render.site import Page, Site, build_site, write_site
from svcstd.render.urls import item_url, rule_url

__all__ = ["Page", "Site", "build_site", "item_url", "rule_url", "write_site"]
