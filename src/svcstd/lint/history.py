"""Release history: a single chain of releases, each later than the last, with a true changelog."""

from __future__ import annotations

import re
from collections.abc import Iterator

from svcstd.lint.base import Hit, history_rule, noun
from svcstd.spec.diff import diff_releases
from svcstd.spec.model import Handbook
from svcstd.spec.releases import Standards


def _normal(version: str) -> tuple[str, ...]:
    parts = re.split(r"[._-]", version.lower())
    return tuple(str(int(p)) if p.isdigit() else p for p in parts)


def _by_version(standards: Standards) -> dict[str, Handbook]:
    return {r.version: r for r in standards.releases}


@history_rule(
    id="SPEC-801",
    slug="history.duplicate-version",
    title="Two releases have the same version",
    rationale="Verdicts, waivers and the manual name a release by its version; two releases "
    "that read as the same version (2025.1 and 2025.01) make those references ambiguous.",
)
def duplicate_version(standards: Standards) -> Iterator[Hit]:
    """Release versions are unique, ignoring case and leading zeros in numeric parts."""
    seen: dict[tuple[str, ...], Handbook] = {}
    for release in sorted(standards.releases, key=lambda r: r.version):
        key = _normal(release.version)
        if key in seen:
            other = seen[key]
            yield Hit(
                f"version {release.version!r} is the same as release {other.version!r}",
                release.meta.where("version"),
            )
        seen.setdefault(key, release)


@history_rule(
    id="SPEC-802",
    slug="history.unknown-predecessor",
    title="A release supersedes a release that does not exist",
    rationale="The changelog is checked against the release a release supersedes; naming a "
    "missing one breaks the history and leaves the changelog unchecked.",
)
def unknown_predecessor(standards: Standards) -> Iterator[Hit]:
    """``supersedes`` names the version of another release in the standards folder."""
    versions = _by_version(standards)
    for release in standards.releases:
        ref = release.meta.supersedes
        if ref is not None and ref not in versions:
            known = ", ".join(sorted(versions))
            yield Hit(
                f"supersedes {ref!r}, which is not a release here (have {known})",
                release.meta.where("supersedes"),
            )


@history_rule(
    id="SPEC-803",
    slug="history.date-not-after-predecessor",
    title="A release takes effect no later than the release it supersedes",
    rationale="The release in force at a moment is found by effective date; a successor that "
    "does not start strictly later would never be in force, or would hide its predecessor.",
)
def date_not_after_predecessor(standards: Standards) -> Iterator[Hit]:
    """``effective_from`` strictly increases along ``supersedes``."""
    versions = _by_version(standards)
    for release in standards.releases:
        prev = versions.get(release.meta.supersedes or "")
        if prev is not None and release.meta.effective_from <= prev.meta.effective_from:
            yield Hit(
                f"effective_from {release.meta.effective_from} is not after {prev.version}'s "
                f"{prev.meta.effective_from}",
                release.meta.where("effective_from"),
            )


@history_rule(
    id="SPEC-804",
    slug="history.supersedes-cycle",
    title="Releases supersede each other in a loop",
    rationale="A loop in the history has no first release, so there is no baseline for the "
    "changelog and no order in which the releases took effect.",
)
def supersedes_cycle(standards: Standards) -> Iterator[Hit]:
    """Following ``supersedes`` from any release ends at a release that supersedes nothing.
    Each loop is reported once, at its release with the smallest version."""
    versions = _by_version(standards)
    reported: set[frozenset[str]] = set()
    for release in sorted(standards.releases, key=lambda r: r.version):
        path = [release.version]
        current = release.meta.supersedes
        while current in versions and current not in path:
            path.append(current)
            current = versions[current].meta.supersedes
        if current == release.version:
            loop = frozenset(path)
            if loop not in reported:
                reported.add(loop)
                shown = " → ".join([*path, release.version])
                yield Hit(
                    f"releases supersede each other in a loop: {shown}",
                    release.meta.where("supersedes"),
                )


@history_rule(
    id="SPEC-805",
    slug="history.broken-chain",
    title="A release does not supersede the release before it",
    rationale="Releases form one chain by effective date; a release that supersedes nothing, or "
    "an older release than the one it follows, forks the history and hides changes from review.",
)
def broken_chain(standards: Standards) -> Iterator[Hit]:
    """Ordered by ``effective_from``, every release but the first supersedes the one before it
    (a missing or looping predecessor is left to SPEC-802 and SPEC-804)."""
    ranked = {r.version: i for i, r in enumerate(standards.releases)}
    for prev, release in zip(standards.releases, standards.releases[1:], strict=False):
        ref = release.meta.supersedes
        if ref is None:
            yield Hit(
                f"release {release.version} supersedes nothing, but {prev.version} takes "
                "effect before it",
                release.meta.where("version"),
            )
        elif ref in ranked and ranked[ref] < ranked[prev.version]:
            yield Hit(
                f"supersedes {ref}, but {prev.version} takes effect between them",
                release.meta.where("supersedes"),
            )


def _predecessor(standards: Standards, release: Handbook) -> Handbook | None:
    ref = release.meta.supersedes
    return next((r for r in standards.releases if r.version == ref and r is not release), None)


@history_rule(
    id="SPEC-806",
    slug="changelog.unlisted-change",
    title="The changelog does not mention an item that changed",
    rationale="Reviewers and auditors read the changelog, not the YAML diff; a change it does "
    "not mention is a change nobody signed off.",
)
def unlisted_change(standards: Standards) -> Iterator[Hit]:
    """Every item id that :func:`~svcstd.spec.diff.diff_releases` reports as added, removed or
    changed since the superseded release appears in some ``changelog[].rules``."""
    for release in standards.releases:
        prev = _predecessor(standards, release)
        if prev is None:
            continue
        listed = {rid for entry in release.meta.changelog for rid in entry.rules}
        where = (
            release.meta.where("changelog")
            if release.meta.changelog
            else release.meta.where("version")
        )
        for change in diff_releases(prev, release).changes:
            if change.id not in listed:
                fields = ", ".join(f.path for f in change.fields[:3])
                more = f" ({fields}{', …' if len(change.fields) > 3 else ''})" if fields else ""
                yield Hit(
                    f"{noun(change.section)} {change.id} {change.kind} since {prev.version}{more} "
                    "but the changelog does not mention it",
                    where,
                    change.id,
                )


@history_rule(
    id="SPEC-807",
    slug="changelog.unchanged-item",
    title="The changelog mentions an item that did not change",
    rationale="A changelog line naming an unchanged item sends reviewers looking for a change "
    "that is not there; usually a typo in the id or a change that was reverted.",
    severity="warning",
)
def unchanged_item(standards: Standards) -> Iterator[Hit]:
    """Every id in ``changelog[].rules`` was added, removed or changed since the superseded
    release (the first release's changelog is not checked)."""
    for release in standards.releases:
        prev = _predecessor(standards, release)
        if prev is None:
            continue
        changed = diff_releases(prev, release).ids()
        for entry in release.meta.changelog:
            for rid in entry.rules:
                if rid not in changed:
                    yield Hit(
                        f"changelog mentions {rid}, which did not change since {prev.version}",
                        entry.where("rules"),
                        rid,
                    )
