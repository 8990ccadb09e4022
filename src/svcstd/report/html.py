"""HTML audit report: one self-contained page that opens offline.

No scripts, external styles, fonts or images: the CSS is inline, the charts are inline SVG drawn
by :mod:`svcstd.report.svg`, and the interval traces fold with ``<details>``. The only links
leave to the manual: each rule links its anchor (``releases/2025.1/time-limits/#tl-003``),
relative to the site root unless ``site_url`` makes them absolute.

**Escaping, decided once:** everything printed comes from records (case ids, actors, channels)
or specs (titles, statements) and is untrusted, so Jinja runs with autoescape on for every
value and ``StrictUndefined``; the only :class:`~markupsafe.Markup` the template receives is the
SVG built here from escaped parts. The template lays out; wording, ordering and numbers are
decided in the view built by :func:`view` (house style, habit 15).

Sizes stay bounded on large exports: failures are listed per rule up to the evidence cap (the
ones the engine explained), with a count of the rest; the CSV / XLSX / JSON reports carry every
verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup

from svcstd import __version__
from svcstd.checks.compare import Comparison
from svcstd.checks.engine import CheckResult
from svcstd.report import comparison as what_if
from svcstd.report.sarif import absolute
from svcstd.report.summary import (
    RuleInfo,
    breach_by,
    describe,
    failures,
    format_value,
    kpi_verdicts,
    rules,
    subject,
    top_reasons,
    totals,
    worst_cases,
)
from svcstd.report.svg import Bar, bar_chart
from svcstd.timecalc import iso

#: Worst cases shown (largest observed / target).
WORST = 20
#: Rows of one evidence table shown: the first ones and the last ones, with a count between.
#: A case open for years has a trace interval per working day; the first and last intervals
#: are the ones that explain the start and the breach.
HEAD_ROWS, TAIL_ROWS = 40, 10

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("svcstd.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Table:
    """A generic table of evidence: column names and rows of display strings."""

    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class FailureView:
    """One failing (or waived) verdict with what the engine found out about it."""

    subject: str
    outcome: str
    message: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    events: Table | None = None
    trace: Table | None = None
    others: list[tuple[str, Table]] = field(default_factory=list)


@dataclass(frozen=True)
class RuleView:
    """One rule's line in the summary and its section of failures."""

    id: str
    anchor: str
    title: str
    release: str
    kind: str
    severity: str
    href: str | None
    counts: dict[str, int]
    breach: str
    reasons: list[tuple[str, int]]
    failures: list[FailureView]
    more: int


