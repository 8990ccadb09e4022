"""Audit history: each ``svcstd check --history FILE`` run recorded in a local SQLite file.

The history answers two questions auditors ask: *how has compliance with each rule moved over
the audits* (``svcstd trend``) and *is this audit worse than the last one*
(``svcstd check --fail-on-regression``, the "not worse than last audit" gate).

**Pass rate.** Per (run, release, rule): ``pass / (pass + fail + waived)``; none (``NULL``)
when the rule has no evaluated verdict. A *waived* failure counts as **not passed**: a waiver
excuses a case from the findings (and from ``--fail-on``), but the case still broke the rule,
and counting it as passed would let a stack of waivers "improve" compliance and hide a
regression. Waivers therefore never move a pass rate. ``not_evaluable`` verdicts and cases the
rule does not apply to are left out (nothing was measured). The same definition holds for KPI
rules, whose verdicts are one per (period, group): their pass rate is the share of periods
that met the target, and the measured values are kept per period in ``kpi_values``.

**Matching key.** The gate compares with the last recorded run of the same *scope*:
``profile=<profile>; release=<--release or in-force>; draft=<yes|no>`` — the same export format
judged the same way. Rules are compared per (release version, rule id), so a run judged by
2026.1 is never compared with 2025.1's figures for the same id. Exports (a new month each
audit), waivers (they do not move a pass rate) and the standards' content (an edited limit is
exactly what the gate should show) are recorded but are not part of the key. "Last" means
last *recorded* (the highest run id), not the latest ``--as-of``.

**Regression.** A rule regressed when its pass rate dropped by more than the tolerance
(percentage points, default 0). A rule without a pass rate in either run, or new in this run,
is not a regression; rules that were compared before but cannot be now are listed as *not
compared*. The regressing run **is recorded** (with its exit code and the count of
regressions): an audit that happened stays on file, and the next run is compared with it.

**Schema.** Versioned with ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`) and marked as a
svcstd history with ``PRAGMA application_id`` (:data:`APPLICATION_ID`). A file from a newer
svcstd, an unknown version, another application's database or a file that is not SQLite at all
is refused with one line naming the file (exit 2); nothing is changed in it. A run is written
in one transaction: a failed run records nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shlex
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
import polars as pl

from svcstd import __version__
from svcstd.checks import KINDS
from svcstd.checks.engine import CheckResult
from svcstd.errors import EXIT_FINDINGS, Problem, SvcstdError
from svcstd.spec.loader import discover, release_files
from svcstd.timecalc import iso

#: ``PRAGMA application_id`` of a svcstd history: "SVCH" in ASCII.
APPLICATION_ID = 0x53564348
#: ``PRAGMA user_version`` this svcstd writes and reads.
SCHEMA_VERSION = 1
#: Slack when comparing rates (they are ratios of integers; points are rate * 100).
EPSILON = 1e-9

SCHEMA = """
CREATE TABLE runs (
    run_id           INTEGER PRIMARY KEY,   -- 1, 2, … in the order runs were recorded
    as_of            TEXT NOT NULL,         -- the run's --as-of, ISO 8601 UTC
    recorded_at      TEXT NOT NULL,         -- wall clock at recording, ISO 8601 UTC (never shown)
    scope            TEXT NOT NULL,         -- the matching key of --fail-on-regression
    profile          TEXT NOT NULL,
    release_option   TEXT,                  -- --release, NULL when judged by the release in force
    include_draft    INTEGER NOT NULL,
    standards_root   TEXT NOT NULL,
    standards_sha256 TEXT NOT NULL,         -- over every release's YAML files (see releases)
    svcstd_version   TEXT NOT NULL,
    command          TEXT NOT NULL,         -- the check command as svcstd understood it
    cases            INTEGER NOT NULL,
    unjudged         INTEGER NOT NULL,      -- cases opened before the first release
    compared_with    INTEGER REFERENCES runs(run_id),  -- the run the gate compared with
    regressions      INTEGER NOT NULL,      -- rules whose pass rate dropped against it
    gated            INTEGER NOT NULL,      -- 1 when --fail-on-regression was given
    exit_code        INTEGER NOT NULL
);
CREATE TABLE run_releases (
    run_id  INTEGER NOT NULL REFERENCES runs(run_id),
    version TEXT NOT NULL,
    sha256  TEXT NOT NULL,                  -- over the release folder's YAML files
    cases   INTEGER NOT NULL,               -- cases this run judged by the release
    PRIMARY KEY (run_id, version)
);
CREATE TABLE run_exports (
    run_id   INTEGER NOT NULL REFERENCES runs(run_id),
    position INTEGER NOT NULL,              -- order on the command line, from 1
    path     TEXT NOT NULL,                 -- as given on the command line
    sha256   TEXT,                          -- NULL when the input is not a file
    bytes    INTEGER,
    PRIMARY KEY (run_id, position)
);
CREATE TABLE rule_results (
    run_id         INTEGER NOT NULL REFERENCES runs(run_id),
    release        TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,           -- the release section: time_limits, kpis, …
    severity       TEXT NOT NULL,
    pass           INTEGER NOT NULL,
    fail           INTEGER NOT NULL,
    waived         INTEGER NOT NULL,
    not_evaluable  INTEGER NOT NULL,
    not_applicable INTEGER,                 -- judged cases without a verdict; NULL for KPIs
    pass_rate      REAL,                    -- pass / (pass + fail + waived); NULL when 0 / 0
    PRIMARY KEY (run_id, release, rule_id)
);
CREATE TABLE kpi_values (
    run_id  INTEGER NOT NULL REFERENCES runs(run_id),
    release TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    period  TEXT NOT NULL,                  -- 2025-03, 2025-W09, …
    grp     TEXT NOT NULL,                  -- channel=email, or '' when not grouped
    outcome TEXT NOT NULL,
    value   REAL,                           -- the measured rate; NULL when not evaluable
    target  REAL,
    reason  TEXT,
    PRIMARY KEY (run_id, release, rule_id, period, grp)
);
CREATE INDEX runs_by_scope ON runs (scope, run_id);
"""

OUTCOME_COLUMNS = ("pass", "fail", "waived", "not_evaluable")


def pass_rate(passed: int, failed: int, waived: int) -> float | None:
    """``pass / (pass + fail + waived)``, or ``None`` when nothing was evaluated."""
    evaluated = passed + failed + waived
    return passed / evaluated if evaluated else None


def scope_key(profile: str, release: str | None, include_draft: bool) -> str:
    """The matching key: runs with the same key are compared by ``--fail-on-regression``."""
    return (
        f"profile={profile}; release={release or 'in-force'}; "
        f"draft={'yes' if include_draft else 'no'}"
    )


# --------------------------------------------------------------------------------------------
# What a run records


@dataclass(frozen=True)
class RuleResult:
    """Counts and pass rate of one rule of one release in one run."""

    release: str
    rule_id: str
    kind: str
    severity: str
    passed: int
    failed: int
    waived: int
    not_evaluable: int
    not_applicable: int | None

    @property
    def pass_rate(self) -> float | None:
        return pass_rate(self.passed, self.failed, self.waived)

    @property
    def key(self) -> tuple[str, str]:
        return (self.release, self.rule_id)


@dataclass(frozen=True)
class KpiValue:
    """One KPI verdict: the rate measured for a period (and group) against its target."""

    release: str
    rule_id: str
    period: str
    group: str
    outcome: str
    value: float | None
    target: float | None
    reason: str | None


@dataclass(frozen=True)
class Export:
    """An input of the run: the path as given, and its content hash when it is a file."""

    path: str
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class RunRecord:
    """Everything one run writes to the history (``run_id`` is given when it is written)."""

    as_of: str
    profile: str
    release_option: str | None
    include_draft: bool
    standards_root: str
    standards_sha256: str
    releases: tuple[tuple[str, str, int], ...]  # (version, sha256, cases judged)
    exports: tuple[Export, ...]
    svcstd_version: str
    command: str
    cases: int
    unjudged: int
    rules: tuple[RuleResult, ...]
    kpis: tuple[KpiValue, ...] = field(default=())

    @property
    def scope(self) -> str:
        return scope_key(self.profile, self.release_option, self.include_draft)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def release_hashes(root: str | Path) -> dict[str, str]:
    """sha256 per release folder (named as its version) over the YAML files the loader reads:
    each file's name and content, in name order."""
    out: dict[str, str] = {}
    for folder in discover(root):
        digest = hashlib.sha256()
        for path in sorted(release_files(folder)):
            digest.update(path.name.encode("utf-8") + b"\0" + _sha256_file(path).encode() + b"\n")
        out[folder.name] = digest.hexdigest()
    return out


