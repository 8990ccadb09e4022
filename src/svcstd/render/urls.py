"""Where every page and anchor of the manual lives, so findings and verdicts can link to it.

The site keeps each release under ``releases/<version>/`` forever, and the current (latest)
release a second time under the stable prefix ``handbook/``. A verdict judged by release
2025.1 links into ``releases/2025.1/…`` and keeps working after 2026.1 ships; a link that
should always show today's rule uses ``handbook/…``.

URLs are relative to the site root and follow mkdocs' ``use_directory_urls`` layout
(``time-limits.md`` is served as ``time-limits/``). Anchors are the rule id in lower case.
"""

from __future__ import annotations

from svcstd.spec.model import Handbook, Item, Rule

#: Prefix of the current release's pages.
CURRENT = "handbook"
#: Folder under which every release is kept.
RELEASES = "releases"

#: The page (without ``.md``) that documents each section of a release.
SECTION_PAGE: dict[str, str] = {
    "calendars": "calendars",
    "roles": "roles",
    "channels": "time-limits",
    "categories": "glossary",
    "priorities": "glossary",
    "tiers": "glossary",
    "states": "lifecycle",
    "events": "lifecycle",
    "time_limits": "time-limits",
    "escalation_paths": "escalation",
    "processes": "processes",
    "record_types": "records",
    "archiving": "records",
    "retention": "records",
    "ownership": "roles",
    "authorities": "roles",
    "kpis": "kpis",
}

#: Anchor prefixes of items that are not rules (their ids are slugs that could collide).
_TERM_PREFIX: dict[str, str] = {
    "calendars": "calendar",
    "roles": "role",
    "channels": "channel",
    "categories": "category",
    "priorities": "priority",
    "tiers": "tier",
    "states": "state",
    "events": "event",
}


def release_prefix(version: str | None) -> str:
    """``releases/<version>`` for a version, ``handbook`` for the current release (``None``)."""
    return CURRENT if version is None else f"{RELEASES}/{version}"


def anchor(section: str, item: Item) -> str:
    """The HTML id of an item: a rule's id in lower case, ``role-agent`` for vocabulary."""
    item_id: str = item.id  # type: ignore[attr-defined]
    if isinstance(item, Rule):
        return item_id.lower()
    return f"{_TERM_PREFIX[section]}-{item_id}"


def page_of(section: str, item: Item) -> str:
    """The page (``.md`` path relative to a release prefix) that documents an item."""
    if section == "processes":
        return f"processes/{item.id.lower()}.md"  # type: ignore[attr-defined]
    return f"{SECTION_PAGE[section]}.md"


def directory_url(md_path: str) -> str:
    """The URL mkdocs serves a Markdown path at (``a/b.md`` → ``a/b/``, ``a/index.md`` → ``a/``)."""
    if md_path == "index.md":
        return ""
    if md_path.endswith("/index.md"):
        return md_path[: -len("index.md")]
    return md_path[: -len(".md")] + "/"


def item_url(release: Handbook, section: str, item: Item, *, current: bool = False) -> str:
    """URL path of an item's anchor, in its release's folder or (``current``) under handbook/."""
    prefix = release_prefix(None if current else release.version)
    return f"{prefix}/{directory_url(page_of(section, item))}#{anchor(section, item)}"


def rule_url(release: Handbook, rule_id: str, *, current: bool = False) -> str:
    """URL path of a rule's anchor, for verdicts and lint findings to carry.

    ``rule_url(r2026, "TL-001") == "releases/2026.1/time-limits/#tl-001"``; with
    ``current=True`` the stable ``handbook/time-limits/#tl-001``, which always shows the
    rule as the latest release states it. Aliases (renamed ids) resolve to the rule's page.
    Raises ``KeyError`` when the release has no such rule.
    """
    for section, item in release.items():
        if isinstance(item, Rule) and (item.id == rule_id or rule_id in item.aliases):
            return item_url(release, section, item, current=current)
    raise KeyError(f"release {release.version} has no rule {rule_id!r}")
