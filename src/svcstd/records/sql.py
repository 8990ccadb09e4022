"""Records from a SQL database: a table or a query, streamed in batches into a raw table.

:func:`read_records_sql` is the database counterpart of :func:`~svcstd.records.read_records`:
it reads the profile's columns from a table (``SELECT`` built with SQLAlchemy Core from the
reflected columns) or from a query (wrapped as a subquery, so only the profile's columns are
fetched), and hands the same :class:`~svcstd.records.readers.RawTable` to the same mapping as a
file would. Everything after reading — value maps, timestamps, ordering, checks — is shared.

* **Streaming.** Rows come through a server-side cursor (``stream_results`` / ``yield_per``,
  ``fetchmany`` underneath) ``batch_size`` at a time; each batch becomes one Polars frame of
  text and ``Datetime`` columns.
* **Types.** Values arrive as the database driver gives them. Timestamp columns
  (``timestamptz`` → aware → UTC; ``timestamp`` → naive → the profile's
  ``timestamps.timezone``, exactly as for Parquet) stay instants; dates become midnight;
  everything else becomes text (booleans ``true``/``false``, integral floats without ``.0``), so
  the profile's value maps read a database like a CSV. SQLite has no timestamp type: its text is
  parsed with the profile's formats, as in a CSV file.
* **Row numbers.** Row *N* is the *N*-th row read. A table with a primary key is read in key
  order and errors also name the key (``row 17 (id=523)``); a table without one is read in the
  order the database returns, and a query in its own ``ORDER BY``.
* **Safety.** Passwords never appear in messages (the URL is shown through
  ``URL.render_as_string(hide_password=True)``, and a driver message that repeats the password
  has it masked). PostgreSQL sessions are read-only. Bad URL, connection failure, unknown table,
  bad SQL and missing columns are one located :class:`~svcstd.errors.SvcstdError` each.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from svcstd.errors import Problem, SvcstdError
from svcstd.records.build import KEY, records_from_tables
from svcstd.records.profile import Profile, load_profile
from svcstd.records.readers import ROW, RawTable, _typed, require
from svcstd.records.schema import RecordSet, SourceFile

#: Rows fetched per round trip (and per Arrow/Polars batch) unless the caller says otherwise.
BATCH_SIZE = 10_000

#: Environment variable ``svcstd check`` reads the URL from when ``--db`` is not given.
URL_ENV = "SVCSTD_DB_URL"

#: The alias a ``--query`` gets when it is wrapped as a subquery.
SUBQUERY = "svcstd_query"


def read_records_sql(
    url: str | sa.URL | sa.Engine,
    profile: str | Path | Profile,
    *,
    table: str | None = None,
    query: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> RecordSet:
    """Read records from a database table or query with a profile into canonical frames.

    ``url`` is a SQLAlchemy URL (``postgresql://user:pw@host/db``, ``sqlite:///export.db``) or
    an :class:`sqlalchemy.Engine` (left open). Give exactly one of ``table`` (``name`` or
    ``schema.name``) and ``query`` (a ``SELECT``). ``batch_size`` rows are fetched at a time.
    Raises :class:`~svcstd.errors.SvcstdError` with one located line for any problem.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    raw = read_table_sql(url, prof, table=table, query=query, batch_size=batch_size)
    return records_from_tables([raw], prof)


def read_table_sql(
    url: str | sa.URL | sa.Engine,
    profile: Profile,
    *,
    table: str | None = None,
    query: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> RawTable:
    """The profile's columns of a table or query as a :class:`RawTable` (before any mapping)."""
    if (table is None) == (query is None):
        raise SvcstdError(Problem("--db", "give exactly one of --table and --query"))
    if batch_size < 1:
        raise SvcstdError(Problem("--batch-size", f"must be at least 1, not {batch_size}"))
    db = _Database.open(url)
    try:
        with db.connect() as conn:
            if table is not None:
                source = _table_source(conn, db, table, profile)
            else:
                assert query is not None
                source = _query_source(conn, db, query, profile)
            frame = _fetch(conn, db, source, batch_size)
    finally:
        db.close()
    if frame.height == 0:
        what = "table has" if table is not None else "query returns"
        raise SvcstdError(Problem(source.shown, f"the {what} no rows"))
    frame = _typed(frame, source.shown, profile)
    return RawTable(frame, SourceFile(source.shown, db.kind, None, frame.height))


# --------------------------------------------------------------------------------------------
# Connecting


@dataclass
class _Database:
    engine: sa.Engine
    shown: str  # the URL without its password
    password: str | None
    owned: bool  # created here, so disposed here

    @property
    def kind(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str | sa.URL | sa.Engine) -> _Database:
        if isinstance(url, sa.Engine):
            u = url.url
            return cls(url, u.render_as_string(hide_password=True), u.password, owned=False)
        try:
            u = sa.make_url(url)
        except (sa_exc.ArgumentError, ValueError):
            # The text may hold a password: do not echo it.
            raise SvcstdError(
                Problem(
                    "--db",
                    "cannot read the value as a database URL "
                    "(dialect+driver://user:password@host:port/database)",
                )
            ) from None
        password = u.password if isinstance(u.password, str) else None
        shown = u.render_as_string(hide_password=True)
        if u.drivername == "postgresql":
            # SQLAlchemy 2.0 would pick psycopg2; svcstd ships psycopg (3).
            u = u.set(drivername="postgresql+psycopg")
        if u.get_backend_name() == "sqlite":
            _sqlite_file_exists(u, shown)
        connect_args: dict[str, Any] = {}
        if u.get_backend_name() == "postgresql" and "connect_timeout" not in u.query:
            connect_args["connect_timeout"] = 15  # an unreachable host fails instead of hanging
        try:
            engine = sa.create_engine(u, poolclass=sa.NullPool, connect_args=connect_args)
        except sa_exc.NoSuchModuleError:
            raise SvcstdError(
                Problem(shown, f"unknown database kind {u.drivername!r} (a SQLAlchemy dialect)")
            ) from None
        except ImportError as exc:
            raise SvcstdError(
                Problem(shown, f"the database driver is not installed ({exc}); pip install it")
            ) from None
        except (sa_exc.ArgumentError, TypeError, ValueError) as exc:
            raise SvcstdError(Problem(shown, _mask(f"bad database URL: {exc}", password))) from None
        return cls(engine, shown, password, owned=True)

    def connect(self) -> sa.Connection:
        try:
            conn = self.engine.connect()
        except sa_exc.DBAPIError as exc:
            raise SvcstdError(Problem(self.shown, f"cannot connect: {self.why(exc)}")) from None
        opts: dict[str, Any] = {}
        if self.kind == "postgresql" and self.engine.driver in ("psycopg", "psycopg2"):
            opts["postgresql_readonly"] = True  # svcstd only reads; a query cannot write
        return conn.execution_options(**opts) if opts else conn

    def close(self) -> None:
        if self.owned:
            self.engine.dispose()

    def why(self, exc: BaseException) -> str:
        """The driver's first line of explanation, with any password masked."""
        orig = getattr(exc, "orig", None) or exc
        return _mask(_first_line(orig), self.password)


def _sqlite_file_exists(u: sa.URL, shown: str) -> None:
    """SQLite creates a missing file on connect: a typo would read an empty database."""
    name = u.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.exists():
        raise SvcstdError(Problem(shown, f"no such database file {name!r}"))
    if path.is_dir():
        raise SvcstdError(Problem(shown, f"{name!r} is a folder, not a database file"))


def _mask(text: str, password: str | None) -> str:
    return text.replace(password, "***") if password else text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


# --------------------------------------------------------------------------------------------
# What to read


@dataclass
class _Source:
    shown: str  # "<url> table <name>" or "<url> query": the "file" errors name
    statement: sa.Executable
    columns: list[str]  # the profile's columns, in SELECT order
    keys: list[str]  # primary-key columns, selected after them (may be empty)


def _table_source(conn: sa.Connection, db: _Database, table: str, profile: Profile) -> _Source:
    shown = f"{db.shown} table {table}"
    schema, name = table.rsplit(".", 1) if "." in table else (None, table)
    try:
        inspector = sa.inspect(conn)
        if not inspector.has_table(name, schema=schema):
            names = sorted([*inspector.get_table_names(schema=schema),
                            *inspector.get_view_names(schema=schema)])  # fmt: skip
            hint = difflib.get_close_matches(name, names, n=1)
            if hint:
                more = f" (did you mean {hint[0]!r}?)"
            elif names:
                more = f"; tables: {', '.join(names[:20])}" + (" …" if len(names) > 20 else "")
            else:
                more = "; the database has no tables" + (f" in schema {schema!r}" if schema else "")
            raise SvcstdError(Problem(shown, f"no such table{more}"))
        reflected = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=conn)
    except sa_exc.NoSuchTableError:
        raise SvcstdError(Problem(shown, "no such table")) from None
    except sa_exc.DBAPIError as exc:
        why = db.why(exc)
        raise SvcstdError(Problem(shown, f"cannot read the table's columns: {why}")) from None
    columns = require(shown, profile)([c.name for c in reflected.columns])
    keys = [c.name for c in reflected.primary_key.columns]
    picked = [*columns, *(k for k in keys if k not in columns)]
    # Untyped (NullType) columns: the driver's own values, no SQLAlchemy conversion on top
    # (SQLite's DATETIME processor would refuse text with an offset, which svcstd reads fine).
    stmt = sa.select(*(sa.type_coerce(reflected.c[c], sa.types.NULLTYPE).label(c) for c in picked))
    if keys:
        stmt = stmt.order_by(*(reflected.c[k] for k in keys))
    return _Source(shown, stmt, columns, keys)


def _query_source(conn: sa.Connection, db: _Database, query: str, profile: Profile) -> _Source:
    shown = f"{db.shown} query"
    sql = query.strip().rstrip(";").strip()
    if not sql:
        raise SvcstdError(Problem(shown, "the query is empty"))
    probe = sa.select(sa.literal_column("*", sa.types.NULLTYPE)).select_from(
        sa.text(sql).columns().subquery(SUBQUERY)
    )
    try:
        header = list(conn.execute(probe.limit(0)).keys())
    except sa_exc.DBAPIError as exc:
        raise SvcstdError(Problem(shown, f"the query fails: {db.why(exc)}")) from None
    finally:
        conn.rollback()  # leave no failed transaction behind (PostgreSQL)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise SvcstdError(
            Problem(shown, f"the query returns column {dupes[0]!r} more than once; alias it")
        )
    columns = require(shown, profile)(header)
    sub = sa.text(sql).columns(*(sa.column(c) for c in header)).subquery(SUBQUERY)
    return _Source(shown, sa.select(*(sub.c[c] for c in columns)), columns, [])


