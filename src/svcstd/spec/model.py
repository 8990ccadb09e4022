"""The pydantic model of one handbook release.

A release is a folder of YAML files. Every file is a :class:`SpecFile` — a mapping whose keys
are the sections below, all optional — and exactly one file (``handbook.yaml``) carries the
``handbook:`` section with the release's metadata. The loader merges the files into one
:class:`Handbook`.

Vocabulary follows the service-desk engines (ServiceNow SLA definitions, Jira Service Management
goals, Zendesk policies): a *time limit* has start / stop / pause / resume / reset / cancel
conditions, a target in business or calendar time, and a warning threshold.

Every node remembers where it was written (:attr:`Node.loc`), so lint findings and load errors
name file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from svcstd.spec.duration import DurationField

# --------------------------------------------------------------------------------------------
# Locations and the base node


@dataclass(frozen=True, eq=False)
class Loc:
    """Where a mapping was written: file, 1-based line and column, and the line of each key."""

    file: str
    line: int
    col: int
    keys: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def of(self, key: str) -> Loc:
        """The location of one key of this mapping (the mapping's own when the key is absent)."""
        if key in self.keys:
            line, col = self.keys[key]
            return Loc(self.file, line, col)
        return self

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


LOC_KEY = "__loc__"


class Node(BaseModel):
    """Base of every spec object: frozen, strict about unknown keys, and located."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, arbitrary_types_allowed=True
    )

    loc: SkipJsonSchema[Loc | None] = Field(default=None, alias="__loc__", exclude=True, repr=False)

    def where(self, key: str | None = None) -> Loc | None:
        """Location of this node, or of one of its keys."""
        if self.loc is None:
            return None
        return self.loc.of(key) if key else self.loc


def _as_list(value: Any) -> Any:
    """Let YAML authors write a single item where a list is expected."""
    if value is None or isinstance(value, list):
        return value
    return [value]


def _listed(tp: Any, min_length: int = 0) -> Any:
    """``list[tp]`` that also accepts one bare ``tp`` (the JSON Schema says so too)."""
    return Annotated[Annotated[list[tp], Field(min_length=min_length)] | tp, AfterValidator(_as_list)]


# --------------------------------------------------------------------------------------------
# Identifiers

#: Ids of rules: a family prefix and a number, e.g. ``TL-001``, ``ESC-002``, ``KPI-010``.
RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-[0-9]{2,4}$")]
#: Ids of vocabulary (roles, channels, states, events, calendars, steps): lower-case slugs.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*([_-][a-z0-9]+)*$")]
#: Ids of source documents, e.g. ``D001``.
DocId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]
if TYPE_CHECKING:  # type checkers see the normalised list
    SlugList = list[Slug]
else:
    SlugList = _listed(Slug)
if TYPE_CHECKING:
    SlugList1 = list[Slug]
else:
    SlugList1 = _listed(Slug, 1)

Severity = Literal["error", "warning", "info"]
Status = Literal["draft", "active", "retired"]
Basis = Literal["handbook", "local-decision", "conflict-resolved"]
TimeBasis = Literal["business", "calendar"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# --------------------------------------------------------------------------------------------
# Provenance: where a rule comes from and which numbers are the organisation's own


class Source(Node):
    """A place in a source handbook: document id and section, optionally a verbatim quote."""

    document: DocId
    section: str = Field(min_length=1)
    quote: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        return f"{self.document} §{self.section}"


if TYPE_CHECKING:  # type checkers see the normalised list
    SourceList = list[Source]
else:
    SourceList = _listed(Source)


class Alternative(Node):
    """A value the handbooks also give, which the release did not adopt, and why."""

    value: str = Field(min_length=1)
    source: SourceList = []
    reason: str = Field(min_length=5)


class Decision(Node):
    """Why a number is what it is when the handbooks are silent, vague or contradict each other."""

    summary: str = Field(min_length=10)
    alternatives: list[Alternative] = []


class Item(Node):
    """Anything the handbook defines and cites: the common metadata of every rule and definition."""

    title: str = Field(min_length=3, max_length=120)
    title_zh: str | None = Field(default=None, description="The title in the handbook's language")
    statement: str | None = Field(default=None, description="The standard in plain words")
    source: SourceList = Field(default=[], description="Handbook document and section")
    rationale: str | None = None
    basis: Basis = Field(
        default="handbook",
        description="handbook: the number is the handbook's; local-decision: chosen where the "
        "handbook is vague or silent; conflict-resolved: chosen between contradicting sources",
    )
    decision: Decision | None = None
    status: Status = "active"
    since: str | None = None
    retired_in: str | None = None
    aliases: list[str] = []


class Rule(Item):
    """A checkable standard: has a rule id, an optional slug, and a severity."""

    id: RuleId
    slug: Slug | None = None
    severity: Severity = "error"


# --------------------------------------------------------------------------------------------
# Vocabulary: channels, categories, priorities, customer tiers, states, events


class Term(Item):
    """A value of a classification (channel, category, tier …) or of the record vocabulary."""

    id: Slug
    description: str | None = None
    # Values a record export may use for this term; profiles map onto ids, this helps docs.
    synonyms: list[str] = []


class Priority(Term):
    """A priority level; rank 1 is the most urgent."""

    rank: int = Field(ge=1)


Phase = Literal["new", "open", "pending", "resolved", "closed", "cancelled"]


class State(Term):
    """A case state of the life-cycle, with the phase that clocks and lint reason about."""

    phase: Phase
    next: SlugList = Field(default=[], description="States a case may move to from this one")


class EventType(Term):
    """A kind of record event (created, first_response, escalated, archived …)."""


# --------------------------------------------------------------------------------------------
# Calendars


_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class TimeRange(BaseModel):
    """Working time within one day, local wall-clock, ``HH:MM-HH:MM``; ``24:00`` ends a day."""

    model_config = ConfigDict(frozen=True)

    start: int  # seconds after local midnight
    end: int

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            m = _RANGE.match(value.strip())
            if not m:
                raise ValueError(f"invalid working hours {value!r}: write HH:MM-HH:MM, e.g. 09:00-12:00")
            h1, m1, h2, m2 = map(int, m.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
                raise ValueError(f"invalid time of day in {value!r}")
            start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
            if end <= start:
                raise ValueError(f"working hours {value!r} end before they start")
            return {"start": start, "end": end}
        return value

    @property
    def start_time(self) -> dt.time:
        return dt.time(self.start // 3600, self.start % 3600 // 60)

    def __str__(self) -> str:
        def hm(s: int) -> str:
            return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

        return f"{hm(self.start)}-{hm(self.end)}"

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$", "examples": ["09:00-12:00"]}


if TYPE_CHECKING:  # type checkers see the normalised list
    DayHours = list[TimeRange]
else:
    DayHours = _listed(TimeRange)


def _drop_loc(value: Any) -> Any:
    """Mappings used as plain dicts (not models) carry no location key."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != LOC_KEY}
    return value


class Holiday(Node):
    """A non-working date or inclusive range of dates."""

    name: str = Field(min_length=1)
    date: dt.date | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Holiday:
        if (self.date is None) == (self.from_ is None or self.to is None):
            raise ValueError("a holiday has either 'date' or both 'from' and 'to'")
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("a holiday range ends before it starts")
        return self

    @property
    def first(self) -> dt.date:
        return self.date or self.from_  # type: ignore[return-value]

    @property
    def last(self) -> dt.date:
        return self.date or self.to  # type: ignore[return-value]


class MakeupDay(Node):
    """A working day that would otherwise be a rest day (调休, e.g. a Saturday worked)."""

    date: dt.date
    name: str = Field(min_length=1)
    hours_of: Weekday = Field(default="mon", description="Whose weekly hours apply on this day")


class Calendar(Item):
    """Business hours: IANA time zone, weekly hours, holidays and make-up working days."""

    id: Slug
    timezone: str
    week: Annotated[dict[Weekday, DayHours], BeforeValidator(_drop_loc)] = Field(
        description="Working hours per weekday; absent = closed"
    )
    holidays: list[Holiday] = []
    workdays: list[MakeupDay] = Field(default=[], description="Make-up working days")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("week")
    @classmethod
    def _no_overlap(cls, week: dict[str, list[TimeRange]]) -> dict[str, list[TimeRange]]:
        for day, ranges in week.items():
            ordered = sorted(ranges, key=lambda r: r.start)
            for a, b in zip(ordered, ordered[1:], strict=False):
                if b.start < a.end:
                    raise ValueError(f"working hours on {day} overlap: {a} and {b}")
        return week


# --------------------------------------------------------------------------------------------
# Roles


Action = Literal["respond", "resolve", "approve", "close", "escalate", "hand-over", "archive", "review"]


class Role(Item):
    """A role of the service organisation: duties, authority and where it escalates to."""

    id: Slug
    rank: int = Field(ge=1, description="Level in the hierarchy; 1 is the front line")
    duties: list[str] = []
    may: list[Action] = []
    escalates_to: SlugList = []


# --------------------------------------------------------------------------------------------
# Selectors and clock conditions


class Selector(Node):
    """Which cases a rule applies to. Keys are ANDed, values within a key ORed; absent = any."""

    channel: SlugList | None = None
    category: SlugList | None = None
    priority: SlugList | None = None
    tier: SlugList | None = None

    def items(self) -> Iterator[tuple[str, list[str]]]:
        for key in ("channel", "category", "priority", "tier"):
            values = getattr(self, key)
            if values is not None:
                yield key, values


class Condition(Node):
    """A record event (``event: first_response``) or entry into a state (``state: resolved``)."""

    event: Slug | None = None
    state: Slug | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        if (self.event is None) == (self.state is None):
            raise ValueError("a condition names exactly one of 'event' or 'state'")
        return self

    def __str__(self) -> str:
        return f"event {self.event}" if self.event else f"state {self.state}"


if TYPE_CHECKING:  # type checkers see the normalised list
    Conditions = list[Condition]
else:
    Conditions = _listed(Condition)
if TYPE_CHECKING:
    Conditions1 = list[Condition]
else:
    Conditions1 = _listed(Condition, 1)


class Clock(Node):
    """When a time limit's clock starts, stops, pauses, resumes, resets or is cancelled.

    Pause conditions that name a state pause the clock while the case is in that state; pause
    events pause it until a resume event. Simultaneous events are applied in the order
    cancel, reset, stop, start, pause, resume (documented in the manual).
    """

    start: Conditions1
    stop: Conditions1
    pause: Conditions = []
    resume: Conditions = []
    reset: Conditions = []
    cancel: Conditions = []


# --------------------------------------------------------------------------------------------
# Rule kinds

Measure = Literal[
    "first-response", "acceptance", "resolution", "follow-up", "callback", "handling",
    "escalation", "other",
]  # fmt: skip


class TimeLimit(Rule):
    """A time limit (SLA): the clock between start and stop must stay within the target."""

    applies_to: Selector = Selector()
    measures: Measure
    clock: Clock
    target: DurationField
    time: TimeBasis = "business"
    calendar: Slug | None = Field(default=None, description="Defaults to the release's default calendar")
    warning_at: float | None = Field(default=None, gt=0, lt=1, description="Share of the target")


class Level(Node):
    """One rung of an escalation ladder."""

    level: int = Field(ge=1)
    role: Slug
    title: str | None = None


class _Trigger(Node):
    to_level: int = Field(ge=1)
    within: DurationField = Field(description="How soon the escalation must follow the trigger")
    note: str | None = None


class LimitShareTrigger(_Trigger):
    """Fires when a share of a time limit's target has been used."""

    on: Literal["limit-share"]
    limit: RuleId
    share: float = Field(gt=0, le=1)


class BreachTrigger(_Trigger):
    """Fires when a time limit is breached."""

    on: Literal["breach"]
    limit: RuleId


class PriorityTrigger(_Trigger):
    """Fires when a case is opened with, or raised to, one of these priorities."""

    on: Literal["priority"]
    priorities: SlugList1


class EventTrigger(_Trigger):
    """Fires on a record event, e.g. the customer says they are dissatisfied."""

    on: Literal["event"]
    event: Slug


class RepeatTrigger(_Trigger):
    """Fires when the same customer complains ``count`` times within ``window``."""

    on: Literal["repeat"]
    count: int = Field(ge=2)
    window: DurationField


Trigger = Annotated[
    LimitShareTrigger | BreachTrigger | PriorityTrigger | EventTrigger | RepeatTrigger,
    Field(discriminator="on"),
]


class EscalationPath(Rule):
    """An escalation ladder: ordered levels (roles) and the triggers that climb it."""

    applies_to: Selector = Selector()
    levels: list[Level] = Field(min_length=2)
    triggers: list[Trigger] = Field(min_length=1)
    event: Slug = Field(default="escalated", description="The record event that evidences an escalation")


class Branch(Node):
    """An outgoing edge of a decision step."""

    when: str = Field(min_length=1)
    to: Slug


StepKind = Literal["start", "task", "decision", "end"]


class Step(Item):
    """A process step: who does it, which record event shows it happened, where it leads."""

    id: Slug
    kind: StepKind = "task"
    roles: SlugList = []
    event: Slug | None = Field(default=None, description="The record event that evidences this step")
    required: bool = Field(default=True, description="Every conforming case shows this step")
    next: SlugList = []
    branches: list[Branch] = []


class Process(Rule):
    """A procedure: steps with responsible roles, decisions and allowed transitions."""

    applies_to: Selector = Selector()
    steps: list[Step] = Field(min_length=2)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


class FieldSpec(Node):
    """A field that a record of some type must carry."""

    name: Slug
    title: str = Field(min_length=2)
    title_zh: str | None = None
    source: SourceList = []
    sensitive: bool = Field(default=False, description="Personal data: confidentiality rules apply")


RecordKind = Literal["case", "call", "feedback", "visit", "archive", "survey"]


class RecordType(Rule):
    """A record type and the fields every record of it must have."""

    record: RecordKind
    applies_to: Selector = Selector()
    required_fields: list[FieldSpec] = Field(min_length=1)


class ArchivingRule(Rule):
    """Records of a type are archived within a deadline after a condition (usually closure)."""

    record_type: RuleId
    after: Condition = Condition(state="closed")
    within: DurationField
    time: TimeBasis = "business"
    calendar: Slug | None = None
    event: Slug = Field(default="archived", description="The record event that evidences archiving")


class RetentionRule(Rule):
    """How long records of a type are kept, and what happens after."""

    record_type: RuleId
    counted_from: Condition = Condition(event="archived")
    keep_for: DurationField
    then: Literal["destroy", "anonymise", "review"]
    legal_hold_exempt: bool = Field(default=True, description="Records on legal hold are kept")


class OwnershipRule(Rule):
    """First-contact responsibility: the first agent stays owner unless a hand-over is recorded."""

    applies_to: Selector = Selector()
    owner: Literal["first-contact"] = "first-contact"
    handover_events: SlugList1
    owner_events: SlugList | None = Field(
        default=None,
        description="Events whose actor is the responsible person (taking, answering, resolving, "
        "closing). Other events' actors are colleagues helping, not new owners. Default: every event.",
    )


class AuthorityRule(Rule):
    """An event may only be performed by a role whose ``may`` includes the action."""

    applies_to: Selector = Selector()
    event: Slug
    action: Action


class VerdictRate(Node):
    """Share of ``pass`` verdicts among evaluated verdicts of the listed rules."""

    kind: Literal["verdict-rate"]
    rules: list[RuleId] = Field(min_length=1)


class CaseRate(Node):
    """Share of cases that reach a condition (e.g. state resolved) among the selected cases."""

    kind: Literal["case-rate"]
    numerator: Condition


class ScoreRate(Node):
    """Share of survey scores at or above a threshold (e.g. CSAT: scores ≥ 4 of 5)."""

    kind: Literal["score-rate"]
    field: Slug
    at_least: float
    scale_max: float = 5


Metric = Annotated[VerdictRate | CaseRate | ScoreRate, Field(discriminator="kind")]


class Target(Node):
    """A KPI target, e.g. ``{op: '>=', value: 0.9}``."""

    op: Literal[">=", "<="]
    value: float = Field(ge=0, le=1)


class Kpi(Rule):
    """A rate over cases or verdicts per period, with a target."""

    applies_to: Selector = Selector()
    metric: Metric
    target: Target
    period: Literal["day", "week", "month", "quarter", "year"] = "month"
    group_by: list[Literal["channel", "category", "priority", "tier"]] = []
    min_cases: int = Field(default=1, ge=1, description="Periods with fewer cases are not evaluable")


# --------------------------------------------------------------------------------------------
# Release metadata and files


class Document(Node):
    """A source handbook the release encodes."""

    id: DocId
    title: str
    title_en: str | None = None
    file: str | None = None


class ChangeEntry(Node):
    """One line of the human changelog and the rule ids it covers."""

    summary: str = Field(min_length=5)
    rules: list[str] = []


class ReleaseMeta(Node):
    """``handbook.yaml``: names the release and its place in the history."""

    id: Slug = Field(description="The handbook's id; the same across releases")
    title: str
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$", description="Equals the folder name")
    effective_from: dt.date
    supersedes: str | None = None
    status: Status = "active"
    default_calendar: Slug | None = None
    judge_by: Literal["opened"] = Field(
        default="opened", description="Cases are judged by the release in force when opened"
    )
    documents: list[Document] = []
    changelog: list[ChangeEntry] = []


#: Sections of a release and the model of their items, in manual order.
SECTIONS: dict[str, type[Item]] = {
    "calendars": Calendar,
    "roles": Role,
    "channels": Term,
    "categories": Term,
    "priorities": Priority,
    "tiers": Term,
    "states": State,
    "events": EventType,
    "time_limits": TimeLimit,
    "escalation_paths": EscalationPath,
    "processes": Process,
    "record_types": RecordType,
    "archiving": ArchivingRule,
    "retention": RetentionRule,
    "ownership": OwnershipRule,
    "authorities": AuthorityRule,
    "kpis": Kpi,
}


class SpecFile(Node):
    """One YAML file of a release. ``handbook.yaml`` holds ``handbook:``; topic files the rest."""

    handbook: ReleaseMeta | None = None
    calendars: list[Calendar] = []
    roles: list[Role] = []
    channels: list[Term] = []
    categories: list[Term] = []
    priorities: list[Priority] = []
    tiers: list[Term] = []
    states: list[State] = []
    events: list[EventType] = []
    time_limits: list[TimeLimit] = []
    escalation_paths: list[EscalationPath] = []
    processes: list[Process] = []
    record_types: list[RecordType] = []
    archiving: list[ArchivingRule] = []
    retention: list[RetentionRule] = []
    ownership: list[OwnershipRule] = []
    authorities: list[AuthorityRule] = []
    kpis: list[Kpi] = []


class Handbook(SpecFile):
    """One complete release: the merge of its files."""

    handbook: ReleaseMeta
    path: SkipJsonSchema[str] = Field(default="", exclude=True)
    files: SkipJsonSchema[list[str]] = Field(default=[], exclude=True)

    @property
    def meta(self) -> ReleaseMeta:
        return self.handbook

    @property
    def version(self) -> str:
        return self.handbook.version

    def section(self, name: str) -> list[Item]:
        return list(getattr(self, name))

    def items(self) -> Iterator[tuple[str, Item]]:
        """Every defined item with its section name, in manual order."""
        for name in SECTIONS:
            for item in getattr(self, name):
                yield name, item

    def rules(self) -> Iterator[Rule]:
        """Every checkable rule (items with a rule id)."""
        for _, item in self.items():
            if isinstance(item, Rule):
                yield item

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules() if r.id == rule_id or rule_id in r.aliases), None)

    def ids(self, section: str) -> set[str]:
        return {item.id for item in getattr(self, section)}  # type: ignore[attr-defined]

    def calendar(self, calendar_id: str | None = None) -> Calendar | None:
        wanted = calendar_id or self.handbook.default_calendar
        return next((c for c in self.calendars if c.id == wanted), None)


# --------------------------------------------------------------------------------------------
# Waivers (kept outside the release, one file per audit)


class Waiver(Node):
    """An accepted exception: a rule's failures for some cases are reported as waived."""

    rule: RuleId
    cases: list[str] | None = None
    selector: Selector | None = None
    justification: str = Field(min_length=10)
    approver: str = Field(min_length=2)
    expires: dt.date

    @model_validator(mode="after")
    def _scoped(self) -> Waiver:
        if self.cases is None and self.selector is None:
            raise ValueError("a waiver names 'cases' or a 'selector'")
        return self


class WaiverFile(Node):
    """A waivers file: ``waivers: [...]``."""

    waivers: list[Waiver] = []
