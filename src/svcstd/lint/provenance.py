"""Provenance: every figure says where it comes from, and which figures are the organisation's."""

from __future__ import annotations

from collections.abc import Iterator

from svcstd.lint.base import Hit, ident, noun, release_rule
from svcstd.spec.model import Calendar, Handbook, Item, Role, Rule, Term


def _cites(item: Item) -> bool:
    return bool(item.source) or (item.basis == "local-decision" and item.decision is not None)


@release_rule(
    id="SPEC-701",
    slug="provenance.uncited-rule",
    title="A rule or role cites no source",
    rationale="Auditors defend a verdict by pointing at the handbook; a rule or role with no "
    "source (and no recorded local decision) cannot be traced back to anything.",
)
def uncited_rule(handbook: Handbook) -> Iterator[Hit]:
    """Every rule (time limit, escalation path, process, record type, archiving, retention,
    ownership, authority, KPI) and every role has a ``source``, unless it is a
    ``local-decision`` whose ``decision`` explains it."""
    for section, item in handbook.items():
        if isinstance(item, Rule | Role) and not _cites(item):
            yield Hit(
                f"{noun(section)} {ident(item)} cites no source", item.where("id"), ident(item)
            )


@release_rule(
    id="SPEC-702",
    slug="provenance.uncited-definition",
    title="A vocabulary term or calendar cites no source",
    rationale="Channels, states, priorities and calendars shape every check; the manual should "
    "say whether each comes from the handbook or was chosen locally.",
    severity="warning",
)
def uncited_definition(handbook: Handbook) -> Iterator[Hit]:
    """Every channel, category, priority, tier, state, event and calendar has a ``source``,
    unless it is a ``local-decision`` whose ``decision`` explains it."""
    for section, item in handbook.items():
        if isinstance(item, Term | Calendar) and not _cites(item):
            yield Hit(
                f"{noun(section)} {ident(item)} cites no source", item.where("id"), ident(item)
            )


@release_rule(
    id="SPEC-703",
    slug="provenance.conflict-without-alternatives",
    title="A conflict-resolved figure does not record the alternatives",
    rationale="When handbooks contradict each other, the manual must show the values not "
    "adopted and why, or readers holding the other handbook will think the release is wrong.",
)
def conflict_without_alternatives(handbook: Handbook) -> Iterator[Hit]:
    """An item with ``basis: conflict-resolved`` has a ``decision`` with at least one
    ``alternatives`` entry."""
    for section, item in handbook.items():
        if item.basis != "conflict-resolved":
            continue
        what = f"{noun(section)} {ident(item)} is conflict-resolved but"
        if item.decision is None:
            yield Hit(f"{what} records no decision", item.where("basis"), ident(item))
        elif not item.decision.alternatives:
            yield Hit(
                f"{what} its decision lists no alternatives", item.where("decision"), ident(item)
            )


@release_rule(
    id="SPEC-704",
    slug="provenance.undocumented-local-decision",
    title="A local-decision figure does not record the decision",
    rationale="Numbers the organisation chose where the handbook is vague must say why, so the "
    "manual can show which figures are the handbook's and which are local.",
)
def undocumented_local_decision(handbook: Handbook) -> Iterator[Hit]:
    """An item with ``basis: local-decision`` has a ``decision``."""
    for section, item in handbook.items():
        if item.basis == "local-decision" and item.decision is None:
            yield Hit(
                f"{noun(section)} {ident(item)} is a local decision but records no decision",
                item.where("basis"),
                ident(item),
            )
