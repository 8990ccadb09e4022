"""Records from a database: ``svcstd check --db`` against SQLite and a real PostgreSQL server.

The PostgreSQL server is Debian's ``postgresql`` package, started once per test session on
loopback in a scratch folder (``initdb`` + ``pg_ctl``; as the ``postgres`` or ``nobody`` user
when the tests run as root, since PostgreSQL refuses to run as root) and stopped at the end.
The tests skip only when the server binaries are missing; a server that does not start fails.

The main guarantee: a generated export checked from a database table or query gives a report
byte-identical to checking the same rows from the CSV file.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from polars.testing import assert_frame_equal

from svcstd.checks.engine import run_check
from svcstd.cli.main import cli
from svcstd.errors import SvcstdError
from svcstd.records import RecordSet, read_records, read_records_sql
from svcstd.records.sql import BATCH_SIZE, read_table_sql
from svcstd.report import REPORTERS
from svcstd.spec import Standards, load_standards
from svcstd.timecalc import parse_instant

from .conftest import REPO, one_line

STANDARDS = str(REPO / "standards")
AS_OF = "2026-10-29T00:00:00+08:00"
PASSWORD = "Tr0ub4dor-pw"  # must never appear in any message
TIMESTAMPS = ("at", "opened_at")

# --------------------------------------------------------------------------------------------
# A PostgreSQL server for the session


@dataclass(frozen=True)
class Postgres:
    port: int
    socket_dir: str
    log: Path

    @property
    def url(self) -> str:
        """svcstd's own login: a password over TCP (scram-sha-256)."""
        return f"postgresql://svc:{PASSWORD}@127.0.0.1:{self.port}/svcstd"

    def admin(self, dbname: str = "svcstd") -> psycopg.Connection:
        """The superuser over the Unix socket (trust), for setting up tables."""
        return psycopg.connect(
            host=self.socket_dir, port=self.port, user="postgres", dbname=dbname, autocommit=True
        )