def export_of(path: str) -> Export:
    """An input as recorded: its sha256 and size when it is a readable file."""
    p = Path(path)
    if not p.is_file():
        return Export(path, None, None)
    return Export(path, _sha256_file(p), p.stat().st_size)


def rule_results(result: CheckResult, *, include_draft: bool) -> list[RuleResult]:
    """Counts per (release, rule) for every rule the run judged, in (release, rule id) order.

    Every active rule (and draft rule with ``include_draft``) of a release that judged cases
    gets a row, verdicts or not: a rule that applied to no case has all its cases counted as
    not applicable and no pass rate, which the trend shows rather than dropping the rule.
    """
    counts = {
        (r["release"], r["rule_id"]): r
        for r in result.tally.group_by("release", "rule_id")
        .agg(
            [pl.col("n").filter(pl.col("outcome") == o).sum().alias(o) for o in OUTCOME_COLUMNS]
            # a case has at most one verdict per rule: case verdicts count the cases
            + [pl.col("n").filter(pl.col("kind") != "kpis").sum().alias("cases")]
        )
        .iter_rows(named=True)
    }
    allowed = {"active", "draft"} if include_draft else {"active"}
    out: list[RuleResult] = []
    for handbook in result.standards.releases:
        judged = result.judged_by.get(handbook.version)
        if not judged:
            continue
        for section in KINDS:
            for rule in getattr(handbook, section):
                if rule.status not in allowed:
                    continue
                row = counts.get((handbook.version, rule.id), {})
                n = {o: int(row.get(o, 0)) for o in OUTCOME_COLUMNS}
                out.append(
                    RuleResult(
                        release=handbook.version,
                        rule_id=rule.id,
                        kind=section,
                        severity=rule.severity,
                        passed=n["pass"],
                        failed=n["fail"],
                        waived=n["waived"],
                        not_evaluable=n["not_evaluable"],
                        not_applicable=None
                        if section == "kpis"
                        else judged - int(row.get("cases", 0)),
                    )
                )
    return sorted(out, key=lambda r: r.key)


