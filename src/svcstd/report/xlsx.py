"""XLSX workbook for auditors: sheets Summary, Verdicts, Failures and KPIs.

Every sheet has a styled, frozen header row and an autofilter, so an auditor can sort and filter
at once. Written with openpyxl's write-only mode (streams rows; a 650 000-verdict export stays
within memory and time).

* **Summary** — the run's facts, then one row per rule: counts, breach rate, the most frequent
  reason it was not evaluable, the manual path.
* **Verdicts** — every verdict, the columns of the CSV report; instants as Excel date-times
  in UTC. An export with more verdicts than a sheet holds (1 048 575) is cut, and the Summary
  says so; the CSV and JSON reports hold all.
* **Failures** — failing and waived verdicts with their evidence when it was collected: time
  used against the limit, the first event's file and row, the events, the evidence as JSON.
* **KPIs** — per rule, period and group: observed against target.

Text cells are neutralised against formula injection with the same helper as the CSV report
(:mod:`svcstd.report.escaping`) and stripped of characters XML cannot hold. The file is
reproducible: document properties are dated ``as_of`` (openpyxl would stamp the current time)
and every zip entry carries the same fixed timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # type: ignore[import-untyped]
from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

from svcstd import __version__
from svcstd.checks.engine import CheckResult
from svcstd.checks.verdicts import VERDICT_SCHEMA
from svcstd.report.escaping import NOT_XML, neutralise, neutralise_expr, xml_text
from svcstd.report.summary import failures, kpi_verdicts, locations, rules, top_reasons, totals
from svcstd.timecalc import from_epoch, iso

#: Data rows a worksheet holds (Excel's limit, less the header).
MAX_ROWS = 1_048_575
#: Characters a cell holds (Excel's limit).
MAX_CELL = 32_767
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
_PERCENT = "0.0%"


def cell_text(value: str) -> str:
    """A text cell: no formula, no XML-illegal character, within Excel's length limit."""
    text = neutralise(xml_text(value))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return cell_text(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones
    return value


def _sheet(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    n_rows: int,
    *,
    widths: Sequence[int] = (),
    formats: dict[int, str] | None = None,
    clean: bool = True,
) -> WriteOnlyWorksheet:
    """A sheet with a styled, frozen header, an autofilter over the data, and typed cells."""
    ws: WriteOnlyWorksheet = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(header), 1))
    ws.auto_filter.ref = f"A1:{last}{max(n_rows, 0) + 1}"
    cells = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="top")
        cells.append(cell)
    ws.append(cells)
    formats = formats or {}
    for row in rows:
        values = [_value(v) for v in row] if clean else list(row)
        for col, fmt in formats.items():
            if values[col] is not None:
                cell = WriteOnlyCell(ws, value=values[col])
                cell.number_format = fmt
                values[col] = cell
        ws.append(values)
    return ws


def _summary(wb: Workbook, result: CheckResult, cut: int) -> None:
    t = totals(result)
    facts: list[tuple[str, Any]] = [
        ("svcstd", __version__),
        ("as of (UTC)", iso(result.as_of, "UTC").replace("+00:00", "Z")),
        ("profile", result.records.profile),
        *[
            (f"file {i + 1}", f"{f.path} ({f.format}, {f.rows} rows)")
            for i, f in enumerate(result.records.files)
        ],
        ("cases", result.records.cases.height),
        *[(f"judged by {v}", n) for v, n in sorted(result.judged_by.items())],
        ("not judged (before the first release)", result.unjudged),
        *[(f"verdicts: {k.replace('_', ' ')}", v) for k, v in t.items()],
        ("failures explained per rule", result.evidence_cap),
        ("instants", "UTC date-times"),
    ]
    if cut:
        facts.append(("verdicts not in the Verdicts sheet (row limit)", cut))
    reasons = top_reasons(result, 1)
    infos = rules(result)
    header = [
        "rule",
        "title",
        "release",
        "kind",
        "severity",
        "pass",
        "fail",
        "waived",
        "not evaluable",
        "breach rate",
        "top reason not evaluable",
        "manual",
    ]
    rows: list[list[Any]] = [[k, v] + [None] * (len(header) - 2) for k, v in facts]
    rows.append([None] * len(header))
    rows.append(header)
    for info in infos:
        top = reasons.get((info.release, info.id), [])
        rows.append(
            [
                info.id,
                info.rule.title,
                info.release,
                info.kind,
                info.severity,
                info.counts["pass"],
                info.counts["fail"],
                info.counts["waived"],
                info.counts["not_evaluable"],
                info.breach_rate,
                f"{top[0][0]} ({top[0][1]})" if top else None,
                info.url,
            ]
        )
    ws = _sheet(
        wb,
        "Summary",
        ["item", "value"] + [""] * (len(header) - 2),
        rows,
        len(rows),
        widths=(34, 48, 9, 12, 9, 9, 9, 9, 13, 11, 60, 40),
        formats={9: _PERCENT},
    )
    # The facts come first; the filter belongs to the rule table below them.
    first = len(facts) + 3
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(header))}{first + len(infos)}"


