"""A streaming reader of XES (IEEE 1849 eXtensible Event Stream) event logs.

Parsed with :func:`xml.etree.ElementTree.iterparse`, one trace at a time, so memory holds the
columns being built and never the whole XML tree. (pm4py reads XES too, but it is AGPL-3.0 and
must not become a dependency of svcstd.)

The log is flattened the way process-mining tools do it: one row per ``<event>``; each event
attribute becomes a column named by its key (``concept:name``, ``time:timestamp``,
``org:resource`` …) and each trace attribute a column ``case:<key>`` (``case:concept:name`` is
the case id). Values are kept as text; ``<date>`` values are ISO 8601 and read by a profile with
``timestamps: {formats: iso}``. Nested attributes (lists, containers) and ``<global>`` defaults
are not read.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, iterparse

import polars as pl

from svcstd.errors import Problem, SvcstdError
from svcstd.records.textfile import GZIP_MAGIC

ROW = "__row"
_ATTRIBUTES = {"string", "date", "int", "float", "boolean", "id"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Columns:
    """Columns built row by row; a key first seen late is back-filled with nulls."""

    def __init__(self) -> None:
        self.data: dict[str, list[str | None]] = {}
        self.rows = 0

    def add(self, row: dict[str, str]) -> None:
        for key in row.keys() - self.data.keys():
            self.data[key] = [None] * self.rows
        for key, values in self.data.items():
            values.append(row.get(key))
        self.rows += 1


def _attrs(elem: Element) -> dict[str, str]:
    """Top-level typed attributes of a trace or event element."""
    out: dict[str, str] = {}
    for child in elem:
        if _local(child.tag) in _ATTRIBUTES:
            key = child.get("key")
            value = child.get("value")
            if key is not None and value is not None:
                out[key] = value
    return out


def _open(path: Path) -> BinaryIO:
    raw = path.open("rb")
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def read_xes(path: Path, shown: str, select: Any) -> pl.DataFrame:
    """Flatten an XES log into a text frame of the columns ``select`` picks, plus ``__row``."""
    if path.stat().st_size == 0:
        raise SvcstdError(Problem(shown, "the file is empty (no header, no rows)"))
    cols = _Columns()
    depth = 0  # element depth: the log is 1, a trace 2, an event 3
    in_global = False
    trace_events: list[dict[str, str]] = []
    stream = _open(path)
    try:
        with stream:
            for kind, elem in iterparse(stream, events=("start", "end")):
                tag = _local(elem.tag)
                if kind == "start":
                    depth += 1
                    if depth == 1 and tag != "log":
                        raise SvcstdError(Problem(shown, f"not an XES log: the root element is <{tag}>", 1))
                    if depth == 2 and tag == "global":
                        in_global = True
                    continue
                depth -= 1
                if in_global:
                    if depth == 1:
                        in_global = False
                        elem.clear()
                    continue
                if tag == "event" and depth == 2:
                    trace_events.append(_attrs(elem))
                    elem.clear()  # keep the parsed trace small: its events are read already
                elif tag == "trace" and depth == 1:
                    case = {f"case:{k}": v for k, v in _attrs(elem).items()}
                    for event in trace_events:
                        cols.add({**case, **event})
                    trace_events = []
                    elem.clear()
    except ParseError as exc:
        line, col = exc.position
        msg = str(exc).split(":", 1)[0]
        raise SvcstdError(Problem(shown, f"malformed XML: {msg}", line, col + 1)) from None
    except EOFError:
        raise SvcstdError(
            Problem(shown, "truncated gzip file: the compressed data ends early (incomplete download?)")
        ) from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise SvcstdError(Problem(shown, f"corrupt gzip data: {exc}")) from None
    if cols.rows == 0:
        raise SvcstdError(Problem(shown, "the log has no events"))
    header = sorted(cols.data)
    chosen = select(header)
    frame = pl.DataFrame(
        [pl.Series(ROW, range(1, cols.rows + 1), dtype=pl.Int64)]
        + [pl.Series(name, cols.data[name], dtype=pl.Utf8) for name in chosen]
    )
    return frame