def kpi_values(result: CheckResult) -> list[KpiValue]:
    """Every KPI verdict of the run (one per rule, period and group)."""
    frame = result.findings.filter(pl.col("case_id").is_null()).sort(
        "release", "rule_id", "period", "group", nulls_last=False
    )
    return [
        KpiValue(
            release=r["release"],
            rule_id=r["rule_id"],
            period=r["period"] or "",
            group=r["group"] or "",
            outcome=r["outcome"],
            value=r["observed"],
            target=r["target"],
            reason=r["reason"],
        )
        for r in frame.iter_rows(named=True)
    ]


def run_record(
    result: CheckResult,
    *,
    exports: Sequence[str],
    release_option: str | None,
    include_draft: bool,
    command: str,
    version: str,
) -> RunRecord:
    """What ``result`` writes to the history."""
    hashes = release_hashes(result.standards.root)
    releases = tuple((v, hashes.get(v, ""), n) for v, n in sorted(result.judged_by.items()))
    whole = hashlib.sha256(
        "".join(f"{name}\0{digest}\n" for name, digest in sorted(hashes.items())).encode()
    ).hexdigest()
    return RunRecord(
        as_of=iso(result.as_of, "UTC"),
        profile=result.records.profile,
        release_option=release_option,
        include_draft=include_draft,
        standards_root=str(result.standards.root),
        standards_sha256=whole,
        releases=releases,
        exports=tuple(export_of(p) for p in exports),
        svcstd_version=version,
        command=command,
        cases=result.records.cases.height,
        unjudged=result.unjudged,
        rules=tuple(rule_results(result, include_draft=include_draft)),
        kpis=tuple(kpi_values(result)),
    )


# --------------------------------------------------------------------------------------------
# Comparing runs


