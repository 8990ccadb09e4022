"""The canonical record model: two Polars frames, ``events`` and ``cases``, and their metadata.

Every export, whatever its format, is mapped onto these two tables by a profile
(:mod:`svcstd.records.profile`). The checker consumes them with Polars and never sees the
export's own column names or values.

``events`` — one row per thing that happened to a case, sorted by ``case_id, at, seq``:

=============  ========================  ==================================================
column         type                      meaning
=============  ========================  ==================================================
case_id        Utf8                      the case the event belongs to
at             Datetime("us", "UTC")     when it happened (always an aware UTC instant)
event          Utf8, nullable            canonical event type id (``created``, ``resolved`` …)
state          Utf8, nullable            canonical state the case entered (``in_progress`` …)
actor          Utf8, nullable            who did it (agent, resource, user)
group          Utf8, nullable            the team / assignment group responsible afterwards
role           Utf8, nullable            the actor's role, when the export records one
source_file    Enum of the files read    the export file the event came from
source_row     Int64                     1-based data row in that file (header not counted)
seq            Int64                     0-based position of the event within its case
=============  ========================  ==================================================

At least one of ``event`` and ``state`` is set on every row. ``seq`` orders events that share
an instant by the order the export recorded them (row order, then the order of the profile's
event sources), so ``sort(case_id, at, seq)`` is deterministic.

``cases`` — one row per case, sorted by ``case_id``: ``case_id`` (Utf8), ``channel``,
``category``, ``priority``, ``tier``, ``customer`` (Utf8, nullable), ``opened_at``
(Datetime("us", "UTC"), nullable), then one ``attr_<name>`` Utf8 column per attribute the
profile lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

UTC_US = pl.Datetime("us", "UTC")

#: Canonical event columns in order; ``source_file`` is an Enum over the files read.
EVENT_COLUMNS: tuple[str, ...] = (
    "case_id", "at", "event", "state", "actor", "group", "role", "source_file", "source_row", "seq",
)  # fmt: skip

#: Types of the event columns except ``source_file`` (an Enum whose categories are the files).
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.Utf8(),
    "at": UTC_US,
    "event": pl.Utf8(),
    "state": pl.Utf8(),
    "actor": pl.Utf8(),
    "group": pl.Utf8(),
    "role": pl.Utf8(),
    "source_row": pl.Int64(),
    "seq": pl.Int64(),
}

#: Case-level canonical fields (besides ``case_id`` and the ``attr_*`` columns).
CASE_FIELDS: tuple[str, ...] = ("channel", "category", "priority", "tier", "customer", "opened_at")

#: Types of the fixed case columns; ``attr_<name>`` columns are Utf8.
CASE_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.Utf8(),
    "channel": pl.Utf8(),
    "category": pl.Utf8(),
    "priority": pl.Utf8(),
    "tier": pl.Utf8(),
    "customer": pl.Utf8(),
    "opened_at": UTC_US,
}

#: Event columns a profile may fill or leave empty; the rest are always present.
OPTIONAL_EVENT_FIELDS: tuple[str, ...] = ("actor", "group", "role")


@dataclass(frozen=True)
class SourceFile:
    """One export file that was read: how, and how many data rows it had."""

    path: str
    format: str
    encoding: str | None
    rows: int


@dataclass(frozen=True)
class RecordSet:
    """The canonical events and cases read from one or more export files with one profile.

    ``lacks`` names the canonical fields the export does not provide (``"cases.tier"``,
    ``"events.role"``): a check that needs one of them is *not evaluable*, never a pass.
    ``derived`` names fields svcstd filled in itself, with how (``"cases.opened_at": "first
    event"``). ``event_ids`` / ``state_ids`` are every canonical id the profile can emit, so a
    check can tell "this export never records first responses" from "no first response yet".
    """

    events: pl.DataFrame
    cases: pl.DataFrame
    profile: str
    files: tuple[SourceFile, ...]
    lacks: frozenset[str]
    derived: dict[str, str] = field(default_factory=dict)
    event_ids: frozenset[str] = frozenset()
    state_ids: frozenset[str] = frozenset()

    @property
    def rows(self) -> int:
        """Data rows read over all files."""
        return sum(f.rows for f in self.files)

    def has(self, name: str) -> bool:
        """Whether the export provides a canonical field, e.g. ``has("cases.priority")``."""
        return name not in self.lacks
