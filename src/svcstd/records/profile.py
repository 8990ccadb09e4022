"""Profiles: YAML files that map one export format onto the canonical record model.

A new export format needs a profile, not code. A profile names the file format and encoding,
the null markers, how timestamps are written and in which time zone naive ones were recorded,
the case id and row-order columns, the case-level fields (with value maps), and the *event
sources* that turn rows into canonical events:

``activity``
    one event per row from an activity column (``Activity`` + ``Complete Timestamp``);
``status``
    status snapshots: when a column's mapped value *changes* between consecutive rows of a case,
    the case entered a new state (ServiceNow ``incident_state`` + ``sys_updated_at``);
``change``
    a change of a column's value (``assignment_group``, ``Resource``, ``priority``) becomes an
    event such as ``handed_over`` or ``priority_changed``;
``timestamp``
    a case-level timestamp column becomes an event (``opened_at`` → ``created``);
``first``
    an event at the first row of every case (a log whose first activity implies registration);
``canonical``
    the row already is a canonical event (svcstd's own export format).

Profiles are validated strictly (unknown keys are errors with a did-you-mean, located as
``file:line:col``) by :func:`svcstd.spec.loader.validate_file`. ``site/profiles.md`` is the
user's reference; the built-in profiles live in ``svcstd/records/profiles/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator, model_validator

from svcstd.errors import Problem, SvcstdError
from svcstd.spec.loader import validate_file
from svcstd.spec.model import LOC_KEY, Node, Slug

#: Formats a profile may name; ``auto`` decides by the file name's extension.
Format = Literal["auto", "csv", "jsonl", "parquet", "xlsx", "xes"]
#: Text encodings of CSV and JSONL exports. ``auto`` tries UTF-8 (with or without BOM), then
#: GB18030 (a superset of GBK, which Chinese exports often use) and records which one fitted.
Encoding = Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"]
Unknown = Literal["error", "ignore"]
Take = Literal["first", "last"]

#: Extensions that ``format: auto`` recognises (a trailing ``.gz`` is looked through).
EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xes": "xes",
}


def _plain_map(value: Any) -> Any:
    """Drop the loader's location entry from a free-form mapping (a value map)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != LOC_KEY}
    return value


Column = Annotated[str, Field(min_length=1)]