@dataclass(frozen=True)
class Change:
    """One rule's pass rate in the last comparable run and in this one."""

    before: RuleResult
    after: RuleResult | None

    @property
    def drop(self) -> float:
        """Percentage points lost (negative when the rate rose)."""
        b = self.before.pass_rate
        a = self.after.pass_rate if self.after is not None else None
        return 0.0 if a is None or b is None else (b - a) * 100


def _rate_text(r: RuleResult | None) -> str:
    if r is None:
        return "not checked"
    rate = r.pass_rate
    if rate is None:
        return "no evaluated verdict"
    return f"{rate:.2%} ({r.passed}/{r.passed + r.failed + r.waived})"


def describe_change(c: Change, *, regressed: bool) -> str:
    """One line naming the rule with its before and after."""
    head = (
        f"{c.before.rule_id} ({c.before.release}): {_rate_text(c.before)} → {_rate_text(c.after)}"
    )
    return f"{head}, {c.drop:.2f} points lower" if regressed else head


def compare(
    before: Sequence[RuleResult], after: Sequence[RuleResult], tolerance: float = 0.0
) -> tuple[list[Change], list[Change]]:
    """``(regressed, not_compared)`` between two runs, in (release, rule id) order.

    Regressed: the pass rate dropped by more than ``tolerance`` percentage points. Not
    compared: the rule had a pass rate before but has none now (not checked, or nothing
    evaluated) — not a regression, but not shown to be no worse either. A rule new in
    ``after`` is neither.
    """
    now = {r.key: r for r in after}
    regressed: list[Change] = []
    unknown: list[Change] = []
    for old in sorted(before, key=lambda r: r.key):
        if old.pass_rate is None:
            continue
        new = now.get(old.key)
        change = Change(old, new)
        if new is None or new.pass_rate is None:
            unknown.append(change)
        elif change.drop > tolerance + EPSILON:
            regressed.append(change)
    return regressed, unknown


# --------------------------------------------------------------------------------------------
# The SQLite file


def _problem(path: Path, message: str) -> SvcstdError:
    return SvcstdError(Problem(str(path), message))


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise _problem(path, f"cannot open the history: {exc}") from None
    with closing(conn):
        conn.row_factory = sqlite3.Row
        try:
            yield conn
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise _problem(path, "not a svcstd history (not an SQLite database)") from None
            raise _problem(path, f"cannot use the history: {exc}") from None


def _state(conn: sqlite3.Connection, path: Path) -> str:
    """``"empty"`` for a database with nothing in it, ``"ok"`` for a history we can use;
    raise for anything else."""
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app == 0 and version == 0 and tables == 0:
        return "empty"
    if app != APPLICATION_ID:
        return _refuse(path, "not a svcstd history (an SQLite database of another application)")
    if version > SCHEMA_VERSION:
        return _refuse(
            path,
            f"history schema version {version} was written by a newer svcstd "
            f"(this one reads version {SCHEMA_VERSION}): upgrade svcstd",
        )
    if version != SCHEMA_VERSION:
        return _refuse(path, f"unknown history schema version {version}")
    return "ok"


def _refuse(path: Path, message: str) -> str:
    raise _problem(path, message)


def validate(path: str | Path) -> None:
    """Refuse now (exit 2) a file the run could not record into; a missing file is fine
    (it is created when the run is recorded), a missing folder is not."""
    path = Path(path)
    if path.is_dir():
        raise _problem(path, "is a folder, not a history file")
    if not path.exists():
        if not path.parent.is_dir() and str(path.parent):
            raise _problem(path, "cannot create the history: the folder does not exist")
        return
    with _connect(path) as conn:
        _state(conn, path)


@dataclass(frozen=True)
class Recorded:
    """What recording a run found: its id, the run it was compared with, and the changes."""

    run_id: int
    compared_with: int | None
    compared_as_of: str | None
    regressed: list[Change]
    not_compared: list[Change]


def _rules_of(conn: sqlite3.Connection, run_id: int) -> list[RuleResult]:
    rows = conn.execute(
        "SELECT release, rule_id, kind, severity, pass, fail, waived, not_evaluable, "
        "not_applicable FROM rule_results WHERE run_id = ? ORDER BY release, rule_id",
        (run_id,),
    ).fetchall()
    return [RuleResult(*row) for row in rows]


