"""Apply a profile to raw export rows: the canonical ``events`` and ``cases`` frames.

The work is columnar: value maps are ``replace_strict``, state changes are a shift within
case-sorted rows, case fields one ``group_by``. Every check that can fail runs on the rows in
file order first, so the error names the *first* bad row of the first file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from svcstd.errors import Problem, SvcstdError
from svcstd.records.profile import (
    ActivitySource,
    CanonicalSource,
    ChangeSource,
    FieldMap,
    FirstSource,
    Profile,
    StatusSource,
    Target,
    TimestampSource,
    load_profile,
)
from svcstd.records.readers import ROW, RawTable, read_table, require
from svcstd.records.schema import (
    CASE_FIELDS,
    EVENT_COLUMNS,
    OPTIONAL_EVENT_FIELDS,
    UTC_US,
    RecordSet,
)
from svcstd.records.timestamps import TimestampProblem, choose_formats, to_utc

FILE = "__file"
#: Optional raw column naming a row's key (``id=17``), shown in errors after the row number.
KEY = "__key"
RANK = "__rank"
EMIT = "__emit"
CASE = "case_id"


def read_records(paths: str | Path | Sequence[str | Path], profile: str | Path | Profile) -> RecordSet:
    """Read one or more export files with a profile into canonical events and cases.

    ``profile`` is a built-in name (``svcstd``, ``servicenow``, ``helpdesk``), a YAML path, or a
    loaded :class:`~svcstd.records.profile.Profile`. Raises
    :class:`~svcstd.errors.SvcstdError` naming file, row and column for any input problem.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    files, shown = check_paths(paths, prof)
    tables = [read_table(f, name, prof, require(name, prof)) for f, name in zip(files, shown, strict=True)]
    return records_from_tables(tables, prof)


def check_paths(
    paths: str | Path | Sequence[str | Path], prof: Profile
) -> tuple[list[Path], list[str]]:
    """The export files as paths and as the user wrote them; none given or one twice is an error."""
    if isinstance(paths, str | Path):
        paths = [paths]
    paths = [f for p in paths for f in expand_folder(p)]
    shown = [str(p) for p in paths]
    if not shown:
        raise SvcstdError(Problem(prof.profile, "no export files given"))
    seen: set[Path] = set()
    for path, name in zip(paths, shown, strict=True):
        real = Path(path).resolve()
        if real in seen:
            raise SvcstdError(Problem(name, "the same file is given twice"))
        seen.add(real)
    return [Path(p) for p in paths], shown


def expand_folder(path: str | Path) -> list[str | Path]:
    """A folder stands for the Parquet files under it (``*.parquet``, sub-folders included, as
    a partitioned dataset is laid out), in path order; anything else for itself."""
    folder = Path(path)
    if not folder.is_dir():
        return [path]
    found = sorted(f for f in folder.rglob("*.parquet") if f.is_file())
    if not found:
        raise SvcstdError(Problem(str(path), "is a folder with no Parquet files (*.parquet) in it"))
    return [str(folder / f.relative_to(folder)) for f in found]


def records_from_tables(tables: Sequence[RawTable], profile: Profile) -> RecordSet:
    """Map raw tables (from files, or from a database: :mod:`svcstd.records.sql`) with a profile.

    A table's frame may carry ``__key`` (text such as ``id=17``): errors about a row then name
    it after the row number.
    """
    return map_tables(tables, profile)[0]


def map_tables(
    tables: Sequence[RawTable], profile: Profile
) -> tuple[RecordSet, tuple[str, ...] | None]:
    """:func:`records_from_tables`, plus the timestamp formats the mapping chose (the parts of
    a split export must all choose the same)."""
    frames = [t.frame.with_columns(pl.lit(i, pl.Int64).alias(FILE)) for i, t in enumerate(tables)]
    raw = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    sources = tuple(t.source for t in tables)
    mapper = _Mapper(raw, [s.path for s in sources], profile)
    return mapper.run(sources), mapper.formats


