"""The lint framework: findings, lint rules, and helpers the rule families share.

A lint rule is one :class:`LintRule` object: typed metadata (id, slug, title, rationale,
severity) plus a ``check`` generator. Per-release rules receive a
:class:`~svcstd.spec.model.Handbook`; history rules receive the whole
:class:`~svcstd.spec.releases.Standards`. A check yields :class:`Hit` values — what is wrong and
where — and the runner stamps rule id, slug, severity, release and manual link onto each, so a
check cannot get them wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from svcstd.spec.duration import Duration
from svcstd.spec.model import Calendar, Handbook, Item, Loc, Node, Selector, Severity, TimeBasis
from svcstd.spec.releases import Standards

#: Severities from most to least serious; ``--fail-on`` compares by this order.
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

LintRuleId = Annotated[str, StringConstraints(pattern=r"^SPEC-[0-9]{3}$")]
LintSlug = Annotated[str, StringConstraints(pattern=r"^[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+$")]
Scope = Literal["release", "history"]


def at_least(severity: Severity, threshold: Severity) -> bool:
    """True when ``severity`` is as serious as ``threshold`` or more."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


class Finding(BaseModel):
    """One problem in the standards, located in a YAML file and linked to the lint rule's page.

    Findings sort by (file, line, col, rule id, message), so every report is deterministic.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: LintRuleId
    slug: LintSlug
    severity: Severity
    message: str
    file: str
    line: int = Field(ge=1)
    col: int = Field(ge=1)
    release: str | None = Field(default=None, description="Version of the release, if one")
    item: str | None = Field(default=None, description="Id of the item concerned, if one")
    url: str = Field(description="The lint rule's anchor in the manual, e.g. lint/#spec-101")

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.rule, self.message)

    def __lt__(self, other: Finding) -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.severity} {self.rule} [{self.slug}] {self.message}"


@dataclass(frozen=True)
class Hit:
    """What a check yields: a message, where it applies, and the item concerned."""

    message: str
    where: Loc | None
    item: str | None = None


ReleaseCheck = Callable[[Handbook], Iterator[Hit]]
HistoryCheck = Callable[[Standards], Iterator[Hit]]


class LintRule(BaseModel):
    """A consistency rule over the standards: metadata for the manual and a check generator."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: LintRuleId
    slug: LintSlug = Field(description="Names the problem, e.g. ref.unknown-role")
    title: str = Field(min_length=5, max_length=90)
    rationale: str = Field(min_length=20, description="Why the problem matters")
    severity: Severity
    scope: Scope = Field(description="release: run on each release; history: once on all")
    description: str = Field(min_length=20, description="What the rule checks (its docstring)")
    check: Callable[..., Iterator[Hit]] = Field(exclude=True, repr=False)

    @property
    def url(self) -> str:
        """The rule's anchor in the manual's lint page."""
        return f"lint/#{self.id.lower()}"

    def metadata(self) -> dict[str, Any]:
        """Everything the manual and ``--list-rules`` print about the rule."""
        data = self.model_dump(exclude={"check"})
        data["url"] = self.url
        return data


def _rule(scope: Scope, **meta: Any) -> Callable[[Callable[..., Iterator[Hit]]], LintRule]:
    def decorate(func: Callable[..., Iterator[Hit]]) -> LintRule:
        doc = inspect.getdoc(func)
        if not doc:
            raise TypeError(f"lint rule {meta.get('id')} needs a docstring")
        return LintRule(scope=scope, description=doc, check=func, **meta)

    return decorate


def release_rule(
    *, id: str, slug: str, title: str, rationale: str, severity: Severity = "error"
) -> Callable[[ReleaseCheck], LintRule]:
    """Make a per-release lint rule from a check generator; its docstring is the description."""
    return _rule("release", id=id, slug=slug, title=title, rationale=rationale, severity=severity)


def history_rule(
    *, id: str, slug: str, title: str, rationale: str, severity: Severity = "error"
) -> Callable[[HistoryCheck], LintRule]:
    """Make a lint rule over the release history; its docstring is the description."""
    return _rule("history", id=id, slug=slug, title=title, rationale=rationale, severity=severity)