def record(
    path: str | Path,
    run: RunRecord,
    *,
    tolerance: float = 0.0,
    gated: bool = False,
    exit_code: Callable[[list[Change]], int] | int = 0,
) -> Recorded:
    """Compare ``run`` with the last run of its scope and record it, in one transaction.

    ``exit_code(regressed)`` gives the exit code to store from the regressions found (the
    caller decides what a regression means for the exit code); an int is stored as is.
    """
    path = Path(path)
    validate(path)
    created = not path.exists()
    try:
        return _record(path, run, tolerance, gated, exit_code)
    except BaseException:
        if created:  # leave no empty history behind a failed first run
            path.unlink(missing_ok=True)
        raise


def _record(
    path: Path,
    run: RunRecord,
    tolerance: float,
    gated: bool,
    exit_code: Callable[[list[Change]], int] | int,
) -> Recorded:
    with _connect(path) as conn:
        conn.execute("BEGIN IMMEDIATE")  # take the write lock before reading the baseline
        try:
            if _state(conn, path) == "empty":
                for statement in SCHEMA.split(";\n"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            last = conn.execute(
                "SELECT run_id, as_of FROM runs WHERE scope = ? ORDER BY run_id DESC LIMIT 1",
                (run.scope,),
            ).fetchone()
            regressed: list[Change] = []
            unknown: list[Change] = []
            if last is not None:
                regressed, unknown = compare(_rules_of(conn, last["run_id"]), run.rules, tolerance)
            code = exit_code(regressed) if callable(exit_code) else exit_code
            run_id = _insert(
                conn, run, last["run_id"] if last else None, len(regressed), gated, code
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return Recorded(
        run_id,
        last["run_id"] if last else None,
        last["as_of"] if last else None,
        regressed,
        unknown,
    )


def _insert(
    conn: sqlite3.Connection,
    run: RunRecord,
    compared_with: int | None,
    regressions: int,
    gated: bool,
    exit_code: int,
) -> int:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    cur = conn.execute(
        "INSERT INTO runs (as_of, recorded_at, scope, profile, release_option, include_draft, "
        "standards_root, standards_sha256, svcstd_version, command, cases, unjudged, "
        "compared_with, regressions, gated, exit_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run.as_of, now, run.scope, run.profile, run.release_option, int(run.include_draft),
            run.standards_root, run.standards_sha256, run.svcstd_version, run.command,
            run.cases, run.unjudged, compared_with, regressions, int(gated), exit_code,
        ),
    )  # fmt: skip
    run_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO run_releases VALUES (?, ?, ?, ?)",
        [(run_id, v, h, n) for v, h, n in run.releases],
    )
    conn.executemany(
        "INSERT INTO run_exports VALUES (?, ?, ?, ?, ?)",
        [(run_id, i, e.path, e.sha256, e.size) for i, e in enumerate(run.exports, 1)],
    )
    conn.executemany(
        "INSERT INTO rule_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, r.release, r.rule_id, r.kind, r.severity, r.passed, r.failed, r.waived,
             r.not_evaluable, r.not_applicable, r.pass_rate)
            for r in run.rules
        ],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO kpi_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, k.release, k.rule_id, k.period, k.group, k.outcome, k.value, k.target,
             k.reason)
            for k in run.kpis
        ],
    )  # fmt: skip
    return run_id


# --------------------------------------------------------------------------------------------
# Reading it back (svcstd trend)


@dataclass(frozen=True)
class Run:
    """A recorded run as ``svcstd trend`` shows it (no wall-clock time: output is
    deterministic for a given history)."""

    run_id: int
    as_of: str
    scope: str
    profile: str
    standards_sha256: str
    releases: tuple[str, ...]
    exports: tuple[Export, ...]
    compared_with: int | None
    regressions: int
    gated: bool
    exit_code: int
    rules: Mapping[tuple[str, str], RuleResult]
    kpis: tuple[KpiValue, ...]


