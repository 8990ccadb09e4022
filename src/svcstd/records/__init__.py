"""Records: exported tickets, call logs and event logs as canonical Polars frames.

>>> from svcstd.records import read_records
>>> rs = read_records("helpdesk.csv.gz", profile="helpdesk")   # doctest: +SKIP
>>> rs.events.columns                                          # doctest: +SKIP
['case_id', 'at', 'event', 'state', 'actor', 'group', 'role', 'source_file', 'source_row', 'seq']

* :func:`read_records` — export files + a profile → :class:`RecordSet` (``events``, ``cases``,
  and what the export lacks);
* :func:`read_records_sql` — the same from a database table or query (SQLAlchemy URL), streamed
  in batches (:mod:`svcstd.records.sql`; imported on first use, so file-only runs skip SQLAlchemy);
* :func:`load_profile` / :func:`builtin_profiles` — profiles by built-in name or YAML path;
* :mod:`svcstd.records.schema` — the canonical frame schemas.

Every input problem raises :class:`svcstd.errors.SvcstdError` with one line naming the file and
the data row (``row N``, counted from 1 after the header, as ``events.source_row``) or the
physical line (``file:N:`` — for problems found before rows exist: encoding, NUL bytes, JSON
syntax), and the column.
"""

from typing import TYPE_CHECKING, Any

from svcstd.records.build import read_records
from svcstd.records.profile import Profile, builtin_profiles, load_profile
from svcstd.records.schema import (
    CASE_FIELDS,
    CASE_SCHEMA,
    EVENT_COLUMNS,
    EVENT_SCHEMA,
    RecordSet,
    SourceFile,
)

if TYPE_CHECKING:
    from svcstd.records.sql import read_records_sql


def __getattr__(name: str) -> Any:
    if name == "read_records_sql":
        from svcstd.records.sql import read_records_sql

        return read_records_sql
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CASE_FIELDS",
    "CASE_SCHEMA",
    "EVENT_COLUMNS",
    "EVENT_SCHEMA",
    "Profile",
    "RecordSet",
    "SourceFile",
    "builtin_profiles",
    "load_profile",
    "read_records",
    "read_records_sql",
]
