"""svcstd as a library: load the standards, read exports, check them, lint, compute deadlines.

The command line is a thin layer over the same functions, so a notebook or a pipeline gets the
same verdicts and byte-identical reports (``--as-of`` ↔ ``as_of=``)::

    >>> import svcstd
    >>> standards = svcstd.load_standards("standards")                       # doctest: +SKIP
    >>> result = svcstd.check(["export.csv"], standards, profile="svcstd",
    ...                       as_of="2026-10-29T00:00:00+08:00")            # doctest: +SKIP
    >>> result.totals                                                        # doctest: +SKIP
    {'pass': 1469, 'fail': 8, 'not_evaluable': 387, 'waived': 0}
    >>> result.failures().select("rule_id", "case_id", "reason")             # doctest: +SKIP
    >>> result.write("audit.html")                                           # doctest: +SKIP

Every input problem raises :class:`svcstd.errors.SvcstdError` — the same one-line, located
messages the CLI prints (``exc.problems``); anything else is a bug. Nothing here prints, exits
or reads the clock unless asked to: ``as_of`` is required, so a result is reproducible.

``svcstd.lint`` is the lint rules' package, so the linter is :func:`lint_standards` here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import polars as pl

from svcstd.checks.compare import Comparison, replay
from svcstd.checks.engine import EVIDENCE_CAP, run_check
from svcstd.checks.engine import CheckResult as EngineResult
from svcstd.errors import EXIT_FINDINGS, EXIT_OK, Problem, SvcstdError
from svcstd.io import write_atomically
from svcstd.lint import RULES, at_least, lint
from svcstd.lint.base import Finding
from svcstd.lint.report import REPORTERS as LINT_REPORTERS
from svcstd.lint.report import LintReport
from svcstd.records import RecordSet
from svcstd.records import read_records as _read_records
from svcstd.report import COMPARING, REPORTERS
from svcstd.report.summary import failures as _failures
from svcstd.report.summary import per_rule as _per_rule
from svcstd.report.summary import totals as _totals
from svcstd.spec.duration import Duration
from svcstd.spec.loader import validate_file
from svcstd.spec.model import Severity, Waiver, WaiverFile
from svcstd.spec.releases import Standards
from svcstd.spec.releases import load_standards as _load_standards
from svcstd.timecalc import business_calendar, from_epoch, limits, parse_instant, to_epoch
from svcstd.timecalc.calendar import BusinessCalendar

if TYPE_CHECKING:  # SQLAlchemy is imported only when a database is read
    import sqlalchemy as sa

__all__ = [
    "FORMATS",
    "CheckResult",
    "Comparison",
    "FailOn",
    "Finding",
    "LintResult",
    "RecordSet",
    "Standards",
    "SvcstdError",
    "Waiver",
    "business_time",
    "check",
    "due",
    "lint_standards",
    "load_standards",
    "load_waivers",
    "read_records",
    "read_records_sql",
]

#: A file or folder: a string or any :class:`os.PathLike`.
PathArg = str | os.PathLike[str]
#: An instant: ISO 8601 text with an offset, an aware :class:`~datetime.datetime`, or UTC epoch
#: seconds.
Instant = str | dt.datetime | int
#: Report formats of :meth:`CheckResult.report` whose output is text.
TextFormat = Literal["text", "json", "junit", "sarif", "github", "html"]
#: Report formats whose output is bytes: CSV (UTF-8 with a byte-order mark, CRLF) and XLSX.
BinaryFormat = Literal["csv", "xlsx"]
#: ``fail_on`` levels, as ``svcstd check --fail-on``.
FailOn = Literal["error", "warning", "info", "never"]

#: Every check report format, as ``svcstd check --format``.
FORMATS: tuple[str, ...] = tuple(sorted(REPORTERS))

#: Report format by file suffix, for :meth:`CheckResult.write` without ``fmt``.
_SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".json": "json",
    ".csv": "csv",
    ".xml": "junit",
    ".sarif": "sarif",
    ".html": "html",
    ".xlsx": "xlsx",
}

_LEVELS = {"info": 0, "warning": 1, "error": 2}


def _fspath(path: PathArg) -> str:
    return os.fspath(path)


def _instant(value: Instant, what: str) -> int:
    """UTC epoch seconds of ``value``; a naive datetime is refused, never guessed."""
    if isinstance(value, bool):  # bool is an int: refuse it rather than mean 1970-01-01
        raise SvcstdError(Problem(what, f"expected an instant, got {value!r}"))
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise SvcstdError(
                Problem(what, f"naive datetime {value.isoformat()}: give it a time zone")
            )
        return to_epoch(value)
    if isinstance(value, str):
        return parse_instant(value)
    raise SvcstdError(Problem(what, f"expected an instant, got {type(value).__name__}"))


def _standards(standards: Standards | PathArg) -> Standards:
    return standards if isinstance(standards, Standards) else load_standards(standards)


def load_standards(path: PathArg = "standards") -> Standards:
    """Load every release under ``path`` (or ``path`` itself when it is one release folder).

    Raises :class:`SvcstdError` with one located problem per line (``file:line:col: …``) when
    a file cannot be read or does not follow the schema.
    """
    return _load_standards(_fspath(path))


def read_records(paths: PathArg | Sequence[PathArg], profile: str | PathArg) -> RecordSet:
    """Read export files (CSV, JSONL, Parquet, XLSX, XES; gzip ok) through a profile.

    ``profile`` is a built-in name (``svcstd``, ``servicenow``, ``helpdesk``) or the path of a
    profile YAML file. The result holds canonical ``events`` and ``cases`` frames and what the
    export lacks; a problem in a file raises :class:`SvcstdError` naming the file, row and column.
    """
    files = (
        [_fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [_fspath(p) for p in paths]
    )
    if not files:
        raise SvcstdError(Problem("read_records", "no export files given"))
    return _read_records(files, _fspath(profile))


def read_records_sql(
    url: str | sa.URL | sa.Engine,
    profile: str | PathArg,
    *,
    table: str | None = None,
    query: str | None = None,
    batch_size: int = 10_000,
) -> RecordSet:
    """Read records from a database, as ``svcstd check --db URL --table NAME`` (or ``--query``).

    ``url`` is a SQLAlchemy URL (``postgresql://user@host/db``, ``sqlite:///export.db``) or an
    :class:`sqlalchemy.Engine` (left open). Give exactly one of ``table`` and ``query``; rows
    are fetched ``batch_size`` at a time. The result is the same :class:`RecordSet` the file
    would give.
    """
    from svcstd.records.sql import read_records_sql as _read_sql

    return _read_sql(url, _fspath(profile), table=table, query=query, batch_size=batch_size)


def load_waivers(path: PathArg) -> tuple[Waiver, ...]:
    """Read a waivers file (``waivers: [...]``, as ``svcstd check --waivers``)."""
    loaded = validate_file(Path(_fspath(path)), WaiverFile)
    assert isinstance(loaded, WaiverFile)
    return tuple(loaded.waivers)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`: every verdict, with evidence for failures.

    ``verdicts`` has one row per (case, rule) — or per (period, group, rule) for KPIs — with
    ``outcome`` ``pass``, ``fail``, ``waived`` or ``not_evaluable`` (and the ``reason``). Reports
    come from the same reporters as ``svcstd check --format``.
    """

    engine: EngineResult
    """The engine's result, as the reporters receive it."""

    comparison: Comparison | None = None
    """With ``compare_release=``: the difference per rule and KPI from the old release's
    judgement of the same cases (``verdicts`` holds both sides and the ``change`` class)."""

    @property
    def verdicts(self) -> pl.DataFrame:
        """Every verdict as a Polars frame (columns as in the CSV report). A large split run
        keeps its passes on disk and reads them all here, on first use; see
        :meth:`verdict_chunks`."""
        return self.engine.verdicts

    def verdict_chunks(self) -> Iterator[pl.DataFrame]:
        """Every verdict, in the order of :attr:`verdicts`, one rule at a time: memory bounded
        by the largest rule's verdicts (how the CSV report is written)."""
        return self.engine.store.chunks()

    @property
    def records(self) -> RecordSet:
        """The records that were checked."""
        return self.engine.records

    @property
    def standards(self) -> Standards:
        """The standards the records were checked against."""
        return self.engine.standards

    @property
    def as_of(self) -> dt.datetime:
        """'Now' for this run, in UTC."""
        return from_epoch(self.engine.as_of, "UTC")

    @property
    def judged_by(self) -> dict[str, int]:
        """Cases judged by each release (release version → number of cases)."""
        return dict(self.engine.judged_by)

    @property
    def not_judged(self) -> int:
        """Cases opened before the first release took effect (see ``release=``)."""
        return self.engine.unjudged

    @property
    def totals(self) -> dict[str, int]:
        """Verdicts per outcome over the whole run: ``pass``, ``fail``, ``not_evaluable``,
        ``waived``."""
        return _totals(self.engine)

    def per_rule(self) -> pl.DataFrame:
        """One row per (release, rule): counts per outcome and the breach rate."""
        return _per_rule(self.engine)

    def failures(self, *, waived: bool = True) -> pl.DataFrame:
        """Failing verdicts (and waived ones, unless ``waived=False``), in report order."""
        return _failures(self.engine, waived=waived)

    def evidence(self, rule_id: str, case_id: str) -> dict[str, Any] | None:
        """The evidence for one failure (events used, elapsed against the limit, interval
        trace), or ``None`` when it was not kept (beyond ``evidence_cap`` per rule)."""
        return self.engine.evidence.get((rule_id, case_id))

    def failing(self, fail_on: FailOn = "error") -> int:
        """Failures (not waived) of severity ``fail_on`` or above, as ``--fail-on`` counts."""
        if fail_on == "never":
            return 0
        wanted = [s for s, rank in _LEVELS.items() if rank >= _LEVELS[fail_on]]
        frame = self.engine.findings.filter(
            (pl.col("outcome") == "fail") & pl.col("severity").is_in(wanted)
        )
        return frame.height

    def exit_code(self, fail_on: FailOn = "error") -> int:
        """The exit code ``svcstd check --fail-on`` would give: 1 with failures, else 0."""
        return EXIT_FINDINGS if self.failing(fail_on) else EXIT_OK

    def summary(self) -> str:
        """One line: ``1469 pass, 8 fail, 0 waived, 387 not evaluable``."""
        t = self.totals
        return (
            f"{t['pass']} pass, {t['fail']} fail, {t['waived']} waived, "
            f"{t['not_evaluable']} not evaluable"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as plain data (equal to ``json.loads(result.report("json"))``)."""
        data: dict[str, Any] = json.loads(self.report("json"))
        return data

    @overload
    def report(self, fmt: TextFormat = "text", *, site_url: str | None = None) -> str: ...

    @overload
    def report(self, fmt: BinaryFormat, *, site_url: str | None = None) -> bytes: ...

    @overload
    def report(self, fmt: str, *, site_url: str | None = None) -> str | bytes: ...

    def report(self, fmt: str = "text", *, site_url: str | None = None) -> str | bytes:
        """The report in ``fmt`` (one of :data:`FORMATS`), exactly as ``svcstd check --format``
        writes it: ``str``, but ``bytes`` for ``csv`` and ``xlsx``. ``site_url`` makes the HTML
        and SARIF reports link rules to the published manual."""
        if fmt not in REPORTERS:
            raise SvcstdError(
                Problem("report", f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
            )
        if self.comparison is not None:
            if fmt not in COMPARING:
                known = ", ".join(sorted(COMPARING))
                raise SvcstdError(
                    Problem("report", f"the {fmt} format cannot show a comparison; use {known}")
                )
            return COMPARING[fmt](self.engine, site_url=site_url, comparison=self.comparison)
        return REPORTERS[fmt](self.engine, site_url=site_url)

    def write(self, path: PathArg, fmt: str | None = None, *, site_url: str | None = None) -> Path:
        """Write the report to ``path`` atomically (whole or not at all) and return the path.

        Without ``fmt`` the format follows the suffix: ``.txt`` ``.json`` ``.csv`` ``.xml``
        (JUnit) ``.sarif`` ``.html`` ``.xlsx``.
        """
        target = Path(_fspath(path))
        if fmt is None:
            fmt = _SUFFIXES.get(target.suffix.lower())
            if fmt is None:
                known = " ".join(sorted(_SUFFIXES))
                raise SvcstdError(
                    Problem(
                        str(target), f"cannot tell the format from the suffix ({known}): pass fmt="
                    )
                )
        write_atomically(target, self.report(fmt, site_url=site_url))
        return target

    def __repr__(self) -> str:
        cases = self.records.cases.height
        return (
            f"<svcstd.CheckResult {cases} cases as of {self.as_of.isoformat()}: {self.summary()}>"
        )


def _split_run(
    paths: list[PathArg],
    profile: str,
    loaded: Standards,
    now: int,
    release: str | None,
    waivers: Sequence[Waiver],
    include_draft: bool,
    evidence_cap: int,
    engine: str,
    parts: int | None,
    jobs: int | None,
    scheduler: str | None,
    compare_release: str | None,
) -> CheckResult | None:
    """The result of a run split by case, or None when the export is judged whole."""
    from svcstd.checks.engine import Plan

    plan = Plan(loaded, now, release, tuple(waivers), include_draft, evidence_cap)
    files = [_fspath(p) for p in paths]
    if engine == "dask":
        if compare_release is not None:
            raise SvcstdError(Problem("engine", "the dask engine cannot replay a release"))
        from svcstd.engines.dask import check_dask

        return CheckResult(check_dask(files, profile, plan, parts=parts, jobs=jobs,
                                      scheduler=scheduler))  # fmt: skip
    if engine != "local":
        raise SvcstdError(Problem("engine", f"unknown engine {engine!r} (local or dask)"))
    from svcstd.engines.local import check_files
    from svcstd.records.partitioned import parts_for

    count = parts or parts_for(files)
    if count <= 1 or compare_release is not None:
        return None
    return CheckResult(check_files(files, profile, plan, parts=parts or None, jobs=jobs))


def check(
    records: RecordSet | PathArg | Sequence[PathArg],
    standards: Standards | PathArg = "standards",
    *,
    as_of: Instant,
    profile: str | PathArg | None = None,
    release: str | None = None,
    compare_release: str | None = None,
    waivers: Sequence[Waiver] | PathArg = (),
    include_draft: bool = False,
    evidence_cap: int = EVIDENCE_CAP,
    engine: Literal["local", "dask"] = "local",
    parts: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
) -> CheckResult:
    """Check records against the standards, as ``svcstd check`` does.

    Args:
        records: a :class:`RecordSet` from :func:`read_records`, or export file paths (then
            ``profile`` is required).
        standards: loaded :class:`Standards` or the standards folder.
        as_of: "now" for the run — ISO 8601 with an offset, an aware datetime or epoch
            seconds. Required, so results are reproducible; pass
            ``datetime.now(timezone.utc)`` for the current time.
        profile: the export's profile (built-in name or YAML path), when ``records`` are paths.
        release: judge every case by this release instead of the one in force when it opened.
        compare_release: what-if replay, as ``--compare-release``: also judge the same cases by
            this (older) release; the result's ``comparison`` holds the difference, and its
            ``text``, ``json`` and ``html`` reports show it.
        waivers: waivers (from :func:`load_waivers`) or the path of a waivers file.
        include_draft: also check rules whose status is ``draft``.
        evidence_cap: failures explained in full per rule (totals are always exact).
        engine: for export paths, as ``--engine``: ``local`` judges exports above 48 MB (or
            with ``parts``) part by part on ``jobs`` processes; ``dask`` judges Parquet files,
            folders or URLs on the Dask cluster at ``scheduler`` (default: a LocalCluster).
            The result's ``records`` then hold each case's fields and first event only.
        parts: parts to split the export into (default: one per 48 MB; 1: whole).
        jobs: worker processes (default: the CPU count).
        scheduler: with ``engine="dask"``, the Dask scheduler's address.

    Raises:
        SvcstdError: bad input — unreadable export, invalid standards, unknown release, …
    """
    loaded = _standards(standards)
    for version in (release, compare_release):
        if version is not None:
            loaded.get(version)  # an unknown release is reported before the export is read
    now = _instant(as_of, "as_of")
    if isinstance(waivers, (str, os.PathLike)):
        waiver_list: Sequence[Waiver] = load_waivers(waivers)
    else:
        waiver_list = tuple(waivers)
    if evidence_cap < 0:
        raise SvcstdError(Problem("evidence_cap", f"must be 0 or more, not {evidence_cap}"))
    if isinstance(records, RecordSet):
        if profile is not None and _fspath(profile) != records.profile:
            raise SvcstdError(
                Problem(
                    "profile",
                    f"the records were read with profile {records.profile!r}; "
                    "profile= applies only to file paths",
                )
            )
        recordset = records
    else:
        if profile is None:
            raise SvcstdError(Problem("profile", "name the export's profile (e.g. 'svcstd')"))
        paths = [records] if isinstance(records, (str, os.PathLike)) else list(records)
        split = _split_run(paths, _fspath(profile), loaded, now, release, waiver_list,
                           include_draft, evidence_cap, engine, parts, jobs, scheduler,
                           compare_release)  # fmt: skip
        if split is not None:
            return split
        recordset = read_records(records, profile)
    common: dict[str, Any] = {
        "as_of": now,
        "release": release,
        "waivers": waiver_list,
        "include_draft": include_draft,
        "evidence_cap": evidence_cap,
    }
    if compare_release is None:
        return CheckResult(run_check(recordset, loaded, **common))
    replayed = replay(recordset, loaded, old=compare_release, **common)
    return CheckResult(replayed.new, replayed.comparison)


@dataclass(frozen=True)
class LintResult:
    """The outcome of :func:`lint_standards`: findings sorted by file, line, column and rule.

    Iterating gives the :class:`Finding` objects (``file``, ``line``, ``col``, ``rule``,
    ``severity``, ``message``); ``len()`` is their number.
    """

    lint_report: LintReport

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, sorted."""
        return self.lint_report.findings

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.lint_report.findings)

    def __len__(self) -> int:
        return len(self.lint_report.findings)

    def counts(self) -> dict[str, int]:
        """Findings per severity (``error``, ``warning``, ``info``), zero when none."""
        return self.lint_report.counts()

    def summary(self) -> str:
        """One line, as the text report ends: ``no findings (2 releases, 37 rules)``."""
        return self.lint_report.summary()

    def failing(self, fail_on: Severity = "error") -> int:
        """Findings of severity ``fail_on`` or above."""
        return sum(1 for f in self.findings if at_least(f.severity, fail_on))

    def exit_code(self, fail_on: Severity = "error") -> int:
        """The exit code ``svcstd lint --fail-on`` would give."""
        return EXIT_FINDINGS if self.failing(fail_on) else EXIT_OK

    def report(self, fmt: Literal["text", "json", "sarif"] = "text") -> str:
        """The report exactly as ``svcstd lint --format`` prints it."""
        if fmt not in LINT_REPORTERS:
            known = ", ".join(sorted(LINT_REPORTERS))
            raise SvcstdError(Problem("report", f"unknown format {fmt!r} (choose from {known})"))
        return LINT_REPORTERS[fmt]().render(self.lint_report)

    def __repr__(self) -> str:
        return f"<svcstd.LintResult {self.summary()}>"


def lint_standards(standards: Standards | PathArg = "standards") -> LintResult:
    """Run every lint rule over the standards, as ``svcstd lint`` does.

    A folder that cannot be loaded raises :class:`SvcstdError` (located problems); findings in
    loadable standards are returned, never raised.
    """
    loaded = _standards(standards)
    report = LintReport(
        standards=loaded.root,
        releases=tuple(r.version for r in loaded.releases),
        rules=tuple(RULES.values()),
        findings=tuple(lint(loaded)),
    )
    return LintResult(report)


def _calendar_args(
    standards: Standards | PathArg, release: str | None, calendar: str | None
) -> tuple[BusinessCalendar, str]:
    loaded = _standards(standards)
    handbook = loaded.get(release) if release else loaded.latest
    cal = business_calendar(handbook, calendar)
    return cal, cal.timezone


def due(
    start: Instant,
    duration: str,
    *,
    standards: Standards | PathArg = "standards",
    release: str | None = None,
    calendar: str | None = None,
    time: Literal["business", "calendar"] = "business",
) -> dt.datetime:
    """The deadline ``duration`` (``"24h"``, ``"2bd"``, ``"1mo"``) after ``start``, as
    ``svcstd due``: an aware datetime in the calendar's zone.

    The calendar is ``calendar`` (default: the release's default calendar) of ``release``
    (default: the latest release).
    """
    t0 = _instant(start, "start")
    try:
        target = Duration.parse(duration)
    except ValueError as exc:
        raise SvcstdError(Problem("duration", str(exc))) from None
    if target.amount < 0:
        raise SvcstdError(Problem("duration", f"{duration!r} is negative"))
    cal, tz = _calendar_args(standards, release, calendar)
    return from_epoch(int(limits.deadline(cal, t0, target, time)), tz)


def business_time(
    start: Instant,
    end: Instant,
    *,
    standards: Standards | PathArg = "standards",
    release: str | None = None,
    calendar: str | None = None,
    time: Literal["business", "calendar"] = "business",
) -> dt.timedelta:
    """The business time from ``start`` to ``end`` on a handbook calendar, as
    ``svcstd due --between``."""
    t0, t1 = _instant(start, "start"), _instant(end, "end")
    if t1 < t0:
        raise SvcstdError(Problem("end", "end is before start"))
    cal, _ = _calendar_args(standards, release, calendar)
    return dt.timedelta(seconds=int(limits.elapsed(cal, t0, t1, time)))