# --------------------------------------------------------------------------------------------
# Fetching


def _fetch(conn: sa.Connection, db: _Database, source: _Source, batch_size: int) -> pl.DataFrame:
    kinds: dict[str, str] = {}
    frames: list[pl.DataFrame] = []
    start = 1
    for rows in _batches(conn, db, source, batch_size):
        frames.append(_frame(rows, start, source, kinds))
        start += len(rows)
    if not frames:
        return pl.DataFrame(schema={ROW: pl.Int64, **dict.fromkeys(source.columns, pl.Utf8)})
    # An all-null batch has Null columns: "relaxed" lets them join a typed one.
    return pl.concat(frames, how="vertical_relaxed")


def _batches(
    conn: sa.Connection, db: _Database, source: _Source, batch_size: int
) -> Iterator[Sequence[sa.Row[Any]]]:
    streaming = conn.execution_options(stream_results=True, yield_per=batch_size)
    try:
        result = streaming.execute(source.statement)
        yield from result.partitions(batch_size)
    except sa_exc.DBAPIError as exc:
        raise SvcstdError(Problem(source.shown, f"reading fails: {db.why(exc)}")) from None


def _frame(
    rows: Sequence[sa.Row[Any]], start: int, source: _Source, kinds: dict[str, str]
) -> pl.DataFrame:
    values = list(zip(*rows, strict=True))
    series = [pl.Series(ROW, range(start, start + len(rows)), dtype=pl.Int64)]
    for i, name in enumerate(source.columns):
        series.append(_column(name, values[i], start, source.shown, kinds))
    if source.keys:
        key_cols = [values[_position(source, k)] for k in source.keys]
        keys = [", ".join(f"{k}={v}" for k, v in zip(source.keys, row, strict=True))
                for row in zip(*key_cols, strict=True)]  # fmt: skip
        series.append(pl.Series(KEY, keys, dtype=pl.Utf8))
    return pl.DataFrame(series)