def load_runs(path: str | Path, *, last: int | None = None) -> list[Run]:
    """The recorded runs, oldest first (the last ``last`` when given). Never writes."""
    path = Path(path)
    if not path.is_file():
        raise _problem(path, "no such history file" if not path.exists() else "not a file")
    with _connect(path) as conn:
        if _state(conn, path) == "empty":
            return []
        query = "SELECT * FROM runs ORDER BY run_id"
        heads = conn.execute(query).fetchall()
        if last is not None:
            heads = heads[-last:] if last else []
        runs = []
        for h in heads:
            rid = h["run_id"]
            releases = tuple(
                r[0]
                for r in conn.execute(
                    "SELECT version FROM run_releases WHERE run_id = ? ORDER BY version", (rid,)
                )
            )
            exports = tuple(
                Export(*r)
                for r in conn.execute(
                    "SELECT path, sha256, bytes FROM run_exports WHERE run_id = ? "
                    "ORDER BY position",
                    (rid,),
                )
            )
            kpis = tuple(
                KpiValue(*r)
                for r in conn.execute(
                    "SELECT release, rule_id, period, grp, outcome, value, target, reason "
                    "FROM kpi_values WHERE run_id = ? ORDER BY release, rule_id, period, grp",
                    (rid,),
                )
            )
            runs.append(
                Run(
                    run_id=rid,
                    as_of=h["as_of"],
                    scope=h["scope"],
                    profile=h["profile"],
                    standards_sha256=h["standards_sha256"],
                    releases=releases,
                    exports=exports,
                    compared_with=h["compared_with"],
                    regressions=h["regressions"],
                    gated=bool(h["gated"]),
                    exit_code=h["exit_code"],
                    rules={r.key: r for r in _rules_of(conn, rid)},
                    kpis=kpis,
                )
            )
    return runs


# --------------------------------------------------------------------------------------------
# svcstd check --history / --fail-on-regression


def _redact(value: str) -> str:
    """A database URL without its password (``--db postgresql://u:secret@host/db``)."""
    return re.sub(r"(://[^/:@\s]*:)[^@/\s]*@", r"\1***@", value)


def command_text(ctx: click.Context) -> str:
    """The command as svcstd understood it: arguments, then every option not at its default,
    in declaration order (so the record does not depend on how the shell spelled it)."""
    words: list[str] = []
    options = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if isinstance(param, click.Argument):
            words.extend(str(v) for v in (value if isinstance(value, tuple) else (value,)))
            continue
        if value is None or value == param.default or value is False or value == ():
            continue
        flag = max(param.opts, key=len)
        options.extend([flag] if value is True else [flag, _redact(str(value))])
    return f"{ctx.command_path} {shlex.join([*words, *options])}"


def record_check(
    path: str,
    result: CheckResult,
    *,
    exit_code: int,
    exports: Sequence[str],
    release: str | None,
    include_draft: bool,
    gate: bool,
    tolerance: float,
) -> int:
    """Record a finished ``svcstd check`` run, compare it with the last run of its scope and
    tell the user on stderr (stdout is the report); return the run's exit code."""
    run = run_record(
        result,
        exports=exports,
        release_option=release,
        include_draft=include_draft,
        command=command_text(click.get_current_context()),
        version=__version__,
    )

    def final(regressed: list[Change]) -> int:
        return EXIT_FINDINGS if gate and regressed else exit_code

    done = record(path, run, tolerance=tolerance, gated=gate, exit_code=final)

    def say(text: str) -> None:
        click.echo(text, err=True)

    if done.compared_with is None:
        say(f"history: recorded run #{done.run_id} in {path}; first run of {run.scope}")
    else:
        say(
            f"history: recorded run #{done.run_id} in {path}; compared with run "
            f"#{done.compared_with} (as of {done.compared_as_of}, {run.scope}): "
            f"{len(done.regressed)} rules with a lower pass rate"
            + (f" by more than {tolerance:g} points" if tolerance else "")
        )
    for change in done.regressed:
        say(f"regression: {describe_change(change, regressed=True)}")
    for change in done.not_compared:
        say(f"not compared: {describe_change(change, regressed=False)}")
    code = final(done.regressed)
    if gate and done.regressed:
        say(f"--fail-on-regression: {len(done.regressed)} rules regressed: exit {code}")
    return code