@dataclass(frozen=True)
class KpiView:
    """A KPI rule: its chart against the target and the table of periods."""

    id: str
    title: str
    href: str | None
    chart: Markup | None
    rows: list[dict[str, str]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(items: list[dict[str, Any]]) -> Table:
    """Rows of dicts as a table; ``file`` and ``row`` become one ``file:row`` column."""
    columns: list[str] = []
    for item in items:
        columns.extend(k for k in item if k not in columns)
    joined = "file" in columns and "row" in columns
    shown = [c for c in columns if c != "row"] if joined else columns
    rows = []
    omitted = len(items) - HEAD_ROWS - TAIL_ROWS
    if omitted > 0:
        items = [*items[:HEAD_ROWS], {}, *items[-TAIL_ROWS:]]
    for item in items:
        if not item:
            rows.append(
                [f"… {omitted} rows not shown (see the JSON report)"] + [""] * (len(shown) - 1)
            )
            continue
        cells = []
        for c in shown:
            if joined and c == "file":
                cells.append(f"{_text(item.get('file'))}:{_text(item.get('row'))}")
            else:
                cells.append(_text(item.get(c)))
        rows.append(cells)
    return Table(["file:row" if joined and c == "file" else c for c in shown], rows)


def _facts(evidence: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for key, value in evidence.items():
        if key.endswith("_seconds") and key.removesuffix("_seconds") in evidence:
            continue  # "elapsed" already says it in words
        if isinstance(value, dict):
            out.extend(_facts(value, f"{prefix}{key}."))
        elif not isinstance(value, list) and value is not None:
            out.append((f"{prefix}{key}".replace("_", " "), _text(value)))
    return out


def _failure(row: dict[str, Any], evidence: dict[str, Any] | None) -> FailureView:
    events = trace = None
    others: list[tuple[str, Table]] = []
    for key, value in (evidence or {}).items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if key == "events":
                events = _table(value)
            elif key == "trace":
                trace = _table(value)
            else:
                others.append((key.replace("_", " "), _table(value)))
    return FailureView(
        subject=subject(row),
        outcome=row["outcome"],
        message=describe(row, with_subject=False),
        facts=_facts(evidence or {}),
        events=events,
        trace=trace,
        others=others,
    )


def _rate(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _rule_views(result: CheckResult, infos: list[RuleInfo], site_url: str | None) -> list[RuleView]:
    reasons = top_reasons(result, 3)
    failing = failures(result).filter(pl.col("case_id").is_not_null())
    shown = failing.group_by("release", "rule_id", maintain_order=True).head(
        max(result.evidence_cap, 1)
    )
    by_rule: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in shown.iter_rows(named=True):
        by_rule.setdefault((row["release"], row["rule_id"]), []).append(row)
    views = []
    multi = len({i.release for i in infos}) > 1
    for info in infos:
        key = (info.release, info.id)
        rows = by_rule.get(key, [])
        listed = [_failure(r, result.evidence.get((r["rule_id"], r["case_id"]))) for r in rows]
        total = info.counts["fail"] + info.counts["waived"]
        views.append(
            RuleView(
                id=info.id,
                anchor=f"{info.id}-{info.release}" if multi else info.id,
                title=info.rule.title,
                release=info.release,
                kind=info.kind,
                severity=info.severity,
                href=absolute(info.url, site_url) or info.url,
                counts=info.counts,
                breach=_rate(info.breach_rate),
                reasons=reasons.get(key, []),
                failures=listed,
                more=total - len(listed) if info.kind != "kpis" else 0,
            )
        )
    return views


def _breach_chart(frame: pl.DataFrame, label: str) -> Markup | None:
    if frame.height == 0:
        return None
    bars = [
        Bar(
            str(r["key"]),
            r["breach_rate"],
            f"{r['breach_rate']:.1%} of {r['evaluated']}",
            "bad" if r["fail"] else "good",
        )
        for r in frame.iter_rows(named=True)
    ]
    return bar_chart(bars, label=label)


def _kpis(result: CheckResult, infos: list[RuleInfo], site_url: str | None) -> list[KpiView]:
    frame = kpi_verdicts(result)
    out = []
    for info in infos:
        mine = frame.filter((pl.col("release") == info.release) & (pl.col("rule_id") == info.id))
        if mine.height == 0:
            continue
        rows, bars = [], []
        target = None
        for r in mine.iter_rows(named=True):
            target = r["target"] if r["target"] is not None else target
            where = " ".join(p for p in (r["period"], r["group"]) if p) or "all"
            obs = format_value(r["kind"], r["observed"], r["target"])
            rows.append(
                {
                    "where": where,
                    "observed": obs,
                    "target": format_value(r["kind"], r["target"], r["target"]),
                    "outcome": r["outcome"].replace("_", " "),
                    "reason": r["reason"] or "",
                }
            )
            if r["observed"] is not None and r["outcome"] != "not_evaluable":
                tone = "good" if r["outcome"] == "pass" else "bad"
                bars.append(Bar(where, r["observed"], obs, tone))
        chart = None
        if bars:
            top = max([b.value for b in bars] + ([target] if target is not None else []))
            rate = info.kind == "kpis" and top <= 1
            scale = 1.0 if rate else top * 1.1
            chart = bar_chart(
                bars,
                label=f"{info.id} against its target",
                scale=scale,
                target=target,
                target_text=("target " + format_value(info.kind, target, target))
                if target is not None
                else "",
            )
        out.append(
            KpiView(info.id, info.rule.title, absolute(info.url, site_url) or info.url, chart, rows)
        )
    return out


def _comparison(
    comparison: Comparison | None, result: CheckResult, site_url: str | None
) -> dict[str, Any] | None:
    """The what-if section's view (``--compare-release``), or None without a comparison."""
    if comparison is None:
        return None
    hrefs = {i.id: absolute(i.url, site_url) or i.url for i in rules(result) if i.url is not None}
    return {
        "heading": what_if.heading(comparison),
        "totals": what_if.totals_line(comparison),
        "old": comparison.old_release,
        "new": comparison.new_label,
        "rules": [(row, hrefs.get(row.rule_id)) for row in what_if.rule_rows(comparison)],
        "newly_fail": what_if.case_lists(comparison, "newly_fail"),
        "newly_pass": what_if.case_lists(comparison, "newly_pass"),
        "kpis": what_if.kpi_rows(comparison),
        "kpis_same": what_if.kpi_same(comparison),
        "cap": comparison.cap,
    }


def view(
    result: CheckResult, site_url: str | None = None, comparison: Comparison | None = None
) -> dict[str, Any]:
    """Everything the template prints, already worded and ordered."""
    infos = rules(result)
    evaluated = [i for i in infos if i.evaluated and i.kind != "kpis"]
    # a rule judged under two releases appears twice: say which release each bar is
    multi = len(result.judged_by) > 1
    rule_chart = (
        bar_chart(
            [
                Bar(
                    f"{i.id} ({i.release})" if multi else i.id,
                    i.breach_rate or 0.0,
                    f"{(i.breach_rate or 0.0):.1%} of {i.evaluated}",
                    "bad" if i.counts["fail"] else "good",
                    f"{i.id} {i.rule.title}",
                )
                for i in evaluated
            ],
            label="Breach rate per rule",
        )
        if evaluated
        else None
    )
    hrefs = {(i.release, i.id): absolute(i.url, site_url) or i.url for i in infos}
    worst = [
        {
            "rule": r["rule_id"],
            "href": hrefs.get((r["release"], r["rule_id"])),
            "case": r["case_id"],
            "observed": format_value(r["kind"], r["observed"], r["target"]),
            "target": format_value(r["kind"], r["target"], r["target"]),
            "ratio": f"{r['ratio']:.2f}\u00d7",
            "outcome": r["outcome"],
        }
        for r in worst_cases(result, WORST).iter_rows(named=True)
    ]
    return {
        "version": __version__,
        "as_of": iso(result.as_of, "UTC").replace("+00:00", "Z"),
        "profile": result.records.profile,
        "files": result.records.files,
        "cases": result.records.cases.height,
        "judged_by": sorted(result.judged_by.items()),
        "unjudged": result.unjudged,
        "totals": totals(result),
        "evidence_cap": result.evidence_cap,
        "rules": _rule_views(result, infos, site_url),
        "rule_chart": rule_chart,
        "month_chart": _breach_chart(
            breach_by(result, "month"), "Breach rate per month the case was opened (UTC)"
        ),
        "channel_chart": _breach_chart(breach_by(result, "channel"), "Breach rate per channel"),
        "kpis": _kpis(result, infos, site_url),
        "worst": worst,
        "comparison": _comparison(comparison, result, site_url),
    }


def render(
    result: CheckResult, *, site_url: str | None = None, comparison: Comparison | None = None
) -> str:
    """The HTML document; manual links are relative unless ``site_url`` is given.

    With a ``comparison`` (``--compare-release``) a "What if" section shows the per-rule
    deltas, the cases that flip and the KPIs before and after.
    """
    return _ENV.get_template("report.html.j2").render(view(result, site_url, comparison))