class _Mapper:
    def __init__(self, raw: pl.DataFrame, files: list[str], profile: Profile) -> None:
        self.raw = raw
        self.files = files
        self.p = profile
        self.formats: tuple[str, ...] | None = None

    # -- errors -------------------------------------------------------------------------------

    def fail_at(self, position: int, column: str | None, message: str) -> SvcstdError:
        row = self.raw.row(position, named=True)
        where = f"row {row[ROW]}" + (f" ({row[KEY]})" if row.get(KEY) else "")
        where += f", column {column!r}" if column else ""
        error = SvcstdError(Problem(self.files[row[FILE]], f"{where}: {message}"))
        error.order = (row[FILE], row[ROW])  # a split export reports its earliest bad row
        return error

    def first_true(self, mask: pl.Series) -> int | None:
        mask = mask.fill_null(False)
        return int(mask.arg_true()[0]) if mask.any() else None

    # -- steps --------------------------------------------------------------------------------

    def run(self, sources: tuple) -> RecordSet:  # type: ignore[type-arg]
        self.case_ids()
        self.timestamps()
        self.maps()
        self.required_times()
        self.sort()
        events = self.events()
        cases, derived = self.cases(events)
        lacks = {f"cases.{f}" for f in CASE_FIELDS if f not in self.p.case_fields()}
        if "cases.opened_at" in lacks:
            lacks.discard("cases.opened_at")
            derived["cases.opened_at"] = "the case's first event"
        for name, fm in self.p.case_fields().items():
            if fm.value is not None:
                derived[f"cases.{name}"] = f"the profile states {fm.value!r} for every case"
        for name in OPTIONAL_EVENT_FIELDS:
            if not any(self.fills(src, name) for src in self.p.events):
                lacks.add(f"events.{name}")
        return RecordSet(
            events=events,
            cases=cases,
            profile=self.p.profile,
            files=sources,
            lacks=frozenset(lacks),
            derived=derived,
            event_ids=frozenset(self.p.event_ids()),
            state_ids=frozenset(self.p.state_ids()),
        )

    @staticmethod
    def fills(src: object, name: str) -> bool:
        if isinstance(src, CanonicalSource):
            return True
        if isinstance(src, ChangeSource) and src.sets == name:
            return True
        return getattr(src, name, None) is not None

    def case_ids(self) -> None:
        col = self.p.case_id
        self.raw = self.raw.with_columns(pl.col(col).cast(pl.Utf8).str.strip_chars().alias(CASE))
        pos = self.first_true(self.raw[CASE].is_null() | (self.raw[CASE] == ""))
        if pos is not None:
            raise self.fail_at(pos, col, "empty case id")

    def timestamps(self) -> None:
        cols = self.p.timestamp_columns()
        text = {c: self.raw[c] for c in cols if self.raw[c].dtype == pl.Utf8}
        try:
            formats, described = choose_formats(text, self.p.timestamps)
            self.formats = formats
            parsed = [
                to_utc(self.raw[c], c, formats, described, self.p.timestamps).alias(f"__t:{c}")
                for c in cols
            ]
        except TimestampProblem as exc:
            raise self.fail_at(exc.position, exc.column, exc.message) from None
        self.raw = self.raw.with_columns(parsed)

    def _map(self, column: str, values: dict[str, object], unknown: str, what: str) -> pl.Series:
        """Check a column against a value map's keys; unknown values fail unless ignored."""
        col = self.raw[column].cast(pl.Utf8)
        if unknown == "error":
            pos = self.first_true(col.is_not_null() & ~col.is_in(list(values)))
            if pos is not None:
                known = ", ".join(repr(k) for k in list(values)[:12])
                more = " …" if len(values) > 12 else ""
                raise self.fail_at(
                    pos,
                    column,
                    f"unknown {what} {col[pos]!r} (the profile maps {known}{more}; "
                    "add it, or set unknown: ignore)",
                )
        return col

    def maps(self) -> None:
        new: list[pl.Series] = []
        # case fields and attributes may share a name (category and attr_category): own prefixes
        named = [(f"__c:{n}", n, fm) for n, fm in self.p.case_fields().items()]
        named += [(f"__a:{n}", n, fm) for n, fm in self.p.attributes.items()]
        for internal, name, fm in named:
            if name == "opened_at" and fm.column in self.p.timestamp_columns():
                continue
            if fm.column is None:  # a constant the profile asserts for every case
                new.append(pl.repeat(fm.value, self.raw.height, dtype=pl.Utf8, eager=True).alias(internal))
                continue
            col = self.raw[fm.column].cast(pl.Utf8)
            if fm.values is not None:
                col = self._map(fm.column, fm.values, fm.unknown, f"{name} value")
                keys, vals = list(fm.values), list(fm.values.values())
                col = col.replace_strict(keys, vals, default=None, return_dtype=pl.Utf8)
            new.append(col.alias(internal))
        for i, src in enumerate(self.p.events):
            if isinstance(src, ActivitySource | StatusSource):
                what = "activity" if isinstance(src, ActivitySource) else "status"
                col = self._map(src.column, src.values, src.unknown, what)
                keys = list(src.values)
                targets: list[Target | None] = list(src.values.values())
                for part in ("event", "state"):
                    vals = [getattr(t, part) if t else None for t in targets]
                    mapped = col.replace_strict(keys, vals, default=None, return_dtype=pl.Utf8)
                    new.append(mapped.alias(f"__m{i}:{part}"))
        if new:
            self.raw = self.raw.with_columns(new)

    def required_times(self) -> None:
        """A row that emits an event must say when."""
        for i, src in enumerate(self.p.events):
            if isinstance(src, ActivitySource | StatusSource):
                emits = self.raw[f"__m{i}:event"].is_not_null() | self.raw[f"__m{i}:state"].is_not_null()
                at = src.at
            elif isinstance(src, ChangeSource):
                emits, at = self.raw[src.column].is_not_null(), src.at
            elif isinstance(src, FirstSource):
                emits, at = pl.Series([True] * self.raw.height), src.at
            elif isinstance(src, CanonicalSource):
                at = "at"
                emits = pl.Series([True] * self.raw.height)
                none = self.raw["event"].is_null() & self.raw["state"].is_null()
                pos = self.first_true(none)
                if pos is not None:
                    raise self.fail_at(pos, None, "neither event nor state is given")
            else:
                continue
            pos = self.first_true(emits & self.raw[f"__t:{at}"].is_null())
            if pos is not None:
                raise self.fail_at(pos, at, "no timestamp for an event")

    def columns(self, names: Sequence[str]) -> pl.DataFrame:
        """Some columns of the raw frame, as a frame of their own.

        Not ``raw.select``: once the raw frame holds columns added whole (parsed timestamps)
        beside ones read in chunks, a frame-level select first re-chunks every column of it.
        """
        return pl.DataFrame([self.raw.get_column(c) for c in names])

    def sort(self) -> None:
        keys: list[pl.Expr] = [pl.col(CASE)]
        keyed: list[str] = []
        for key in self.p.order:
            if key.as_ == "timestamp":
                keys.append(pl.col(f"__t:{key.column}"))
                keyed.append(f"__t:{key.column}")
            elif key.as_ == "integer":
                text = self.raw[key.column].cast(pl.Utf8).str.strip_chars()
                num = text.cast(pl.Int64, strict=False)
                pos = self.first_true(text.is_not_null() & num.is_null())
                if pos is not None:
                    raise self.fail_at(pos, key.column, f"{text[pos]!r} is not an integer (order column)")
                self.raw = self.raw.with_columns(num.alias(f"__o:{key.column}"))
                keys.append(pl.col(f"__o:{key.column}"))
                keyed.append(f"__o:{key.column}")
            else:
                keys.append(pl.col(key.column).cast(pl.Utf8))
                keyed.append(key.column)
        keys += [pl.col(FILE), pl.col(ROW)]
        # Sort only the keys, then gather just the columns events read, never the whole (wide)
        # export; an export already in order (as svcstd writes them) is not copied at all.
        names = {*keyed, CASE, FILE, ROW}
        order = self.columns([c for c in self.raw.columns if c in names]).select(
            pl.arg_sort_by(keys, nulls_last=True, maintain_order=True)
        )
        self.order = order.to_series()
        self.in_order = bool((self.order == pl.int_range(self.raw.height, eager=True)).all())
        needed = self.event_columns()
        s = self.columns([c for c in self.raw.columns if c in needed])
        s = s if self.in_order else s.rechunk().gather(self.order)  # (gathers faster in one piece)
        self.s = s.with_row_index(RANK).with_columns(pl.col(RANK).cast(pl.Int64))

    def event_columns(self) -> set[str]:
        """The columns :meth:`events` reads."""
        cols = {CASE, FILE, ROW}
        for i, src in enumerate(self.p.events):
            cols.update(c for c in (getattr(src, n, None) for n in OPTIONAL_EVENT_FIELDS) if c)
            if isinstance(src, ActivitySource | StatusSource):
                cols.update({f"__m{i}:event", f"__m{i}:state", f"__t:{src.at}"})
            elif isinstance(src, ChangeSource):
                cols.update({src.column, f"__t:{src.at}"})
            elif isinstance(src, TimestampSource):
                cols.add(f"__t:{src.column}")
            elif isinstance(src, FirstSource):
                cols.add(f"__t:{src.at}")
            elif isinstance(src, CanonicalSource):
                cols.update({"event", "state", "__t:at", *OPTIONAL_EVENT_FIELDS})
        return cols

    # -- events -------------------------------------------------------------------------------

    def _event_frame(
        self, rows: pl.DataFrame, i: int, at: str, event: pl.Expr, state: pl.Expr, src: object,
        sets: tuple[str, str] | None = None,
    ) -> pl.DataFrame:
        cols: dict[str, pl.Expr] = {}
        for name in OPTIONAL_EVENT_FIELDS:
            source_col = getattr(src, name, None)
            if isinstance(src, CanonicalSource):
                source_col = name
            cols[name] = pl.col(source_col).cast(pl.Utf8) if source_col else pl.lit(None, pl.Utf8)
        if sets is not None:
            cols[sets[0]] = pl.col(sets[1]).cast(pl.Utf8)
        return rows.select(
            pl.col(CASE),
            pl.col(f"__t:{at}").alias("at"),
            event.cast(pl.Utf8).alias("event"),
            state.cast(pl.Utf8).alias("state"),
            *(expr.alias(name) for name, expr in cols.items()),
            pl.col(FILE),
            pl.col(ROW).alias("source_row"),
            pl.col(RANK),
            pl.lit(i, pl.Int64).alias(EMIT),
        )

    def events(self) -> pl.DataFrame:
        s = self.s
        same_case = pl.col(CASE) == pl.col(CASE).shift(1)
        pieces: list[pl.DataFrame] = []
        none = pl.lit(None, pl.Utf8)
        for i, src in enumerate(self.p.events):
            if isinstance(src, ActivitySource):
                ev, st = pl.col(f"__m{i}:event"), pl.col(f"__m{i}:state")
                rows = s.filter(ev.is_not_null() | st.is_not_null())
                pieces.append(self._event_frame(rows, i, src.at, ev, st, src))
            elif isinstance(src, StatusSource):
                ev, st = pl.col(f"__m{i}:event"), pl.col(f"__m{i}:state")
                key = pl.concat_str([st, ev], separator="|", ignore_nulls=True)
                rows = s.filter(ev.is_not_null() | st.is_not_null())
                changed = ~same_case | (key != key.shift(1))
                rows = rows.filter(changed.fill_null(True))
                pieces.append(self._event_frame(rows, i, src.at, ev, st, src))
            elif isinstance(src, ChangeSource):
                val = pl.col(src.column).cast(pl.Utf8)
                rows = s.filter(val.is_not_null()).with_columns(
                    pl.when(~same_case.fill_null(False))
                    .then(pl.lit(src.first, pl.Utf8))
                    .when(val != val.shift(1))
                    .then(pl.lit(src.event, pl.Utf8))
                    .otherwise(None)
                    .alias("__ev")
                )
                rows = rows.filter(pl.col("__ev").is_not_null())
                sets = (src.sets, src.column) if src.sets else None
                pieces.append(self._event_frame(rows, i, src.at, pl.col("__ev"), none, src, sets))
            elif isinstance(src, TimestampSource):
                t = f"__t:{src.column}"
                rows = s.filter(pl.col(t).is_not_null())
                if src.take == "each":
                    rows = rows.unique(subset=[CASE, t], keep="first", maintain_order=True)
                else:
                    rows = rows.unique(subset=[CASE], keep=src.take, maintain_order=True)
                pieces.append(
                    self._event_frame(rows, i, src.column, pl.lit(src.event), pl.lit(src.state), src)
                )
            elif isinstance(src, FirstSource):
                rows = s.unique(subset=[CASE], keep="first", maintain_order=True)
                pieces.append(
                    self._event_frame(rows, i, src.at, pl.lit(src.event), pl.lit(src.state), src)
                )
            elif isinstance(src, CanonicalSource):
                pieces.append(self._event_frame(s, i, "at", pl.col("event"), pl.col("state"), src))
        events = pl.concat(pieces, how="vertical")
        files = pl.Enum(self.files)
        events = events.sort([CASE, "at", RANK, EMIT], maintain_order=True)
        return events.select(
            pl.col(CASE),
            pl.col("at").cast(UTC_US),
            "event",
            "state",
            *OPTIONAL_EVENT_FIELDS,
            pl.col(FILE).replace_strict(list(range(len(self.files))), self.files, return_dtype=files)
            .alias("source_file"),
            pl.col("source_row").cast(pl.Int64),
            pl.int_range(pl.len(), dtype=pl.Int64).over(CASE).alias("seq"),
        ).select(EVENT_COLUMNS)

    # -- cases --------------------------------------------------------------------------------

    def case_sources(self) -> list[tuple[str, FieldMap | None, str]]:
        """(column, field map, output name) per case field and attribute read from the export."""
        out: list[tuple[str, FieldMap | None, str]] = []
        fields = self.p.case_fields()
        for name in CASE_FIELDS:
            fm = fields.get(name)
            if fm is None or fm.column is None:
                continue
            out.append((f"__t:{fm.column}" if name == "opened_at" else f"__c:{name}", fm, name))
        for name, fm in self.p.attributes.items():
            if fm.column is not None:
                out.append((f"__a:{name}", fm, f"attr_{name}"))
        prefix = self.p.attribute_prefix
        if prefix:
            known = set(self.p.columns())
            for col in self.raw.columns:
                if col.startswith(prefix) and col not in known:
                    out.append((col, None, f"attr_{col[len(prefix):]}"))
        return out

    def cases(self, events: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
        sources = self.case_sources()
        fields = self.p.case_fields()
        # A value the profile states for every case is the same on every row.
        stated = [
            pl.lit(fm.value, pl.Utf8).alias(name)
            for name, fm in fields.items()
            if fm.column is None and name != "opened_at"
        ]
        stated += [
            pl.lit(fm.value, pl.Utf8).alias(f"attr_{name}")
            for name, fm in self.p.attributes.items()
            if fm.column is None
        ]
        ids = self.s.select(pl.col(CASE).unique(maintain_order=True))
        if sources:
            # Aggregate only the rows that carry some case value, in the sorted order, so the
            # first / last value of each case is the one the whole sorted export gives.
            cols = [c for c, _, _ in sources]
            carries = self.raw[cols[0]].is_not_null()
            for col in cols[1:]:  # (pl.any_horizontal over many columns is far slower)
                carries |= self.raw[col].is_not_null()
            found = pl.DataFrame([self.raw.get_column(c).filter(carries) for c in [CASE, *cols]])
            if not self.in_order:
                within = carries.cast(pl.UInt32).cum_sum() - 1  # a carrying row's place in found
                found = found.rechunk().gather(
                    within.gather(self.order.filter(carries.gather(self.order)))
                )

            def take(col: str, fm: FieldMap | None, name: str) -> pl.Expr:
                nonnull = pl.col(col).drop_nulls()
                how = fm.take if fm is not None else "last"
                expr = (nonnull.first() if how == "first" else nonnull.last()).alias(name)
                return expr if fm is not None else expr.cast(pl.Utf8)

            aggs = [take(c, fm, name) for c, fm, name in sources]
            values = found.group_by(CASE, maintain_order=True).agg(aggs)
            cases = ids.join(values, on=CASE, how="left", maintain_order="left")
        else:
            cases = ids
        if stated:
            cases = cases.with_columns(stated)
        derived: dict[str, str] = {}
        if "opened_at" not in fields:
            first = events.group_by(CASE).agg(pl.col("at").min().alias("opened_at"))
            cases = cases.join(first, on=CASE, how="left", maintain_order="left")
        out: list[pl.Expr] = [pl.col(CASE)]
        for name in CASE_FIELDS:
            dtype = UTC_US if name == "opened_at" else pl.Utf8
            out.append(
                pl.col(name).cast(dtype) if name in cases.columns else pl.lit(None, dtype).alias(name)
            )
        attrs = sorted(c for c in cases.columns if c.startswith("attr_"))
        out += [pl.col(c).cast(pl.Utf8) for c in attrs]
        return cases.select(out).sort(CASE, maintain_order=True), derived
