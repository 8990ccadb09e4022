"""Aggregates and wording every reporter shares, so the formats cannot disagree.

Counts per rule and outcome, the top reasons a rule could not be evaluated, breach rates per
month and channel, the worst cases, where a failure sits in the export, and the one-line
description of a verdict. Every function here sorts its output: reporters iterate in the order
they are given, and the same result always yields the same document.

Nothing here knows a rule kind by its internals; kinds only pick a unit for ``observed`` and
``target`` (:data:`UNITS`), and a kind not listed there is shown as a plain number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl

from svcstd.checks.engine import CheckResult
from svcstd.checks.verdicts import OUTCOMES
from svcstd.spec.model import Rule
from svcstd.timecalc import format_duration

#: Outcomes that count as evaluated (a waived failure was evaluated, and failed).
EVALUATED = ("pass", "fail", "waived")

#: Unit of ``observed`` / ``target`` per rule kind (the section of the release); others: number.
UNITS: dict[str, str] = {
    "time_limits": "seconds",
    "archiving": "seconds",
    "retention": "seconds",
    "record_types": "count",
    "kpis": "rate",
}


def per_rule(result: CheckResult) -> pl.DataFrame:
    """One row per (release, rule): counts of each outcome and the breach rate among evaluated."""
    counts = result.tally.group_by("release", "rule_id", "kind", "severity").agg(
        [pl.col("n").filter(pl.col("outcome") == o).sum().cast(pl.UInt32).alias(o)
         for o in OUTCOMES]
    )  # fmt: skip
    evaluated = pl.col("pass") + pl.col("fail") + pl.col("waived")
    return counts.with_columns(
        breach_rate=pl.when(evaluated > 0).then(pl.col("fail") / evaluated).otherwise(None)
    ).sort("release", "rule_id")


def totals(result: CheckResult) -> dict[str, int]:
    """Verdict counts over the whole run."""
    return result.store.counts()


@dataclass(frozen=True)
class RuleInfo:
    """One judged rule of one release, with its counts: the row every reporter starts from."""

    release: str
    rule: Rule
    kind: str
    severity: str
    url: str | None
    counts: dict[str, int]
    breach_rate: float | None

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def evaluated(self) -> int:
        return sum(self.counts[o] for o in EVALUATED)


def rules(result: CheckResult) -> list[RuleInfo]:
    """Every rule that has verdicts, in (release, rule id) order."""
    urls = {
        (r, i): u
        for r, i, u in result.tally.select("release", "rule_id", "url")
        .unique(["release", "rule_id"], keep="first", maintain_order=True)
        .iter_rows()
    }
    out = []
    for row in per_rule(result).iter_rows(named=True):
        key = (row["release"], row["rule_id"])
        out.append(
            RuleInfo(
                release=row["release"],
                rule=result.rule(*key),
                kind=row["kind"],
                severity=row["severity"],
                url=urls.get(key),
                counts={o: int(row[o]) for o in OUTCOMES},
                breach_rate=row["breach_rate"],
            )
        )
    return out


def top_reasons(result: CheckResult, n: int = 3) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """The ``n`` most frequent not-evaluable reasons per (release, rule), most frequent first.

    A last ``("…", k)`` entry counts the verdicts with other reasons, so the numbers always add
    up to the rule's not-evaluable count.
    """
    counts = (
        result.findings.filter(pl.col("outcome") == "not_evaluable")
        .with_columns(pl.col("reason").fill_null("(no reason given)"))
        .group_by("release", "rule_id", "reason")
        .len()
        .sort(["release", "rule_id", "len", "reason"], descending=[False, False, True, False])
    )
    out: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for release, rule_id, reason, count in counts.iter_rows():
        out.setdefault((release, rule_id), []).append((reason, int(count)))
    for key, reasons in out.items():
        if len(reasons) > n:
            rest = sum(c for _, c in reasons[n:])
            out[key] = [*reasons[:n], (f"{len(reasons) - n} other reasons", rest)]
    return out


def breach_by(result: CheckResult, column: str) -> pl.DataFrame:
    """Breach rate of case-level verdicts per value of ``column`` (``month`` or ``channel``).

    Columns: ``key`` (null values shown as ``(none)``), ``pass``, ``fail``, ``waived``,
    ``evaluated`` and ``breach_rate``; only keys with evaluated verdicts, sorted by key.
    """
    frame = result.tally.filter(
        (pl.col("kind") != "kpis") & pl.col("outcome").is_in(EVALUATED)
    )  # the tally counts every case verdict by the case's channel and opening month
    return (
        frame.group_by(key=pl.col(column).fill_null("(none)"))
        .agg([pl.col("n").filter(pl.col("outcome") == o).sum().cast(pl.UInt32).alias(o)
              for o in EVALUATED])  # fmt: skip
        .with_columns(evaluated=pl.col("pass") + pl.col("fail") + pl.col("waived"))
        .with_columns(breach_rate=pl.col("fail") / pl.col("evaluated"))
        .sort("key")
    )


def worst_cases(result: CheckResult, n: int = 20) -> pl.DataFrame:
    """Failed (or waived) case verdicts with the largest observed / target, largest first."""
    return (
        result.findings.filter(
            pl.col("outcome").is_in(["fail", "waived"])
            & pl.col("case_id").is_not_null()
            & (pl.col("target") > 0)
            & pl.col("observed").is_not_null()
        )
        .with_columns(ratio=pl.col("observed") / pl.col("target"))
        .sort(["ratio", "rule_id", "case_id"], descending=[True, False, False])
        .head(n)
    )


def kpi_verdicts(result: CheckResult) -> pl.DataFrame:
    """Verdicts that name no case (KPIs per period and group), in rule, period, group order."""
    return result.findings.filter(pl.col("case_id").is_null()).sort(
        ["release", "rule_id", "period", "group"], nulls_last=False
    )


def failures(result: CheckResult, *, waived: bool = True) -> pl.DataFrame:
    """Failing verdicts (and waived ones unless ``waived=False``), in verdict order."""
    wanted = ["fail", "waived"] if waived else ["fail"]
    return result.findings.filter(pl.col("outcome").is_in(wanted))


# --------------------------------------------------------------------------------------------
# Where a failure is in the export


@dataclass(frozen=True)
class Location:
    """A place in an export file: its path as given, its format, and the 1-based data row."""

    file: str
    format: str
    row: int

    @property
    def line(self) -> int | None:
        """The text line of the row: CSV counts its header line, JSON Lines has none.

        Binary formats (Parquet, XLSX, XES) have no lines. A quoted CSV field spanning lines
        would shift this; exports rarely have them and the row number stays in the message.
        """
        if self.format == "csv":
            return self.row + 1
        if self.format == "jsonl":
            return self.row
        return None


def locations(result: CheckResult, frame: pl.DataFrame) -> dict[tuple[str, str], Location]:
    """Locations of the case verdicts in ``frame``, keyed by (rule id, case id).

    The evidence's first event when the failure was explained; otherwise (failures beyond the
    evidence cap, evaluators without events) the case's first event in the export, which is
    where an auditor starts reading the case.
    """
    formats = {f.path: f.format for f in result.records.files}
    wanted = frame.filter(pl.col("case_id").is_not_null()).select("rule_id", "case_id")
    firsts = (
        result.records.events.join(wanted.select("case_id").unique(), on="case_id", how="semi")
        .filter(pl.col("seq") == 0)
        .select("case_id", pl.col("source_file").cast(pl.Utf8), "source_row")
    )
    first = {c: (f, r) for c, f, r in firsts.iter_rows()}
    out: dict[tuple[str, str], Location] = {}
    for rule_id, case_id in wanted.iter_rows():
        events = result.evidence.get((rule_id, case_id), {}).get("events") or []
        hit = next((e for e in events if e.get("file") and e.get("row")), None)
        if hit is not None:
            file, row = str(hit["file"]), int(hit["row"])
        elif case_id in first:
            file, row = first[case_id]
        else:
            continue
        out[(rule_id, case_id)] = Location(file, formats.get(file, ""), int(row))
    return out


# --------------------------------------------------------------------------------------------
# Wording


def format_value(kind: str, value: float | None, target: float | None = None) -> str:
    """``value`` in the unit of its rule kind: a duration, a percentage, a count or a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    unit = UNITS.get(kind, "number")
    if unit == "seconds":
        return format_duration(round(value))
    if unit == "rate" and (target is None or 0 <= target <= 1) and -1 <= value <= 1:
        return f"{value:.1%}"
    if unit == "count" or float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def subject(row: dict[str, Any]) -> str:
    """What a verdict is about: ``case E3``, or ``2025-03 channel=email`` for KPI rows."""
    if row.get("case_id") is not None:
        return f"case {row['case_id']}"
    parts = [p for p in (row.get("period"), row.get("group")) if p]
    return " ".join(parts) or "all cases"


def describe(row: dict[str, Any], *, with_subject: bool = True) -> str:
    """One line for a verdict: subject, outcome reason, and observed against target."""
    reason = row.get("reason") or row["outcome"].replace("_", " ")
    text = f"{subject(row)}: {reason}" if with_subject else reason
    observed = format_value(row["kind"], row.get("observed"), row.get("target"))
    target = format_value(row["kind"], row.get("target"), row.get("target"))
    if observed and target:
        text += f" (observed {observed}, target {target})"
    if row.get("waiver"):
        text += f"; waived: {row['waiver']}"
    return text


def iter_evidence_events(evidence: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The evidence's events (file, row, time, what happened), whatever the rule kind."""
    for event in evidence.get("events") or []:
        if isinstance(event, dict):
            yield event