# --------------------------------------------------------------------------------------------
# Helpers shared by the rule families


def walk(node: BaseModel, where: Loc | None = None) -> Iterator[tuple[BaseModel, Loc | None]]:
    """Every model nested in ``node`` (itself included), each with its best known location.

    Defaults the author did not write (e.g. an archiving rule's ``after: {state: closed}``)
    have no location of their own; they inherit the location of the key that holds them, or of
    the nearest written ancestor.
    """
    here = node.loc if isinstance(node, Node) and node.loc is not None else where
    yield node, here
    for name, info in type(node).model_fields.items():
        if name == "loc":
            continue
        value = getattr(node, name)
        key = info.alias or name
        sub = here.of(key) if here is not None and isinstance(node, Node) and node.loc else here
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, BaseModel):
                yield from walk(child, sub)


def selectors_overlap(a: Selector, b: Selector, ignore: Iterable[str] = ()) -> bool:
    """True when some case could match both selectors (absent keys match anything)."""
    skip = set(ignore)
    for key, values in a.items():
        other = getattr(b, key)
        if key in skip or other is None:
            continue
        if not set(values) & set(other):
            return False
    return True


Span = tuple[float, float]

_DAY = 86400.0
_INF = float("inf")


def span(
    duration: Duration, time: TimeBasis = "calendar", calendar: Calendar | None = None
) -> Span:
    """Lower and upper bound of a duration, in seconds of its time basis.

    Fixed units are exact. A business day (``bd``) counted in business time lasts between the
    calendar's shortest and longest working day (unknown without a calendar); counted in
    calendar time, at least one day. Months last 28 to 31 days, years 365 or 366. Rules compare
    bounds, so a finding means "certainly", never "perhaps".
    """
    if duration.is_fixed:
        exact = float(duration.seconds)
        return exact, exact
    n = duration.amount
    if duration.unit == "mo":
        return n * 28 * _DAY, n * 31 * _DAY
    if duration.unit == "y":
        return n * 365 * _DAY, n * 366 * _DAY
    if time == "business":
        days = (
            [sum(r.end - r.start for r in ranges) for ranges in calendar.week.values()]
            if calendar
            else []
        )
        days = [d for d in days if d > 0]
        return (n * min(days), n * max(days)) if days else (0.0, _INF)
    return n * _DAY, _INF


def exceeds(
    a: Duration,
    b: Duration,
    time: TimeBasis = "calendar",
    calendar_a: Calendar | None = None,
    calendar_b: Calendar | None = None,
    scale_b: float = 1.0,
) -> bool:
    """True when ``a`` is certainly longer than ``scale_b * b``, both counted in ``time``.

    Durations in the same unit compare by amount; others by their :func:`span` bounds.
    """
    if a.unit == b.unit:
        return a.amount > scale_b * b.amount
    return span(a, time, calendar_a)[0] > scale_b * span(b, time, calendar_b)[1]


_NOUNS = {
    "calendars": "calendar", "roles": "role", "channels": "channel", "categories": "category",
    "priorities": "priority", "tiers": "tier", "states": "state", "events": "event",
    "time_limits": "time limit", "escalation_paths": "escalation path", "processes": "process",
    "record_types": "record type", "archiving": "archiving rule", "retention": "retention rule",
    "ownership": "ownership rule", "authorities": "authority rule", "kpis": "KPI",
}  # fmt: skip


def ident(item: Item) -> str:
    """The id of an item (every section's items have one; :class:`Item` itself does not say so)."""
    return str(getattr(item, "id", ""))


def noun(section: str) -> str:
    """What one item of a section is called in messages: ``time_limits`` → ``time limit``."""
    return _NOUNS.get(section, section)


def order(items: Iterable[Any]) -> list[Any]:
    """Nodes in the order they were written (file, line, column)."""

    def key(node: Any) -> tuple[str, int, int]:
        loc = node.loc
        return (loc.file, loc.line, loc.col) if loc is not None else ("", 0, 0)

    return sorted(items, key=key)
