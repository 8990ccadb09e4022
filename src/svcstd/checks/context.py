"""What every evaluator may read: the records, the release judging a batch, "now", calendars."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import polars as pl

from svcstd.records.schema import RecordSet
from svcstd.spec.model import Condition, Handbook, Selector
from svcstd.timecalc import BusinessCalendar, business_calendar

T = TypeVar("T")


@dataclass(frozen=True)
class CheckContext:
    """Run-wide facts: the records read, ``as_of`` (UTC epoch seconds) and calendar cache."""

    records: RecordSet
    as_of: int
    #: Facts about the whole export when ``records`` holds only part of its cases (a run split
    #: by case: :mod:`svcstd.checks.parts`); computed from ``records`` when None.
    shared: SharedFacts | None = None
    _calendars: dict[tuple[str, str | None], BusinessCalendar] = field(
        default_factory=dict, repr=False
    )
    _memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """What ``make`` derives from the run's facts, computed once per run under ``key``."""
        return _cached(self._memo, key, make)

    def calendar(self, release: Handbook, calendar_id: str | None) -> BusinessCalendar:
        """The release's calendar (its default when ``calendar_id`` is None), built once."""
        key = (release.version, calendar_id)
        if key not in self._calendars:
            self._calendars[key] = business_calendar(release, calendar_id)
        return self._calendars[key]

    def can_record(self, condition: Condition) -> bool:
        """Whether the export can ever show this event or state (profile's vocabulary).

        An export whose profile emits ids it cannot list in advance (svcstd's own format)
        declares none; then every condition counts as recordable.
        """
        ids = self.records.event_ids | self.records.state_ids
        if not ids:
            return True
        if condition.event is not None:
            return condition.event in self.records.event_ids
        return condition.state in self.records.state_ids

    @cached_property
    def actor_roles(self) -> pl.DataFrame:
        """``actor → known_role``: the earliest role the export records for each actor.

        Computed once per run over the whole export (an actor's role is a fact about the
        person, whichever case shows it), then used by every evaluator and explanation.
        """
        facts = self.shared if self.shared is not None else SharedFacts.of(self.records)
        return facts.roles.select("actor", "known_role")

    @cached_property
    def openings(self) -> pl.DataFrame:
        """Every case of the export: ``case_id``, the selector fields, ``customer`` and
        ``opened`` (epoch seconds: ``opened_at``, else the first event) — what a rule about a
        customer's other cases counts over, whichever release judges them."""
        facts = self.shared if self.shared is not None else SharedFacts.of(self.records)
        return facts.openings

    def lacks_field(self, selector: Selector) -> list[str]:
        """Case fields a selector needs that the export does not provide."""
        return [key for key, _ in selector.items() if not self.records.has(f"cases.{key}")]


#: Case fields a selector can name (:class:`svcstd.spec.model.Selector`).
SELECTOR_FIELDS = ("channel", "category", "priority", "tier")


@dataclass(frozen=True)
class SharedFacts:
    """What judging one case may need to know about other cases: small, mergeable frames.

    A run split by case computes them per part (:meth:`of`), merges them (:meth:`merge`) and
    hands the result to every part, so each part judges as if it held the whole export.
    """

    #: ``actor, at, case_id, seq, known_role``: each actor's earliest recorded role.
    roles: pl.DataFrame
    #: ``case_id``, selector fields, ``customer``, ``opened``: see CheckContext.openings.
    openings: pl.DataFrame

    @classmethod
    def of(cls, records: RecordSet) -> SharedFacts:
        ev = records.events
        if records.has("events.role") and records.has("events.actor"):
            roles = _earliest_roles(
                ev.filter(pl.col("actor").is_not_null() & pl.col("role").is_not_null())
                .select("actor", "at", "case_id", "seq", known_role="role")
            )
        else:
            roles = pl.DataFrame(
                schema={"actor": pl.Utf8, "at": ev.schema["at"], "case_id": pl.Utf8,
                        "seq": pl.Int64, "known_role": pl.Utf8}
            )  # fmt: skip
        first = ev.group_by("case_id").agg(_first=pl.col("at").min())
        openings = (
            records.cases.select("case_id", *SELECTOR_FIELDS, "customer", "opened_at")
            .join(first, on="case_id", how="left")
            .select(
                pl.exclude("opened_at", "_first"),
                opened=pl.coalesce("opened_at", "_first").dt.epoch("s"),
            )
        )
        return cls(roles, openings)

    @classmethod
    def merge(cls, parts: Sequence[SharedFacts]) -> SharedFacts:
        """The facts of the whole export from those of its parts (parts hold whole cases)."""
        roles = _earliest_roles(pl.concat([p.roles for p in parts]))
        openings = pl.concat([p.openings for p in parts]).sort("case_id")
        return cls(roles, openings)


def _cached(memo: dict[tuple[object, ...], object], key: tuple[object, ...],
            make: Callable[[], T]) -> T:  # fmt: skip
    if key not in memo:
        memo[key] = make()
    return memo[key]  # type: ignore[return-value]


def _earliest_roles(rows: pl.DataFrame) -> pl.DataFrame:
    return (
        rows.sort("at", "case_id", "seq")
        .group_by("actor", maintain_order=True)
        .first()
    )


@dataclass(frozen=True)
class Scope:
    """The cases one release judges, and their events (both sorted, both Polars)."""

    release: Handbook
    cases: pl.DataFrame
    events: pl.DataFrame
    _memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """What ``make`` derives from this scope, computed once per scope under ``key``."""
        return _cached(self._memo, key, make)

    @cached_property
    def case_ids(self) -> pl.Series:
        return self.cases.get_column("case_id")


def upto(events: pl.DataFrame, as_of: int) -> pl.DataFrame:
    """Events at or before ``as_of`` (``--as-of`` hides what happened later)."""
    return events.filter(pl.col("at").dt.epoch("s") <= as_of)


def events_until(scope: Scope, cases: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """The events of these cases that happened at or before ``as_of``: every evaluator's input."""
    return upto(scope.events.join(cases.select("case_id"), on="case_id", how="semi"), ctx.as_of)
