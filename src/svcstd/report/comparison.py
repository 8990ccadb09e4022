"""The what-if comparison as reporters show it: one document shape, one wording.

:func:`document` is the ``comparison`` section of the JSON report; its shape is the pydantic
model :class:`ComparisonDoc`, whose JSON Schema is committed as
``schema/svcstd-comparison.schema.json`` (regenerate with ``svcstd schema --comparison >
schema/svcstd-comparison.schema.json``; ``--check`` and a test fail on drift).
:func:`rule_rows` and :func:`kpi_rows` word the per-rule and per-KPI lines the text and HTML
reports print, so the two cannot disagree. Everything keeps the comparison's order.

Which formats carry a comparison is decided in :data:`svcstd.report.COMPARING`; the others
refuse ``--compare-release`` (a spreadsheet of verdicts or a SARIF log has no place for "before
and after").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from svcstd.checks.compare import CHANGES, Comparison, KpiDelta, Listed, RuleDelta
from svcstd.report.summary import format_value

Change = Literal[
    "newly_fail",
    "newly_pass",
    "still_fail",
    "now_not_evaluable",
    "now_evaluable",
    "unchanged",
    "only_old",
    "only_new",
]
assert set(Change.__args__) == set(CHANGES)  # type: ignore[attr-defined]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeCounts(_Doc):
    """Verdicts of one side by outcome."""

    pass_: int = Field(alias="pass", ge=0)
    fail: int = Field(ge=0)
    not_evaluable: int = Field(ge=0)
    waived: int = Field(ge=0)


class ListedDoc(_Doc):
    """One change class of one rule: the exact total and the first ids (capped)."""

    total: int = Field(ge=0)
    shown: list[str] = Field(
        description="case ids; for KPI rules the period, a space and the group when there is one"
    )


class RuleDoc(_Doc):
    """One rule before and after."""

    rule_id: str
    title: str
    kind: str
    severity: str
    present: Literal["both", "old", "new"] = Field(
        description="which side's releases define the rule"
    )
    old: OutcomeCounts
    new: OutcomeCounts
    changes: dict[Change, int]
    newly_fail: ListedDoc
    newly_pass: ListedDoc


class KpiSide(_Doc):
    """A KPI verdict on one side."""

    outcome: str
    observed: float | None
    target: float | None


class KpiDoc(_Doc):
    """One KPI period (and group) before and after; a side without the verdict is null."""

    rule_id: str
    period: str | None
    group: str | None
    change: Change
    old: KpiSide | None
    new: KpiSide | None


class ComparisonDoc(_Doc):
    """The ``comparison`` section of the JSON check report (``svcstd check --compare-release``)."""

    old_release: str = Field(description="the release named by --compare-release")
    new_releases: dict[str, int] = Field(
        description="releases of the run (--release, or each case's release in force) → cases"
    )
    cases: int = Field(ge=0, description="cases judged on both sides")
    not_judged: int = Field(
        ge=0, description="cases the run does not judge (no release in force); left out of both"
    )
    shown_cap_per_rule: int = Field(ge=0)
    totals: dict[Change, int]
    rules_only_old: list[str]
    rules_only_new: list[str]
    rules: list[RuleDoc]
    kpis: list[KpiDoc]


def _listed(listed: Listed) -> ListedDoc:
    return ListedDoc(total=listed.total, shown=list(listed.shown))


def _kpi_side(outcome: str | None, observed: float | None, target: float | None) -> KpiSide | None:
    return None if outcome is None else KpiSide(outcome=outcome, observed=observed, target=target)


def model(comparison: Comparison) -> ComparisonDoc:
    """The comparison as its document model."""
    return ComparisonDoc(
        old_release=comparison.old_release,
        new_releases=comparison.new_releases,
        cases=comparison.cases,
        not_judged=comparison.not_judged,
        shown_cap_per_rule=comparison.cap,
        totals=comparison.totals,  # type: ignore[arg-type]
        rules_only_old=[r.rule_id for r in comparison.only_old],
        rules_only_new=[r.rule_id for r in comparison.only_new],
        rules=[
            RuleDoc(
                rule_id=r.rule_id,
                title=r.title,
                kind=r.kind,
                severity=r.severity,
                present=r.present,  # type: ignore[arg-type]
                old=OutcomeCounts.model_validate(r.old_counts),
                new=OutcomeCounts.model_validate(r.new_counts),
                changes=r.changes,  # type: ignore[arg-type]
                newly_fail=_listed(r.newly_fail),
                newly_pass=_listed(r.newly_pass),
            )
            for r in comparison.rules
        ],
        kpis=[
            KpiDoc(
                rule_id=k.rule_id,
                period=k.period,
                group=k.group,
                change=k.change,  # type: ignore[arg-type]
                old=_kpi_side(k.old_outcome, k.old_observed, k.old_target),
                new=_kpi_side(k.new_outcome, k.new_observed, k.new_target),
            )
            for k in comparison.kpis
        ],
    )


def document(comparison: Comparison) -> dict[str, object]:
    """The ``comparison`` section of the JSON report as plain data."""
    return model(comparison).model_dump(mode="json", by_alias=True)


def json_schema() -> str:
    """The committed ``schema/svcstd-comparison.schema.json``, as text."""
    schema = ComparisonDoc.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "svcstd-comparison.schema.json",
        **schema,
    }
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------------------------
# Wording shared by the text and HTML reports

#: How a change class reads in a sentence.
CHANGE_WORDS: dict[str, str] = {
    "newly_fail": "newly fail",
    "newly_pass": "newly pass",
    "still_fail": "still fail",
    "now_not_evaluable": "now not evaluable",
    "now_evaluable": "now evaluable",
    "unchanged": "unchanged",
    "only_old": "only under the old release",
    "only_new": "only under the new release",
}

#: The same, short, for table cells.
CHANGE_SHORT: dict[str, str] = {
    **CHANGE_WORDS,
    "now_not_evaluable": "now n/e",
    "only_old": "only old",
    "only_new": "only new",
}

PRESENT_WORDS = {"both": "both", "old": "old only", "new": "new only"}


def heading(comparison: Comparison) -> str:
    """``What if: release 2025.1 → 2026.1, 9 cases judged both ways`` (and who is left out)."""
    new = comparison.new_label
    if len(comparison.new_releases) > 1:
        new += " (" + ", ".join(f"{v}: {n} cases" for v, n in comparison.new_releases.items()) + ")"
    text = (
        f"What if: release {comparison.old_release} → {new}, "
        f"{comparison.cases} cases judged both ways"
    )
    if comparison.not_judged:
        text += f"; left out: {comparison.not_judged} cases the run does not judge"
    return text


def totals_line(comparison: Comparison) -> str:
    """The verdict changes over all rules, in class order, zero classes left out."""
    parts = [f"{n} {CHANGE_SHORT[c]}" for c, n in comparison.totals.items() if n]
    return "Verdicts: " + (", ".join(parts) if parts else "none")


@dataclass(frozen=True)
class RuleRow:
    """One line of the per-rule delta table, as display strings."""

    rule_id: str
    title: str
    present: str
    passes: str
    fails: str
    not_evaluable: str
    newly_fail: str
    newly_pass: str
    still_fail: str
    other: str
    changed: bool


def _arrow(old: int, new: int) -> str:
    return str(new) if old == new else f"{old} → {new}"


def _other(delta: RuleDelta) -> str:
    kept = ("newly_fail", "newly_pass", "still_fail", "unchanged")
    return ", ".join(
        f"{n} {CHANGE_SHORT[c]}" for c, n in delta.changes.items() if n and c not in kept
    )


def rule_rows(comparison: Comparison, *, changed_only: bool = False) -> list[RuleRow]:
    """The per-rule delta table: outcome counts before → after and the change counts.

    ``changed_only`` leaves out rules whose verdicts are all the same (the terminal shows only
    what differs and counts the rest; the HTML report shows every rule, the same ones muted).
    """
    rows = []
    for d in comparison.rules:
        if changed_only and not d.changed:
            continue
        old_fail = d.old_counts["fail"] + d.old_counts["waived"]
        new_fail = d.new_counts["fail"] + d.new_counts["waived"]
        rows.append(
            RuleRow(
                rule_id=d.rule_id,
                title=d.title,
                present=PRESENT_WORDS[d.present],
                passes=_arrow(d.old_counts["pass"], d.new_counts["pass"]),
                fails=_arrow(old_fail, new_fail),
                not_evaluable=_arrow(d.old_counts["not_evaluable"], d.new_counts["not_evaluable"]),
                newly_fail=str(d.changes["newly_fail"]),
                newly_pass=str(d.changes["newly_pass"]),
                still_fail=str(d.changes["still_fail"]),
                other=_other(d),
                changed=d.changed,
            )
        )
    return rows


def listing(listed: Listed) -> str:
    """``E1, E2 and 3 more`` (the ids shown and a count of the rest)."""
    text = ", ".join(listed.shown)
    if listed.more:
        text += f"{' and' if listed.shown else ''} {listed.more} more"
    return text


def case_lists(comparison: Comparison, change: str) -> list[tuple[str, int, str]]:
    """Per rule with any verdict in ``change`` (newly_fail or newly_pass): id, total, ids."""
    out = []
    for d in comparison.rules:
        listed: Listed = getattr(d, change)
        if listed.total:
            out.append((d.rule_id, listed.total, listing(listed)))
    return out


@dataclass(frozen=True)
class KpiRow:
    """A KPI period before and after, as display strings."""

    rule_id: str
    where: str
    old_value: str
    old_target: str
    old_outcome: str
    new_value: str
    new_target: str
    new_outcome: str
    change: str


def kpi_changed(k: KpiDelta) -> bool:
    """Whether the KPI's value, target or outcome differs between the two sides."""
    return (k.old_outcome, k.old_observed, k.old_target) != (
        k.new_outcome,
        k.new_observed,
        k.new_target,
    )