def _position(source: _Source, key: str) -> int:
    if key in source.columns:
        return source.columns.index(key)
    extra = [k for k in source.keys if k not in source.columns]
    return len(source.columns) + extra.index(key)


def _column(
    name: str, values: Sequence[Any], start: int, shown: str, kinds: dict[str, str]
) -> pl.Series:
    """One column of a batch: ``Datetime`` (aware → UTC, or naive) or text; kinds stay fixed."""
    types = {type(v) for v in values if v is not None}
    if not types:
        return pl.Series(name, values, dtype=pl.Null)
    if all(issubclass(t, dt.datetime) for t in types):
        zoned = [None if v is None else v.utcoffset() is not None for v in values]
        kind = "aware" if True in zoned else "naive"
        if True in zoned and False in zoned:
            pos = zoned.index(not zoned[next(i for i, z in enumerate(zoned) if z is not None)])
            raise _at(shown, start + pos, name, "instants with and without a time zone mixed")
        dtype = pl.Datetime("us", "UTC") if kind == "aware" else pl.Datetime("us")
        out = pl.Series(name, values, dtype=dtype)
    elif all(issubclass(t, dt.date) and not issubclass(t, dt.datetime) for t in types):
        kind = "naive"
        out = pl.Series(name, values, dtype=pl.Date).cast(pl.Datetime("us"))
    else:
        kind = "text"
        out = pl.Series(name, _texts(name, values, start, shown) if types != {str} else values,
                        dtype=pl.Utf8)  # fmt: skip
    seen = kinds.setdefault(name, kind)
    if seen != kind:
        first = next(i for i, v in enumerate(values) if v is not None)
        what = {"aware": "instants with a time zone", "naive": "instants without a time zone",
                "text": "text"}  # fmt: skip
        raise _at(shown, start + first, name, f"{what[kind]} after rows of {what[seen]}")
    return out


def _texts(name: str, values: Sequence[Any], start: int, shown: str) -> list[str | None]:
    out: list[str | None] = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, str):
            out.append(v)
        elif isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        elif isinstance(v, int | float | Decimal):
            out.append(str(v))
        elif isinstance(v, dt.datetime | dt.date):
            out.append(v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat())
        elif isinstance(v, bytes | bytearray | memoryview):
            raise _at(shown, start + i, name, "binary value; select it as text")
        elif isinstance(v, dict | list | tuple):
            raise _at(shown, start + i, name, "nested value (JSON or array); select it as text")
        else:
            out.append(str(v))  # UUID, time, interval, enum labels …
    return out


def _at(shown: str, row: int, column: str, message: str) -> SvcstdError:
    return SvcstdError(Problem(shown, f"row {row}, column {column!r}: {message}"))
