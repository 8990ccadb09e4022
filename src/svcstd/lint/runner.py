"""Run lint rules over the standards and collect their findings, sorted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from svcstd.lint.base import Finding, Hit, LintRule
from svcstd.spec.model import Handbook, Loc
from svcstd.spec.releases import Standards


def _stamp(rule: LintRule, hit: Hit, fallback: Loc, release: str | None) -> Finding:
    where = hit.where or fallback
    return Finding(
        rule=rule.id,
        slug=rule.slug,
        severity=rule.severity,
        message=hit.message,
        file=where.file,
        line=max(where.line, 1),
        col=max(where.col, 1),
        release=release,
        item=hit.item,
        url=rule.url,
    )


def _run(
    rule: LintRule, subject: Handbook | Standards, fallback: Loc, release: str | None
) -> Iterator[Finding]:
    """One rule on one subject; a crash becomes an error finding and the run goes on."""
    hits: Iterator[Hit] = rule.check(subject)
    while True:
        try:
            hit = next(hits)
        except StopIteration:
            return
        except Exception as exc:
            yield Finding(
                rule=rule.id,
                slug=rule.slug,
                severity="error",
                message=f"internal error in rule {rule.id} ({rule.slug}): "
                f"{type(exc).__name__}: {exc}",
                file=fallback.file,
                line=fallback.line,
                col=fallback.col,
                release=release,
                url=rule.url,
            )
            return
        yield _stamp(rule, hit, fallback, release)


def _handbook_loc(release: Handbook) -> Loc:
    meta = release.meta
    return meta.loc if meta.loc is not None else Loc(release.path or "handbook.yaml", 1, 1)


def lint_standards(standards: Standards, rules: Iterable[LintRule]) -> list[Finding]:
    """Every finding of ``rules`` on every release (release rules) and on the history."""
    findings: list[Finding] = []
    rules = list(rules)
    for release in standards.releases:
        where = _handbook_loc(release)
        for rule in rules:
            if rule.scope == "release":
                findings.extend(_run(rule, release, where, release.version))
    root = (
        _handbook_loc(standards.releases[-1]) if standards.releases else Loc(standards.root, 1, 1)
    )
    for rule in rules:
        if rule.scope == "history":
            findings.extend(_run(rule, standards, root, None))
    return sorted(set(findings))