class Timestamps(Node):
    """How the export writes instants, and the zone of naive ones."""

    formats: list[str] | None = Field(
        default=None,
        description="strftime-style formats tried in order ('%d/%m/%Y %H:%M'), or 'iso'. "
        "Absent: ISO 8601, day-first and month-first are tried, and a file whose values fit "
        "both day-first and month-first is refused as ambiguous.",
    )
    timezone: str | None = Field(
        default=None,
        description="IANA zone of naive timestamps. Without it a naive timestamp is an error.",
    )
    ambiguous: Literal["earliest", "latest", "error"] = Field(
        default="error",
        description="A naive time the zone's DST fall-back makes occur twice: which to take.",
    )

    @field_validator("formats", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("formats")
    @classmethod
    def _formats(cls, value: list[str] | None) -> list[str] | None:
        for fmt in value or []:
            if fmt != "iso" and "%" not in fmt:
                raise ValueError(f"{fmt!r} is not a strftime format (e.g. '%d/%m/%Y %H:%M') or 'iso'")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value


class OrderKey(Node):
    """A column that orders a case's rows, read as an integer, a timestamp or text."""

    column: Column
    as_: Literal["integer", "timestamp", "text"] = Field(alias="as")


class FieldMap(Node):
    """A case-level field: which column, optional value map, and which row's value to keep.

    ``value:`` instead of ``column:`` states one canonical value for every case — a fact about
    the export the profile asserts (every ServiceNow *incident* is a fault report). Reports
    show it as an assumption of the profile.
    """

    column: Column | None = None
    value: str | None = Field(default=None, description="One value for every case, instead of a column")
    values: Annotated[dict[str, str | None] | None, BeforeValidator(_plain_map)] = Field(
        default=None,
        description="Export value → canonical value; a value mapped to null is known but empty. "
        "Without a map values are copied unchanged.",
    )
    unknown: Unknown = Field(default="error", description="A value the map does not list")
    take: Take = Field(default="last", description="Which non-empty value of the case's rows")

    @model_validator(mode="after")
    def _column_or_value(self) -> FieldMap:
        if (self.column is None) == (self.value is None):
            raise ValueError("a case field names either 'column' or 'value'")
        if self.value is not None and self.values is not None:
            raise ValueError("'values' maps a column's values; a constant 'value' needs none")
        return self


class Target(Node):
    """What one export value means: a canonical event, a state entered, or both."""

    event: Slug | None = None
    state: Slug | None = None

    @model_validator(mode="after")
    def _something(self) -> Target:
        if self.event is None and self.state is None:
            raise ValueError("give an event, a state or both (map the value to null to ignore it)")
        return self


class _Source(Node):
    """Columns copied onto every event a source emits."""

    actor: Column | None = Field(default=None, description="Column copied to events.actor")
    group: Column | None = Field(default=None, description="Column copied to events.group")
    role: Column | None = Field(default=None, description="Column copied to events.role")

    def columns(self) -> list[str]:
        return [c for c in (self.actor, self.group, self.role) if c]


def _targets(default: str) -> Any:
    """A value map whose plain-string values mean an event (activity) or a state (status)."""

    def convert(value: Any) -> Any:
        value = _plain_map(value)
        if isinstance(value, dict):
            return {k: {default: v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    return BeforeValidator(convert)


class ActivitySource(_Source):
    """One event per row, from an activity column mapped to canonical events and states."""

    kind: Literal["activity"]
    column: Column
    at: Column
    values: Annotated[dict[str, Target | None], _targets("event")]
    unknown: Unknown = "error"

    def columns(self) -> list[str]:
        return [self.column, self.at, *super().columns()]


class StatusSource(_Source):
    """Status snapshots: a change of the mapped state between a case's rows is a state entry."""

    kind: Literal["status"]
    column: Column
    at: Column
    values: Annotated[dict[str, Target | None], _targets("state")]
    unknown: Unknown = "error"

    def columns(self) -> list[str]:
        return [self.column, self.at, *super().columns()]


class ChangeSource(_Source):
    """A change of a column's value between a case's rows (empty values are looked through)."""

    kind: Literal["change"]
    column: Column
    at: Column
    event: Slug = Field(description="Emitted when the value changes from one value to another")
    first: Slug | None = Field(default=None, description="Emitted when the first value appears")
    sets: Literal["actor", "group", "role"] | None = Field(
        default=None, description="Write the new value into this event column"
    )

    def columns(self) -> list[str]:
        return [self.column, self.at, *super().columns()]


class TimestampSource(_Source):
    """A case-level timestamp column that becomes an event (``resolved_at`` → resolved)."""

    kind: Literal["timestamp"]
    column: Column
    event: Slug | None = None
    state: Slug | None = None
    take: Literal["first", "last", "each"] = Field(
        default="last", description="first / last non-empty value of the case, or each distinct one"
    )

    @model_validator(mode="after")
    def _something(self) -> TimestampSource:
        if self.event is None and self.state is None:
            raise ValueError("a timestamp source needs an event, a state or both")
        return self

    def columns(self) -> list[str]:
        return [self.column, *super().columns()]


class FirstSource(_Source):
    """An event at the first row of every case: for logs whose first activity implies intake."""

    kind: Literal["first"]
    at: Column
    event: Slug | None = None
    state: Slug | None = None

    @model_validator(mode="after")
    def _something(self) -> FirstSource:
        if self.event is None and self.state is None:
            raise ValueError("a first source needs an event, a state or both")
        return self

    def columns(self) -> list[str]:
        return [self.at, *super().columns()]


class CanonicalSource(Node):
    """Rows that already are canonical events: columns ``at, event, state, actor, group, role``."""

    kind: Literal["canonical"]

    def columns(self) -> list[str]:
        return ["at", "event", "state", "actor", "group", "role"]


EventSource = Annotated[
    ActivitySource | StatusSource | ChangeSource | TimestampSource | FirstSource | CanonicalSource,
    Field(discriminator="kind"),
]


class CaseFields(Node):
    """The canonical case-level fields; a field left out is one the export lacks."""

    channel: FieldMap | None = None
    category: FieldMap | None = None
    priority: FieldMap | None = None
    tier: FieldMap | None = None
    customer: FieldMap | None = None
    opened_at: FieldMap | None = None


class Profile(Node):
    """A mapping from one export format onto svcstd's canonical events and cases."""

    profile: Slug = Field(description="The profile's id, e.g. 'servicenow'")
    title: str = Field(min_length=3)
    description: str | None = None
    format: Format = "auto"
    encoding: Encoding = "auto"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    null_values: list[str] = Field(default=[], description="Cell values that mean 'no value'")
    sheet: str | None = Field(default=None, description="XLSX: the sheet to read (default: first)")
    timestamps: Timestamps = Timestamps()
    case_id: Column
    order: list[OrderKey] = Field(
        default=[], description="Columns that order a case's rows; file order breaks ties"
    )
    case: CaseFields = CaseFields()
    attributes: dict[str, FieldMap] = Field(
        default={}, description="Free case attributes, written to cases.attr_<name>"
    )
    attribute_prefix: str | None = Field(
        default=None,
        description="Every column starting with this prefix is a case attribute (svcstd format)",
    )
    events: list[EventSource] = Field(min_length=1)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attrs(cls, value: Any) -> Any:
        return _plain_map(value)

    @field_validator("attributes")
    @classmethod
    def _attr_names(cls, value: dict[str, FieldMap]) -> dict[str, FieldMap]:
        for name in value:
            if not name.replace("_", "").isalnum() or not name[:1].isalpha():
                raise ValueError(f"attribute name {name!r} must be letters, digits and '_'")
        return value

    # ---------------------------------------------------------------------------------------

    def case_fields(self) -> dict[str, FieldMap]:
        """The mapped canonical case fields, by canonical name."""
        return {
            name: fm
            for name in ("channel", "category", "priority", "tier", "customer", "opened_at")
            if (fm := getattr(self.case, name)) is not None
        }

    def timestamp_columns(self) -> list[str]:
        """Columns read as instants: event times, case timestamps, timestamp order keys."""
        cols: list[str] = []
        for src in self.events:
            if isinstance(src, ActivitySource | StatusSource | ChangeSource | FirstSource):
                cols.append(src.at)
            elif isinstance(src, TimestampSource):
                cols.append(src.column)
            elif isinstance(src, CanonicalSource):
                cols.append("at")
        if self.case.opened_at is not None and self.case.opened_at.column:
            cols.append(self.case.opened_at.column)
        cols += [k.column for k in self.order if k.as_ == "timestamp"]
        return list(dict.fromkeys(cols))

    def columns(self) -> list[str]:
        """Every export column the profile reads (all are required)."""
        cols = [self.case_id, *(k.column for k in self.order)]
        cols += [fm.column for fm in self.case_fields().values() if fm.column]
        cols += [fm.column for fm in self.attributes.values() if fm.column]
        for src in self.events:
            cols += src.columns()
        return list(dict.fromkeys(cols))

    def event_ids(self) -> set[str]:
        """Every canonical event id this profile can emit (pass-through sources excluded)."""
        out: set[str] = set()
        for src in self.events:
            if isinstance(src, ActivitySource | StatusSource):
                out |= {t.event for t in src.values.values() if t and t.event}
            elif isinstance(src, ChangeSource):
                out |= {e for e in (src.event, src.first) if e}
            elif isinstance(src, TimestampSource | FirstSource) and src.event:
                out.add(src.event)
        return out

    def state_ids(self) -> set[str]:
        """Every canonical state id this profile can emit (pass-through sources excluded)."""
        out: set[str] = set()
        for src in self.events:
            if isinstance(src, ActivitySource | StatusSource):
                out |= {t.state for t in src.values.values() if t and t.state}
            elif isinstance(src, TimestampSource | FirstSource) and src.state:
                out.add(src.state)
        return out

    def is_canonical(self) -> bool:
        """Whether events are copied from canonical columns (their ids are the export's)."""
        return any(isinstance(s, CanonicalSource) for s in self.events)


# --------------------------------------------------------------------------------------------
# Finding profiles


def _builtin_dir() -> Any:
    return resources.files("svcstd.records") / "profiles"


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with svcstd (``svcstd``, ``servicenow``, ``helpdesk`` …)."""
    return sorted(
        p.name.removesuffix(".yaml") for p in _builtin_dir().iterdir() if p.name.endswith(".yaml")
    )


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a profile YAML file by path.

    A name without a path separator or ``.yaml``/``.yml`` suffix is looked up among the built-in
    profiles first. Errors (unknown profile, invalid YAML, unknown keys, bad values) raise
    :class:`~svcstd.errors.SvcstdError` with ``file:line:col``.
    """
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or any(
        (sep in text) for sep in ("/", "\\")
    ) or text.endswith((".yaml", ".yml"))
    if not looks_like_path:
        res = _builtin_dir() / f"{text}.yaml"
        if not res.is_file():
            known = ", ".join(builtin_profiles())
            raise SvcstdError(
                Problem(text, f"no built-in profile {text!r} (built-in: {known}; or give a YAML path)")
            )
        with resources.as_file(res) as path:
            return validate_file(path, Profile, display=f"<built-in profile {text}>")  # type: ignore[return-value]
    path = Path(name_or_path)
    if not path.is_file():
        raise SvcstdError(Problem(text, "no such profile file"))
    return validate_file(path, Profile, display=text)  # type: ignore[return-value]
