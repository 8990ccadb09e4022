"""What every evaluator may read: the records, the release judging a batch, "now", calendars."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from svcstd.records.schema import RecordSet
from svcstd.spec.model import Condition, Handbook, Selector
from svcstd.timecalc import BusinessCalendar, business_calendar


@dataclass(frozen=True)
class CheckContext:
    """Run-wide facts: the records read, ``as_of`` (UTC epoch seconds) and calendar cache."""

    records: RecordSet
    as_of: int
    _calendars: dict[tuple[str, str | None], BusinessCalendar] = field(
        default_factory=dict, repr=False
    )

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
        ev = self.records.events
        if not self.records.has("events.role") or not self.records.has("events.actor"):
            return pl.DataFrame(schema={"actor": pl.Utf8, "known_role": pl.Utf8})
        return (
            ev.filter(pl.col("actor").is_not_null() & pl.col("role").is_not_null())
            .sort("at", "case_id", "seq")
            .group_by("actor", maintain_order=True)
            .agg(known_role=pl.col("role").first())
        )

    def lacks_field(self, selector: Selector) -> list[str]:
        """Case fields a selector needs that the export does not provide."""
        return [key for key, _ in selector.items() if not self.records.has(f"cases.{key}")]


@dataclass(frozen=True)
class Scope:
    """The cases one release judges, and their events (both sorted, both Polars)."""

    release: Handbook
    cases: pl.DataFrame
    events: pl.DataFrame

    @cached_property
    def case_ids(self) -> pl.Series:
        return self.cases.get_column("case_id")


def upto(events: pl.DataFrame, as_of: int) -> pl.DataFrame:
    """Events at or before ``as_of`` (``--as-of`` hides what happened later)."""
    return events.filter(pl.col("at").dt.epoch("s") <= as_of)


def events_until(scope: Scope, cases: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """The events of these cases that happened at or before ``as_of``: every evaluator's input."""
    return upto(scope.events.join(cases.select("case_id"), on="case_id", how="semi"), ctx.as_of)