def _pg_bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bindir = _pg_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("no PostgreSQL server binaries: apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="svcstd-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(base, user)
        prefix = ["runuser", "-u", user, "--"]
    data, log, port = base / "data", base / "server.log", _free_port()

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )

    init = pg(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
              "--locale=C", "--no-sync", "--auth-local=trust",
              "--auth-host=scram-sha-256")  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} "
               "-c fsync=off -c full_page_writes=off -c log_statement=all")  # fmt: skip
    start = pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
               "-o", options, "start")  # fmt: skip
    try:
        if start.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"PostgreSQL did not start:\n{start.stdout}\n{start.stderr}\n{server_log}")
        server = Postgres(port, str(base), log)
        with server.admin("postgres") as conn:
            conn.execute(f"CREATE ROLE svc LOGIN PASSWORD '{PASSWORD}'")
            # Sessions see instants in New York time: svcstd must still read them as UTC.
            conn.execute("ALTER ROLE svc SET timezone = 'America/New_York'")
            conn.execute("CREATE DATABASE svcstd OWNER svc")
        yield server
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# One generated export, as a file, a PostgreSQL table and a SQLite table


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sql") / "export.csv"
    res = CliRunner().invoke(cli, ["generate", "--standards", STANDARDS, "--cases", "100",
                                   "--seed", "11", "--violations", "0.2",
                                   "--output", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def pg_tickets(postgres: Postgres, export: Path) -> str:
    """The export in table ``tickets``: typed instants, a key in file order, loaded by COPY."""
    header = _header(export)
    cols = ", ".join(f"{_quoted(c)} {'timestamptz' if c in TIMESTAMPS else 'text'}" for c in header)
    names = ", ".join(_quoted(c) for c in header)
    with postgres.admin() as conn:
        conn.execute("DROP TABLE IF EXISTS tickets")
        conn.execute(
            f"CREATE TABLE tickets (row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {cols})"
        )
        with conn.cursor().copy(
            f"COPY tickets ({names}) FROM STDIN (FORMAT csv, HEADER true)"
        ) as cp:
            cp.write(export.read_bytes())
        conn.execute("ALTER TABLE tickets OWNER TO svc")
    return postgres.url


@pytest.fixture(scope="module")
def sqlite_tickets(export: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The export in a SQLite file: SQLite has no instant type, so timestamps stay text."""
    path = tmp_path_factory.mktemp("sqlite") / "export.db"
    with export.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, (v or None for v in row), strict=True)) for row in reader]
    meta = sa.MetaData()
    sa.Table(
        "tickets",
        meta,
        sa.Column("row_id", sa.Integer, primary_key=True),
        *(sa.Column(c, sa.DateTime if c in TIMESTAMPS else sa.Text) for c in header),
    )
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        meta.create_all(conn)
        # Raw text into the DATETIME columns, as an export tool writing SQLite would.
        conn.exec_driver_sql(
            f"INSERT INTO tickets ({', '.join(map(_quoted, header))}) "
            f"VALUES ({', '.join('?' for _ in header)})",
            [tuple(r[c] for c in header) for r in rows],
        )
    engine.dispose()
    return f"sqlite:///{path}"


def check(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli,
        ["check", *args, "--profile", "svcstd", "--standards", STANDARDS, "--as-of", AS_OF],
        env=env,
    )


@pytest.fixture(scope="module")
def standards() -> Standards:
    return load_standards(STANDARDS)


def reports(records: RecordSet, standards: Standards) -> dict[str, bytes]:
    """The CSV and JSON reports, as `svcstd check --as-of AS_OF` renders them."""
    result = run_check(records, standards, as_of=parse_instant(AS_OF))
    assert result.verdicts.filter(pl.col("outcome") == "fail").height > 10
    csv_report = REPORTERS["csv"](result, site_url=None)
    assert isinstance(csv_report, bytes)
    return {"csv": csv_report, "json": REPORTERS["json"](result, site_url=None).encode()}


@pytest.fixture(scope="module")
def file_reports(export: Path, standards: Standards) -> dict[str, bytes]:
    return reports(read_records(export, "svcstd"), standards)


def _db_report(tmp_path: Path, fmt: str, *db_args: str) -> bytes:
    out = tmp_path / f"db.{fmt}"
    res = check(*db_args, "--format", fmt, "--output", str(out), "-q")
    assert res.exit_code == 1, res.output + res.stderr
    assert res.stdout == ""
    return out.read_bytes()


def _masked(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------------------------
# Same data, same report


def test_postgres_table_report_is_byte_identical_to_the_file(
    pg_tickets: str, file_reports: dict[str, bytes], tmp_path: Path
) -> None:
    report = _db_report(tmp_path, "csv", "--db", pg_tickets, "--table", "tickets")
    assert report == file_reports["csv"]
    assert report.count(b"\r\n") > 200 and b",fail," in report


def test_postgres_query_json_report_matches_the_file(
    pg_tickets: str, export: Path, file_reports: dict[str, bytes], standards: Standards
) -> None:
    query = "SELECT * FROM tickets ORDER BY row_id"
    report = reports(read_records_sql(pg_tickets, "svcstd", query=query), standards)[
        "json"
    ].decode()
    # The source's name and format are the only differences: every verdict and row agrees.
    shown = f"{_masked(pg_tickets)} query"
    assert PASSWORD not in report and f'"path": "{shown}"' in report
    got = json.loads(report)
    expected = json.loads(file_reports["json"].decode().replace(f'"{export}"', f'"{shown}"'))
    rows = expected["files"][0]["rows"]
    assert got.pop("files") == [
        {"path": shown, "format": "postgresql", "encoding": None, "rows": rows}
    ]
    expected.pop("files")
    assert got == expected
    assert got["totals"] == expected["totals"] and len(got["evidence"]) > 10


def test_sqlite_table_report_is_byte_identical_to_the_file(
    sqlite_tickets: str, file_reports: dict[str, bytes], standards: Standards
) -> None:
    records = read_records_sql(sqlite_tickets, "svcstd", table="tickets")
    assert reports(records, standards)["csv"] == file_reports["csv"]


def test_url_from_the_environment(sqlite_tickets: str) -> None:
    err = _fails(check("--table", "tickts", env={"SVCSTD_DB_URL": sqlite_tickets}))
    assert err == f"error: {sqlite_tickets} table tickts: no such table (did you mean 'tickets'?)"


def _same_records(a: object, b: object) -> None:
    for name in ("events", "cases"):
        fa, fb = getattr(a, name), getattr(b, name)
        if name == "events":
            fa, fb = fa.drop("source_file"), fb.drop("source_file")
        assert_frame_equal(fa, fb)


def test_batches_smaller_than_the_table_give_the_same_records(
    postgres: Postgres, pg_tickets: str, sqlite_tickets: str, export: Path
) -> None:
    from_file = read_records(export, "svcstd")
    rows = from_file.rows
    assert rows > 5 * 97
    before = postgres.log.read_text(errors="replace").count("FETCH FORWARD 97")
    small = read_records_sql(pg_tickets, "svcstd", table="tickets", batch_size=97)
    # The server really was asked for 97 rows at a time (a server-side cursor).
    fetches = postgres.log.read_text(errors="replace").count("FETCH FORWARD 97") - before
    assert fetches >= rows // 97
    _same_records(small, from_file)
    assert small.files[0].rows == rows and small.files[0].format == "postgresql"
    _same_records(
        read_records_sql(sqlite_tickets, "svcstd", table="tickets", batch_size=1), from_file
    )
    whole = read_records_sql(pg_tickets, "svcstd", query="SELECT * FROM tickets ORDER BY row_id;",
                             batch_size=rows + 1)  # fmt: skip
    _same_records(whole, from_file)


def test_cli_default_batch_size_is_the_library_default() -> None:
    from svcstd.cli.check import command

    batch = next(p for p in command.params if p.name == "batch_size")
    assert batch.default == BATCH_SIZE


# --------------------------------------------------------------------------------------------
# Typed instants


TYPED_PROFILE = """\
profile: typed
title: Typed timestamps (test)
timestamps:
  timezone: Asia/Shanghai
case_id: ticket
case:
  opened_at: {column: opened_local}
events:
  - kind: activity
    column: what
    at: happened
    values: {open: created, reply: first_response}
"""


@pytest.fixture
def typed_profile(tmp_path: Path) -> Path:
    path = tmp_path / "typed.yaml"
    path.write_text(TYPED_PROFILE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pg_typed(postgres: Postgres) -> str:
    with postgres.admin() as conn:
        conn.execute("DROP TABLE IF EXISTS typed")
        conn.execute(
            "CREATE TABLE typed (id int PRIMARY KEY, ticket text, what text, "
            "happened timestamptz, opened_local timestamp)"
        )
        conn.execute(
            "INSERT INTO typed VALUES "
            "(1, 'T1', 'open',  '2026-03-02 09:00:00+08:00', '2026-03-02 09:00:00'),"
            "(2, 'T1', 'reply', '2026-03-02 09:30:00.250+08:00', NULL),"
            "(3, 'T2', 'open',  '2026-07-01 23:59:59-04:00', '2026-07-02 11:59:59')"
        )
        conn.execute("ALTER TABLE typed OWNER TO svc")
    return postgres.url


def test_timestamptz_and_timestamp_columns_come_through_as_instants(
    pg_typed: str, typed_profile: Path
) -> None:
    from svcstd.records import load_profile

    raw = read_table_sql(pg_typed, load_profile(typed_profile), table="typed")
    # The session's zone is New York; the frame holds UTC instants, and naive ones stay naive.
    assert raw.frame.schema["happened"] == pl.Datetime("us", "UTC")
    assert raw.frame.schema["opened_local"] == pl.Datetime("us")
    rs = read_records_sql(pg_typed, typed_profile, table="typed")
    utc = dt.UTC
    assert rs.events.select("case_id", "at", "event").rows() == [
        ("T1", dt.datetime(2026, 3, 2, 1, 0, tzinfo=utc), "created"),
        ("T1", dt.datetime(2026, 3, 2, 1, 30, 0, 250_000, tzinfo=utc), "first_response"),
        ("T2", dt.datetime(2026, 7, 2, 3, 59, 59, tzinfo=utc), "created"),
    ]
    # A naive `timestamp` is wall-clock time in the profile's zone (Asia/Shanghai, UTC+8).
    assert rs.cases.select("case_id", "opened_at").rows() == [
        ("T1", dt.datetime(2026, 3, 2, 1, 0, tzinfo=utc)),
        ("T2", dt.datetime(2026, 7, 2, 3, 59, 59, tzinfo=utc)),
    ]


def test_naive_timestamp_without_a_profile_zone_names_table_row_key_and_column(
    pg_typed: str, typed_profile: Path
) -> None:
    typed_profile.write_text(
        TYPED_PROFILE.replace("  timezone: Asia/Shanghai\n", "  formats: iso\n")
    )
    with pytest.raises(SvcstdError) as exc:
        read_records_sql(pg_typed, typed_profile, table="typed")
    assert one_line(exc) == (
        f"{_masked(pg_typed)} table typed: row 1 (id=1), column 'opened_local': timestamp "
        "2026-03-02 09:00:00 has no time zone and the profile sets no timestamps.timezone"
    )


# --------------------------------------------------------------------------------------------
# Errors: one line, exit 2, no password


def _fails(res: Result) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert PASSWORD not in res.output
    return lines[0]


def db_error(url: str, profile: str | Path = "svcstd", **source: str) -> str:
    """The one-line error of reading from a database (`svcstd check` prints it after 'error: ')."""
    with pytest.raises(SvcstdError) as exc:
        read_records_sql(url, profile, **source)
    text = one_line(exc)
    assert PASSWORD not in text and PASSWORD[::-1] not in text
    return text


def test_unknown_table_on_the_command_line(pg_tickets: str) -> None:
    err = _fails(check("--db", pg_tickets, "--table", "tickts"))
    assert (
        err == f"error: {_masked(pg_tickets)} table tickts: no such table (did you mean 'tickets'?)"
    )


def test_connection_refused_on_the_command_line_hides_the_password() -> None:
    port = _free_port()
    err = _fails(
        check("--db", f"postgresql://svc:{PASSWORD}@127.0.0.1:{port}/svcstd", "--table", "t")
    )
    assert err.startswith(f"error: postgresql://svc:***@127.0.0.1:{port}/svcstd: cannot connect: ")
    assert "refused" in err.lower()


def test_missing_column_in_a_query(pg_tickets: str, export: Path) -> None:
    cols = ", ".join("state AS stat" if c == "state" else _quoted(c) for c in _header(export))
    err = db_error(pg_tickets, query=f"SELECT {cols} FROM tickets")
    assert (
        err
        == f"{_masked(pg_tickets)} query: missing required column 'state' (did you mean 'stat'?)"
    )


def test_missing_column_in_a_table(postgres: Postgres, pg_tickets: str) -> None:
    with postgres.admin() as conn:
        conn.execute("DROP TABLE IF EXISTS narrow")
        conn.execute("CREATE TABLE narrow AS SELECT case_id, at FROM tickets LIMIT 3")
        conn.execute("ALTER TABLE narrow OWNER TO svc")
    assert db_error(pg_tickets, table="narrow") == (
        f"{_masked(pg_tickets)} table narrow: missing required column 'channel'; "
        "columns: case_id, at"
    )


def test_unknown_table_in_a_schema(pg_tickets: str) -> None:
    assert db_error(pg_tickets, table="public.tickts") == (
        f"{_masked(pg_tickets)} table public.tickts: no such table (did you mean 'tickets'?)"
    )
    assert db_error(pg_tickets, table="nowhere.tickets").startswith(
        f"{_masked(pg_tickets)} table nowhere.tickets: no such table"
    )


def test_bad_sql(pg_tickets: str) -> None:
    err = db_error(pg_tickets, query="SELEC * FROM tickets")
    assert err.startswith(f"{_masked(pg_tickets)} query: the query fails: syntax error")


def test_a_query_cannot_change_the_database(postgres: Postgres, pg_tickets: str) -> None:
    assert "the query fails" in db_error(pg_tickets, query="DELETE FROM tickets RETURNING *")
    with postgres.admin() as conn:
        count = conn.execute("SELECT count(*) FROM tickets").fetchone()
    assert count is not None and count[0] > 0


def test_an_empty_table(postgres: Postgres, pg_tickets: str) -> None:
    with postgres.admin() as conn:
        conn.execute("DROP TABLE IF EXISTS nothing")
        conn.execute("CREATE TABLE nothing AS SELECT * FROM tickets WHERE false")
        conn.execute("ALTER TABLE nothing OWNER TO svc")
    assert (
        db_error(pg_tickets, table="nothing")
        == f"{_masked(pg_tickets)} table nothing: the table has no rows"
    )
    assert db_error(pg_tickets, query="SELECT * FROM tickets WHERE false") == (
        f"{_masked(pg_tickets)} query: the query returns no rows"
    )


def test_wrong_password_hides_both_passwords(pg_tickets: str) -> None:
    err = db_error(pg_tickets.replace(PASSWORD, PASSWORD[::-1]), table="tickets")
    assert err.startswith(f"{_masked(pg_tickets)}: cannot connect: ")
    assert 'password authentication failed for user "svc"' in err


def test_password_from_pgpassword_and_an_engine_from_the_caller(
    pg_tickets: str, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = read_records(export, "svcstd").rows
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # libpq's own variable, as for psql
    no_password = pg_tickets.replace(f":{PASSWORD}@", "@")
    assert read_records_sql(no_password, "svcstd", table="tickets").rows == rows
    monkeypatch.delenv("PGPASSWORD")
    engine = sa.create_engine(pg_tickets.replace("postgresql://", "postgresql+psycopg://"))
    try:
        assert read_records_sql(engine, "svcstd", query="SELECT * FROM tickets").rows == rows
        with engine.connect() as conn:  # the caller's engine is left usable
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_nested_values_are_refused_with_their_row(pg_tickets: str) -> None:
    query = ("SELECT case_id, at, event, state, actor, \"group\", role, channel, category, "
             "priority, "
             "tier, customer, opened_at, CASE WHEN row_id = 3 THEN ARRAY[1] END AS attr_x "
             "FROM tickets ORDER BY row_id")  # fmt: skip
    assert db_error(pg_tickets, query=query) == (
        f"{_masked(pg_tickets)} query: row 3, column 'attr_x': nested value (JSON or array); "
        "select it as text"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"not a url {PASSWORD}", "--db: cannot read the value as a database URL"),
        (f"nosuchdb://svc:{PASSWORD}@host/db", "nosuchdb://svc:***@host/db: unknown database kind"),
        ("sqlite:///no/such/export.db", "sqlite:///no/such/export.db: no such database file"),
    ],
)
def test_bad_urls(url: str, expected: str) -> None:
    assert db_error(url, table="tickets").startswith(expected)


def test_a_bad_row_names_the_row_and_its_key(sqlite_tickets: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    shutil.copy(sa.make_url(sqlite_tickets).database or "", bad)
    engine = sa.create_engine(f"sqlite:///{bad}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE tickets SET at = 'yesterday' WHERE row_id = 5")
    engine.dispose()
    assert db_error(f"sqlite:///{bad}", table="tickets") == (
        f"sqlite:///{bad} table tickets: row 5 (row_id=5), column 'at': cannot read "
        "'yesterday' as a timestamp in format 'iso'"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--db", "sqlite:///x.db"], "error: --db: name what to read: --table NAME or --query SQL"),
        (["--db", "sqlite:///x.db", "--table", "t", "--query", "SELECT 1"],
         "error: --table: give --table or --query, not both"),
        (["export.csv", "--db", "sqlite:///x.db", "--table", "t"],
         "error: --db: give export files or a database, not both (check each in its own run)"),
        (["--table", "t"], "error: --db: --table and --query need --db URL (or $SVCSTD_DB_URL)"),
        ([], "error: svcstd check: no records: export files, or --db with --table or --query"),
    ],
)  # fmt: skip
def test_argument_combinations(args: list[str], expected: str) -> None:
    assert _fails(check(*args, env={"SVCSTD_DB_URL": ""})) == expected