def cleaned(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`cell_text` and naive UTC instants for a whole frame at once (the fast path)."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.convert_time_zone("UTC").dt.replace_time_zone(None))
        elif dtype == pl.Utf8:
            text = neutralise_expr(name).str.replace_all(NOT_XML.pattern, "")
            exprs.append(
                pl.when(text.str.len_chars() > MAX_CELL)
                .then(text.str.slice(0, MAX_CELL - 1) + pl.lit("…"))
                .otherwise(text)
                .alias(name)
            )
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _verdicts(wb: Workbook, result: CheckResult) -> None:
    frame = cleaned(result.store.head(MAX_ROWS).select(list(VERDICT_SCHEMA)))
    header = [f"{c} (UTC)" if isinstance(t, pl.Datetime) else c for c, t in frame.schema.items()]
    _sheet(
        wb,
        "Verdicts",
        header,
        frame.iter_rows(),
        frame.height,
        widths=(10, 16, 12, 9, 9, 13, 50, 11, 11, 19, 19, 19, 10, 18, 30, 40),
        clean=False,  # openpyxl gives date-times a date format itself
    )


def _failures(wb: Workbook, result: CheckResult) -> None:
    frame = failures(result).head(MAX_ROWS)
    where = locations(result, frame)
    header = [
        "rule_id",
        "case_id",
        "release",
        "severity",
        "outcome",
        "reason",
        "observed",
        "target",
        "period",
        "group",
        "waiver",
        "elapsed",
        "limit",
        "first event (file:row)",
        "events",
        "evidence (JSON)",
        "manual",
    ]

    def rows() -> Iterable[list[Any]]:
        for r in frame.iter_rows(named=True):
            ev = result.evidence.get((r["rule_id"], r["case_id"])) if r["case_id"] else None
            loc = where.get((r["rule_id"], r["case_id"]))
            events = "\n".join(
                f"{e.get('file')}:{e.get('row')} {e.get('at', '')} "
                f"{e.get('event') or e.get('state') or ''}".rstrip()
                for e in (ev or {}).get("events") or []
            )
            yield [
                r["rule_id"],
                r["case_id"],
                r["release"],
                r["severity"],
                r["outcome"],
                r["reason"],
                r["observed"],
                r["target"],
                r["period"],
                r["group"],
                r["waiver"],
                (ev or {}).get("elapsed"),
                (ev or {}).get("limit"),
                f"{loc.file}:{loc.row}" if loc else None,
                events or None,
                json.dumps(ev, ensure_ascii=False, sort_keys=True) if ev else None,
                r["url"],
            ]

    _sheet(
        wb,
        "Failures",
        header,
        rows(),
        frame.height,
        widths=(10, 16, 9, 9, 9, 50, 11, 11, 10, 18, 30, 11, 11, 40, 60, 60, 40),
    )


def _kpis(wb: Workbook, result: CheckResult) -> None:
    frame = kpi_verdicts(result)
    titles = {(i.release, i.id): i.rule.title for i in rules(result)}
    header = [
        "rule_id",
        "title",
        "release",
        "period",
        "group",
        "observed",
        "target",
        "outcome",
        "reason",
        "period start (UTC)",
        "period end (UTC)",
        "manual",
    ]
    rows = (
        [
            r["rule_id"],
            titles.get((r["release"], r["rule_id"])),
            r["release"],
            r["period"],
            r["group"],
            r["observed"],
            r["target"],
            r["outcome"],
            r["reason"],
            r["started_at"],
            r["ended_at"],
            r["url"],
        ]
        for r in frame.iter_rows(named=True)
    )
    _sheet(
        wb,
        "KPIs",
        header,
        rows,
        frame.height,
        widths=(10, 48, 9, 10, 18, 11, 11, 13, 40, 19, 19, 40),
        formats={9: _DATE_FORMAT, 10: _DATE_FORMAT},
    )


def _reproducible(data: bytes, when: dt.datetime) -> bytes:
    """The zip rewritten with one fixed timestamp on every entry (zip cannot go before 1980)."""
    stamp = max(when, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render(result: CheckResult, *, site_url: str | None = None) -> bytes:
    """The workbook as bytes; ``site_url`` is not used (manual paths are given as text)."""
    wb = Workbook(write_only=True)
    when = from_epoch(result.as_of, "UTC")
    props = wb.properties
    props.creator = "svcstd"
    props.lastModifiedBy = "svcstd"
    props.title = f"svcstd audit report, as of {iso(result.as_of, 'UTC')}"
    props.created = props.modified = when.replace(tzinfo=None)
    cut = max(0, result.store.height - MAX_ROWS)
    _summary(wb, result, cut)
    _verdicts(wb, result)
    _failures(wb, result)
    _kpis(wb, result)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        # ExcelWriter, not save_workbook: the latter stamps "modified" with the current time.
        ExcelWriter(wb, archive).save()
    return _reproducible(buffer.getvalue(), when)
