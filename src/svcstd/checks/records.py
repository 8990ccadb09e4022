"""Record types: every record of a type carries each of its required fields, filled in.

**Which cases carry a record of a type.** A record type names a record *kind* and a selector.
Kinds other than ``case`` are records that exist only for some cases; svcstd places them on
cases by a case field or by the event that creates them (``RECORD_KIND_FIELDS`` /
``RECORD_KIND_EVENTS``):

==========  =========================================================================
record      cases that carry it
==========  =========================================================================
case        every case the selector picks
call        cases that came in by phone (``channel: phone``) — the intake call's log
visit       cases that came in as a visit (``channel: visit``)
feedback    cases of category ``feedback``
survey      cases with a ``survey_completed`` event (a response exists once completed)
archive     cases with an ``archived`` event (the archive file exists once archived)
==========  =========================================================================

Archiving and retention rules reuse the *field* part of this table (call, visit, feedback)
for the record type they name, but not the event part: they carry their own starting
condition (closure, archiving), and an archiving rule must see the closed case that was never
archived.

**Which column holds a field.** A required field ``name`` is the canonical case column of that
name (``channel``, ``priority``, ``customer``, ``opened_at``, ``case_id``) when the export
provides it, else the free attribute ``attr_<name>``.

**Outcomes.** Every field present and non-empty → ``pass``. Some field present but empty
(null, or only blanks) → ``fail`` naming the empty fields (and, in the reason, any the export
lacks). No field empty but some not in the export at all → ``not_evaluable`` ("the export lacks
field X"): a field the export does not carry is never taken as filled in. ``observed`` is the
number of empty fields, ``target`` 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from svcstd.checks.context import CheckContext, Scope
from svcstd.checks.selectors import Selection, events_of, seen, select
from svcstd.checks.verdicts import conform, empty, not_evaluable
from svcstd.records.schema import CASE_SCHEMA, RecordSet
from svcstd.spec.model import Condition, RecordType, Selector

KIND = "record_types"

#: Record kinds that exist only for cases with one of these case-field values.
RECORD_KIND_FIELDS: dict[str, tuple[str, list[str]]] = {
    "call": ("channel", ["phone"]),
    "visit": ("channel", ["visit"]),
    "feedback": ("category", ["feedback"]),
}

#: Record kinds that exist only once a case shows this event.
RECORD_KIND_EVENTS: dict[str, str] = {"archive": "archived", "survey": "survey_completed"}


def field_column(name: str, records: RecordSet) -> str | None:
    """The case column holding field ``name``: canonical if provided, else ``attr_<name>``."""
    if name in CASE_SCHEMA and (name == "case_id" or records.has(f"cases.{name}")):
        return name
    attr = f"attr_{name}"
    return attr if attr in records.cases.columns else None


def _merge(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    frames = [p for p in parts if p.height]
    if not frames:
        return empty()
    return pl.concat(frames).unique("case_id", keep="first", maintain_order=True)


def record_cases(
    record_type: RecordType, scope: Scope, ctx: CheckContext, rule_id: str
) -> Selection:
    """Cases that carry a record of this type by its selector and kind's case field.

    The kind's creating event (archive, survey) is not applied here; see the module docstring.
    """
    first = select(record_type.applies_to, scope, ctx, rule_id)
    kind_field = RECORD_KIND_FIELDS.get(record_type.record)
    if kind_field is None or first.cases.height == 0:
        return first
    key, values = kind_field
    narrowed = Scope(scope.release, first.cases, scope.events)
    second = select(Selector.model_validate({key: values}), narrowed, ctx, rule_id)
    return Selection(second.cases, _merge([first.unplaceable, second.unplaceable]))


def records_of_type(
    record_type_id: str, scope: Scope, ctx: CheckContext, rule_id: str
) -> Selection:
    """The cases carrying records of a type a rule names (archiving, retention).

    A record type the release does not define (lint reports it) makes the rule not evaluable
    for every case in scope.
    """
    found = scope.release.rule(record_type_id)  # aliases of renamed types resolve too
    if not isinstance(found, RecordType):
        reason = f"record type {record_type_id} is not defined in release {scope.release.version}"
        return Selection(scope.cases.clear(), not_evaluable(scope.case_ids, rule_id, reason))
    return record_cases(found, scope, ctx, rule_id)


def is_empty(column: str) -> pl.Expr:
    """Null, or text that is only blanks."""
    col = pl.col(column)
    return col.is_null() | (col.cast(pl.Utf8).str.strip_chars() == "")


def evaluate(rules: Sequence[RecordType], scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    """Verdicts of every record type over the cases of one release."""
    frames = [_evaluate_one(rule, scope, ctx) for rule in rules]
    return pl.concat(frames) if frames else empty()


def _evaluate_one(rule: RecordType, scope: Scope, ctx: CheckContext) -> pl.DataFrame:
    selection = record_cases(rule, scope, ctx, rule.id)
    out = [selection.unplaceable]
    cases = selection.cases
    # A case with no event up to --as-of did not exist yet: its record is not judged.
    shown = seen(scope, ctx)
    later = cases.join(shown, on="case_id", how="anti")
    if later.height:
        ids = later.get_column("case_id").sort()
        out.append(not_evaluable(ids, rule.id, "opened after --as-of"))
        cases = cases.join(shown, on="case_id", how="semi", maintain_order="left")
    creating = RECORD_KIND_EVENTS.get(rule.record)
    if creating is not None and cases.height:
        if not ctx.can_record(Condition(event=creating)):
            reason = (
                f"the export never records event {creating}, which creates the {rule.record} record"
            )
            out.append(not_evaluable(cases.get_column("case_id"), rule.id, reason))
            return pl.concat(out)
        created = events_of(scope, ctx, cases, pl.col("event") == creating)
        cases = cases.join(created.select("case_id").unique(), on="case_id", how="semi")
    if cases.height == 0:
        return pl.concat(out)
    columns = {f.name: field_column(f.name, ctx.records) for f in rule.required_fields}
    lacking = [name for name, col in columns.items() if col is None]
    present = [(name, col) for name, col in columns.items() if col is not None]
    plural = "s" if len(lacking) > 1 else ""
    lacks_note = f"the export lacks field{plural} {', '.join(lacking)}" if lacking else None
    if present:
        empties = pl.concat_list(
            [pl.when(is_empty(col)).then(pl.lit(name)).otherwise(None) for name, col in present]
        ).list.drop_nulls()
    else:
        empties = pl.lit([], dtype=pl.List(pl.Utf8))
    frame = cases.select("case_id", empties.alias("_empty")).with_columns(
        _n=pl.col("_empty").list.len()
    )
    failed = pl.col("_n") > 0
    fail_reason = pl.lit("required fields empty: ") + pl.col("_empty").list.join(", ")
    if lacks_note:
        fail_reason = fail_reason + pl.lit(f"; {lacks_note}")
    verdicts = frame.select(
        "case_id",
        rule_id=pl.lit(rule.id),
        outcome=pl.when(failed)
        .then(pl.lit("fail"))
        .otherwise(pl.lit("not_evaluable" if lacking else "pass")),
        reason=pl.when(failed).then(fail_reason).otherwise(pl.lit(lacks_note, dtype=pl.Utf8)),
        observed=pl.when(failed | pl.lit(not lacking)).then(pl.col("_n").cast(pl.Float64)),
        target=pl.lit(0.0),
    )
    out.append(conform(verdicts))
    return pl.concat(out)


def explain(
    rule: RecordType, scope: Scope, ctx: CheckContext, case_events: pl.DataFrame
) -> dict[str, Any]:
    """Each required field's status for one case: filled, empty, or not in the export.

    Values are never copied into the evidence: many required fields hold personal data.
    """
    case_id = case_events.get_column("case_id")[0] if case_events.height else None
    case = scope.cases.filter(pl.col("case_id") == case_id)
    fields = []
    for spec in rule.required_fields:
        column = field_column(spec.name, ctx.records)
        if column is None:
            status = "not in the export"
        elif case.height and case.select(is_empty(column)).item():
            status = "empty"
        else:
            status = "filled"
        fields.append(
            {"name": spec.name, "title": spec.title, "column": column, "status": status,
             "sensitive": spec.sensitive}
        )  # fmt: skip
    return {"record": rule.record, "fields": fields}