def kpi_rows(comparison: Comparison) -> list[KpiRow]:
    """KPI periods whose value, target or outcome differs, before and after.

    The periods that are the same under both releases are only counted
    (:func:`kpi_same`); the JSON report lists every period.
    """

    def outcome(value: str | None) -> str:
        return "—" if value is None else value.replace("_", " ")

    def value(k: KpiDelta, observed: float | None, target: float | None) -> str:
        return format_value(k.kind, observed, target)

    return [
        KpiRow(
            rule_id=k.rule_id,
            where=" ".join(p for p in (k.period, k.group) if p) or "all",
            old_value=value(k, k.old_observed, k.old_target),
            old_target=value(k, k.old_target, k.old_target),
            old_outcome=outcome(k.old_outcome),
            new_value=value(k, k.new_observed, k.new_target),
            new_target=value(k, k.new_target, k.new_target),
            new_outcome=outcome(k.new_outcome),
            change=CHANGE_WORDS[k.change],
        )
        for k in comparison.kpis
        if kpi_changed(k)
    ]


def kpi_same(comparison: Comparison) -> int:
    """KPI periods with the same value, target and outcome under both releases."""
    return sum(not kpi_changed(k) for k in comparison.kpis)


def rules_same(comparison: Comparison) -> int:
    """Rules defined by both sides that give every case the same verdict."""
    return sum(not d.changed for d in comparison.rules)
