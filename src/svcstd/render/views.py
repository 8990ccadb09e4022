"""View models of the manual: every word and decision the pages show, computed in Python.

Templates only lay out (STYLE.md habit 15): they loop over these frozen dataclasses and print
their fields. Wording ("Local decision — …", "opened Fri 16:30 → due Mon 12:30"), links between
pages, which rules go on which page, and the order of everything live here, so a template
supplied by a user cannot get a rule's meaning wrong and the golden tests pin the wording.

Text that comes from the spec stays a plain ``str``: the template environment escapes it
(:mod:`svcstd.render.escape`). Fragments built here from escaped parts — links, diagrams — are
:class:`markupsafe.Markup`.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from svcstd.render import urls
from svcstd.render.diagrams import (
    Diagram,
    DiagramRenderer,
    ladder_dot,
    lifecycle_dot,
    process_dot,
    trigger_text,
)
from svcstd.render.escape import code, link, md
from svcstd.render.examples import WorkedExample, worked_examples
from svcstd.spec.diff import ReleaseDiff, diff_releases
from svcstd.spec.model import (
    WEEKDAYS,
    ArchivingRule,
    AuthorityRule,
    Calendar,
    Condition,
    EscalationPath,
    Handbook,
    Kpi,
    OwnershipRule,
    Process,
    RecordType,
    RetentionRule,
    Rule,
    Selector,
    Source,
    Term,
    TimeLimit,
)
from svcstd.spec.releases import Standards

# --------------------------------------------------------------------------------------------
# Wording shared by every page

BASIS_LABEL = {
    "handbook": "Handbook",
    "local-decision": "Local decision",
    "conflict-resolved": "Conflict resolved",
}
BASIS_NOTE = {
    "handbook": "The number is the handbook's own.",
    "local-decision": "The handbook is vague or silent here; the organisation chose this number.",
    "conflict-resolved": "The handbooks contradict each other; this release chose between them.",
}
STATUS_BANNER = {
    "draft": "Draft: not yet in force. The checker evaluates it only with --include-draft.",
    "retired": "Retired: kept for audits of cases judged by earlier releases.",
    "active": "",
}
JUDGE_BY = {
    "opened": "A case is judged by the release in force when the case was opened, for its whole "
    "life: a release that takes effect while a case is open does not change its deadlines.",
}
CLOCK_ORDER = (
    "When several clock conditions happen at the same instant they apply in the order cancel, "
    "reset, stop, start, pause, resume. A pause on a state holds while the case is in that state; "
    "a pause on an event holds until a resume event."
)
CALENDAR_RULES = (
    "A local date is a working day when its weekday has hours, unless it is a holiday. A make-up "
    "working day (调休) has the hours of the weekday it names. A date that is both a holiday and "
    "a make-up day is a holiday. Hours are local wall-clock time in the calendar's time zone; "
    "business time is counted to the second."
)
WEEKDAY_NAMES = {
    "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
    "fri": "Friday", "sat": "Saturday", "sun": "Sunday",
}  # fmt: skip
THEN = {
    "destroy": "destroyed",
    "anonymise": "anonymised",
    "review": "reviewed for further retention",
}
PERIOD = {
    "day": "per day",
    "week": "per week",
    "month": "per month",
    "quarter": "per quarter",
    "year": "per year",
}

_COUNTED = (
    ("time_limits", "time limit", "time limits"),
    ("escalation_paths", "escalation path", "escalation paths"),
    ("processes", "process", "processes"),
    ("record_types", "record type", "record types"),
    ("archiving", "archiving rule", "archiving rules"),
    ("retention", "retention rule", "retention rules"),
    ("ownership", "ownership rule", "ownership rules"),
    ("authorities", "authority rule", "authority rules"),
    ("kpis", "KPI", "KPIs"),
)

#: The topic pages of a release, in reading order: (page, title).
TOPICS: tuple[tuple[str, str], ...] = (
    ("index.md", "Overview"),
    ("time-limits.md", "Channels and time limits"),
    ("roles.md", "Roles and duties"),
    ("escalation.md", "Escalation"),
    ("processes/index.md", "Processes"),
    ("lifecycle.md", "Case life-cycle"),
    ("records.md", "Records and archiving"),
    ("kpis.md", "KPIs"),
    ("calendars.md", "Calendars"),
    ("glossary.md", "Glossary"),
    ("changelog.md", "Changelog"),
)


def rel(from_page: str, to_page: str, anchor: str = "") -> str:
    """A relative Markdown link target from one generated page to another (mkdocs checks it)."""
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return target + (f"#{anchor}" if anchor else "")


def _short(value: Any) -> str:
    if value is None:
        return "—"
    text = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )
    return text if len(text) <= 160 else text[:157] + "…"


def _percent(share: float) -> str:
    text = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text} %"


# --------------------------------------------------------------------------------------------
# Building blocks


@dataclass(frozen=True)
class Fact:
    """One labelled line of a rule's details table."""

    label: str
    value: str | Markup


@dataclass(frozen=True)
class SourceView:
    """A citation: document and section, the document's title, and the quote if any."""

    citation: str
    document: str
    quote: str | None
    note: str | None


@dataclass(frozen=True)
class AlternativeView:
    """A value the handbooks also give that the release did not adopt, and why."""

    value: str
    reason: str
    sources: str


@dataclass(frozen=True)
class Row:
    """A table row of plain cells (vocabulary, steps, fields …)."""

    cells: tuple[str | Markup, ...]


@dataclass(frozen=True)
class Table:
    """A table: header and rows; empty tables are not printed."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class RuleView:
    """Everything the manual shows about one rule (``templates/rule.md.j2``)."""

    id: str
    anchor: str
    heading: str
    title_zh: str | None
    slug: Markup | None
    banner: str
    statement: str | None
    severity: str
    basis: str
    basis_label: str
    basis_note: str
    decision: str | None
    alternatives: tuple[AlternativeView, ...]
    sources: tuple[SourceView, ...]
    rationale: str | None
    facts: tuple[Fact, ...]
    tables: tuple[tuple[str, Table], ...] = ()
    examples: tuple[WorkedExample, ...] = ()
    diagram: Markup | None = None
    current_link: Markup | None = None


@dataclass(frozen=True)
class Section:
    """A titled part of a topic page: an intro, tables and rules."""

    title: str
    anchor: str
    intro: str | None = None
    tables: tuple[Table, ...] = ()
    rules: tuple[RuleView, ...] = ()
    diagram: Markup | None = None


@dataclass(frozen=True)
class ReleaseInfo:
    """Which release a page belongs to, shown in every page's header."""

    version: str
    title: str
    effective_from: str
    is_current: bool
    banner: str


@dataclass(frozen=True)
class PageView:
    """A generated page before rendering: where it goes, its template and what it shows."""

    path: str
    title: str
    template: str
    release: ReleaseInfo | None = None
    intro: tuple[str | Markup, ...] = ()
    sections: tuple[Section, ...] = ()
    search_exclude: bool = False
    search_boost: float | None = None  # mkdocs-material's per-page search boost
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# The view of one release


class ReleaseViews:
    """Builds the pages of one release under a prefix (``handbook`` or ``releases/<v>``)."""

    def __init__(
        self,
        standards: Standards,
        release: Handbook,
        prefix: str,
        diagram: DiagramRenderer,
        *,
        searchable: bool = True,
    ) -> None:
        self.standards = standards
        self.release = release
        self.prefix = prefix
        self.diagram = diagram
        self.searchable = searchable
        self.is_current = release is standards.latest
        self._where: dict[str, tuple[str, str]] = {}  # id -> (page, anchor)
        for section, item in release.items():
            key = item.id if isinstance(item, Rule) else f"{section}:{item.id}"  # type: ignore[attr-defined]
            self._where[key] = (urls.page_of(section, item), urls.anchor(section, item))
        self.roles = {r.id: r for r in release.roles}
        self.terms: dict[str, dict[str, Term]] = {
            s: {t.id: t for t in getattr(release, s)}
            for s in ("channels", "categories", "priorities", "tiers", "states", "events")
        }

    # -- links ---------------------------------------------------------------------------------

    def path(self, page: str) -> str:
        return f"{self.prefix}/{page}"

    def ref(self, page: str, key: str, text: str | None = None) -> Markup | str:
        """A link from ``page`` to an item by rule id or ``section:id``; plain text if unknown."""
        shown = text if text is not None else key.split(":", 1)[-1]
        where = self._where.get(key)
        if where is None:
            return shown
        return link(shown, rel(page, where[0], where[1]))

    def any_ref(self, page: str, item_id: str) -> Markup | str:
        """A link to a rule id or, failing that, to a vocabulary item of any section."""
        if item_id in self._where:
            return self.ref(page, item_id)
        for section in urls._TERM_PREFIX:
            if f"{section}:{item_id}" in self._where:
                return self.ref(page, f"{section}:{item_id}", item_id)
        return item_id

    def term(self, page: str, section: str, term_id: str) -> Markup | str:
        """A vocabulary value as ``Title (id)`` linked to its definition."""
        term = self.terms.get(section, {}).get(term_id)
        text = f"{term.title} ({term_id})" if term else term_id
        return self.ref(page, f"{section}:{term_id}", text)

    def role(self, page: str, role_id: str) -> Markup | str:
        role = self.roles.get(role_id)
        return self.ref(page, f"roles:{role_id}", role.title if role else role_id)

    def join(self, parts: Iterable[str | Markup], sep: str = ", ") -> Markup:
        return Markup(sep).join(md(p) for p in parts)

    def condition(self, page: str, cond: Condition) -> Markup:
        if cond.event:
            return Markup("event ") + md(self.term(page, "events", cond.event))
        return Markup("state ") + md(self.term(page, "states", cond.state or ""))

    def conditions(self, page: str, conds: Sequence[Condition]) -> Markup:
        return Markup(" or ").join(self.condition(page, c) for c in conds)

    def selector(self, page: str, sel: Selector) -> Markup | str:
        parts = []
        names = {
            "channel": "channels",
            "category": "categories",
            "priority": "priorities",
            "tier": "tiers",
        }
        for key, values in sel.items():
            parts.append(
                Markup(f"{key} ")
                + Markup(" or ").join(md(self.term(page, names[key], v)) for v in values)
            )
        return Markup("; ").join(parts) if parts else "all cases"

    # -- rules -----------------------------------------------------------------------------------

    def sources(self, sources: Sequence[Source]) -> tuple[SourceView, ...]:
        docs = {d.id: d for d in self.release.meta.documents}
        out = []
        for s in sources:
            doc = docs.get(s.document)
            title = ""
            if doc is not None:
                title = doc.title + (f" ({doc.title_en})" if doc.title_en else "")
            out.append(SourceView(citation=str(s), document=title, quote=s.quote, note=s.note))
        return tuple(out)

    def rule(self, page: str, rule: Rule, facts: Iterable[Fact] = (), **more: Any) -> RuleView:
        alternatives = ()
        if rule.decision:
            alternatives = tuple(
                AlternativeView(
                    value=a.value,
                    reason=a.reason,
                    sources="; ".join(str(s) for s in a.source),
                )
                for a in rule.decision.alternatives
            )
        current_link = None
        if not self.is_current and self.standards.latest.rule(rule.id) is not None:
            target = urls.rule_url(self.standards.latest, rule.id, current=True)
            current_link = link(
                f"{rule.id} in the current release ({self.standards.latest.version})",
                rel(self.path(page), _md_of_url(target.split("#")[0]), target.split("#")[1]),
            )
        return RuleView(
            id=rule.id,
            anchor=rule.id.lower(),
            heading=f"{rule.id} · {rule.title}",
            title_zh=rule.title_zh,
            slug=code(rule.slug) if rule.slug else None,
            banner=STATUS_BANNER[rule.status],
            statement=rule.statement,
            severity=rule.severity,
            basis=rule.basis,
            basis_label=BASIS_LABEL[rule.basis],
            basis_note=BASIS_NOTE[rule.basis],
            decision=rule.decision.summary if rule.decision else None,
            alternatives=alternatives,
            sources=self.sources(rule.source),
            rationale=rule.rationale,
            facts=tuple(facts),
            current_link=current_link,
            **more,
        )

    def time_limit(self, page: str, tl: TimeLimit) -> RuleView:
        cal = self.release.calendar(tl.calendar)
        target: Markup = md(f"{tl.target} of {tl.time} time")
        if tl.time == "business" and cal is not None:
            target += Markup(" on calendar ") + md(self.ref(page, f"calendars:{cal.id}", cal.title))
        facts = [
            Fact("Applies to", self.selector(page, tl.applies_to)),
            Fact("Measures", tl.measures.replace("-", " ")),
            Fact("Target", target),
            Fact("Clock starts on", self.conditions(page, tl.clock.start)),
            Fact("Clock stops on", self.conditions(page, tl.clock.stop)),
        ]
        for label, conds in (
            ("Clock pauses on", tl.clock.pause),
            ("Clock resumes on", tl.clock.resume),
            ("Clock resets on", tl.clock.reset),
            ("Clock is cancelled on", tl.clock.cancel),
        ):
            if conds:
                facts.append(Fact(label, self.conditions(page, conds)))
        if tl.warning_at is not None:
            facts.append(Fact("Warning at", f"{_percent(tl.warning_at)} of the target"))
        return self.rule(page, tl, facts, examples=worked_examples(self.release, tl))

    def trigger(self, page: str, trig: Any) -> Markup:
        text = trigger_text(trig)
        limit = getattr(trig, "limit", None)
        shown = md(text)
        if limit:
            shown = Markup(str(md(text)).replace(str(md(limit)), str(md(self.ref(page, limit))), 1))
        out = shown + md(f" → level {trig.to_level} within {trig.within}")
        if trig.note:
            out += md(f" ({trig.note})")
        return out

    def escalation(self, page: str, path: EscalationPath) -> RuleView:
        levels = sorted(path.levels, key=lambda lv: lv.level)
        facts = [
            Fact("Applies to", self.selector(page, path.applies_to)),
            Fact(
                "Levels",
                Markup(" → ").join(
                    md(f"{lv.level} ") + md(self.role(page, lv.role)) for lv in levels
                ),
            ),
            Fact("Evidence", Markup("record event ") + md(self.term(page, "events", path.event))),
        ]
        triggers = Table(
            ("Trigger", "Escalate to", "Within", "Note"),
            tuple(
                Row(
                    (
                        self.trigger_cause(page, t),
                        self.level_role(page, path, t.to_level),
                        str(t.within),
                        t.note or "",
                    )
                )
                for t in path.triggers
            ),
        )
        return self.rule(
            page,
            path,
            facts,
            tables=(("Triggers", triggers),),
            diagram=self.diagram(ladder_dot(self.release, path)),
        )

    def trigger_cause(self, page: str, trig: Any) -> Markup:
        text = trigger_text(trig)
        limit = getattr(trig, "limit", None)
        if limit:
            return Markup(str(md(text)).replace(str(md(limit)), str(md(self.ref(page, limit))), 1))
        return md(text)

    def level_role(self, page: str, path: EscalationPath, level: int) -> Markup:
        found = next((lv for lv in path.levels if lv.level == level), None)
        if found is None:
            return md(f"level {level}")
        return md(f"level {level}: ") + md(self.role(page, found.role))

    def process(self, page: str, proc: Process) -> RuleView:
        steps = Table(
            ("Step", "中文", "Kind", "Responsible", "Record event", "Next"),
            tuple(
                Row(
                    (
                        Markup('<span id="{}">{}</span>').format(
                            f"{proc.id.lower()}-{s.id}", s.title
                        )
                        + (Markup(" ") + md("(optional)") if not s.required else Markup("")),
                        s.title_zh or "",
                        s.kind,
                        self.join(self.role(page, r) for r in s.roles),
                        md(self.term(page, "events", s.event)) if s.event else "—",
                        self.join(
                            [self._step_title(proc, n) for n in s.next]
                            + [f"{b.when}: {self._step_title(proc, b.to)}" for b in s.branches],
                            "; ",
                        ),
                    )
                )
                for s in proc.steps
            ),
        )
        facts = [Fact("Applies to", self.selector(page, proc.applies_to))]
        return self.rule(
            page,
            proc,
            facts,
            tables=(("Steps", steps),),
            diagram=self.diagram(process_dot(self.release, proc)),
        )

    @staticmethod
    def _step_title(proc: Process, step_id: str) -> str:
        step = proc.step(step_id)
        return step.title if step else step_id

    def record_type(self, page: str, rt: RecordType) -> RuleView:
        fields = Table(
            ("Field", "Title", "中文", "Personal data", "Source"),
            tuple(
                Row(
                    (
                        code(f.name),
                        f.title,
                        f.title_zh or "",
                        "yes" if f.sensitive else "no",
                        "; ".join(str(s) for s in f.source),
                    )
                )
                for f in rt.required_fields
            ),
        )
        facts = [Fact("Record", rt.record), Fact("Applies to", self.selector(page, rt.applies_to))]
        return self.rule(page, rt, facts, tables=(("Required fields", fields),))

    def archiving(self, page: str, ar: ArchivingRule) -> RuleView:
        facts = [
            Fact("Records", self.ref(page, ar.record_type)),
            Fact("Archived within", f"{ar.within} of {ar.time} time"),
            Fact("Counted from", self.condition(page, ar.after)),
            Fact("Evidence", Markup("record event ") + md(self.term(page, "events", ar.event))),
        ]
        return self.rule(page, ar, facts)

    def retention(self, page: str, rr: RetentionRule) -> RuleView:
        facts = [
            Fact("Records", self.ref(page, rr.record_type)),
            Fact("Kept for", str(rr.keep_for)),
            Fact("Counted from", self.condition(page, rr.counted_from)),
            Fact("Then", f"the records are {THEN[rr.then]}"),
            Fact(
                "Legal hold",
                "records on legal hold are kept beyond the period"
                if rr.legal_hold_exempt
                else "no exemption: legal hold does not extend the period",
            ),
        ]
        return self.rule(page, rr, facts)

    def ownership(self, page: str, own: OwnershipRule) -> RuleView:
        facts = [
            Fact("Applies to", self.selector(page, own.applies_to)),
            Fact("Owner", "the agent of the first contact stays the owner"),
            Fact(
                "Ownership passes only on",
                self.join((self.term(page, "events", e) for e in own.handover_events), " or "),
            ),
        ]
        return self.rule(page, own, facts)

    def authority(self, page: str, auth: AuthorityRule) -> RuleView:
        allowed = [r for r in self.release.roles if auth.action in r.may]
        facts = [
            Fact("Applies to", self.selector(page, auth.applies_to)),
            Fact("Record event", self.term(page, "events", auth.event)),
            Fact("Needs the authority to", auth.action),
            Fact(
                "Roles that have it",
                self.join(self.role(page, r.id) for r in allowed) if allowed else "none",
            ),
        ]
        return self.rule(page, auth, facts)

    def kpi(self, page: str, kpi: Kpi) -> RuleView:
        m = kpi.metric
        if m.kind == "verdict-rate":
            metric: str | Markup = Markup("share of passing verdicts of ") + self.join(
                self.ref(page, r) for r in m.rules
            )
        elif m.kind == "case-rate":
            metric = Markup("share of cases that reach ") + self.condition(page, m.numerator)
        else:
            metric = f"share of {m.field} scores of at least {m.at_least:g} (of {m.scale_max:g})"
        op = "at least" if kpi.target.op == ">=" else "at most"
        facts = [
            Fact("Applies to", self.selector(page, kpi.applies_to)),
            Fact("Metric", metric),
            Fact("Target", f"{op} {_percent(kpi.target.value)} {PERIOD[kpi.period]}"),
        ]
        if kpi.group_by:
            facts.append(Fact("Per", ", ".join(kpi.group_by)))
        if kpi.min_cases > 1:
            facts.append(Fact("Not evaluable below", f"{kpi.min_cases} cases in a period"))
        return self.rule(page, kpi, facts)

    # -- vocabulary ------------------------------------------------------------------------------

    def terms_table(self, section: str, items: Sequence[Term]) -> Table:
        return Table(
            ("Term", "中文", "Id", "Meaning", "Also written"),
            tuple(
                Row(
                    (
                        Markup('<span id="{}">{}</span>').format(urls.anchor(section, t), t.title),
                        t.title_zh or "",
                        code(t.id),
                        t.description or t.statement or "",
                        ", ".join(t.synonyms),
                    )
                )
                for t in items
            ),
        )

    def roles_table(self, page: str) -> Table:
        return Table(
            ("Role", "中文", "Rank", "Duties", "May", "Escalates to", "Source"),
            tuple(
                Row(
                    (
                        Markup('<span id="{}">{}</span>').format(urls.anchor("roles", r), r.title),
                        r.title_zh or "",
                        str(r.rank),
                        "; ".join(r.duties),
                        ", ".join(r.may),
                        self.join(self.role(page, e) for e in r.escalates_to),
                        "; ".join(str(s) for s in r.source),
                    )
                )
                for r in sorted(self.release.roles, key=lambda r: (r.rank, r.id))
            ),
        )

    # -- pages -------------------------------------------------------------------------------

    def info(self) -> ReleaseInfo:
        meta = self.release.meta
        latest = self.standards.latest
        if self.is_current and self.prefix == urls.CURRENT:
            banner = f"Current release {meta.version}, in force from {meta.effective_from}."
        elif self.is_current:
            banner = (
                f"Release {meta.version}, in force from {meta.effective_from}: the current release "
                f"(also at the stable address handbook/)."
            )
        else:
            banner = (
                f"Earlier release {meta.version}, in force from {meta.effective_from}; the current "
                f"release is {latest.version}. Cases opened while it was in force are judged by it."
            )
        return ReleaseInfo(
            meta.version, meta.title, str(meta.effective_from), self.is_current, banner
        )

    def _page(self, page: str, title: str, template: str, **kw: Any) -> PageView:
        return PageView(
            path=self.path(page),
            title=title,
            template=template,
            release=self.info(),
            search_exclude=not self.searchable,
            # the current release first, earlier releases below it in search results
            search_boost=2.0 if self.prefix == urls.CURRENT else 0.5,
            **kw,
        )

    def pages(self) -> list[PageView]:
        """Every page of the release, in navigation order."""
        out = [
            self.overview(),
            self.time_limits_page(),
            self.roles_page(),
            self.escalation_page(),
            self.processes_index(),
            *[self.process_page(p) for p in self.release.processes],
            self.lifecycle_page(),
            self.records_page(),
            self.kpis_page(),
            self.calendars_page(),
            self.glossary_page(),
            self.changelog_page(),
        ]
        return out

    def overview(self) -> PageView:
        page = "index.md"
        meta = self.release.meta
        facts = Table(
            ("", ""),
            tuple(
                Row(r)
                for r in (
                    ("Handbook", meta.title),
                    ("Version", meta.version),
                    ("In force from", str(meta.effective_from)),
                    ("Supersedes", meta.supersedes or "—"),
                    ("Status", meta.status),
                    ("Default calendar", meta.default_calendar or "—"),
                    ("Which release judges a case", JUDGE_BY[meta.judge_by]),
                )
            ),
        )
        docs = Table(
            ("Document", "Title", "English title"),
            tuple(Row((d.id, d.title, d.title_en or "")) for d in meta.documents),
        )
        topic_links = tuple(
            link(title, rel(page, p)) for p, title in TOPICS[1:] if p != "changelog.md"
        )
        index_rows = []
        for section, item in self.release.items():
            if not isinstance(item, Rule):
                continue
            where = urls.page_of(section, item)
            index_rows.append(
                Row(
                    (
                        link(item.id, rel(page, where, urls.anchor(section, item))),
                        item.title,
                        item.title_zh or "",
                        item.severity,
                        BASIS_LABEL[item.basis],
                        "; ".join(str(s) for s in item.source),
                    )
                )
            )
        rules = Table(("Rule", "Title", "中文", "Severity", "Basis", "Source"), tuple(index_rows))
        counts = ", ".join(
            f"{len(getattr(self.release, s))} {one if len(getattr(self.release, s)) == 1 else many}"
            for s, one, many in _COUNTED
            if getattr(self.release, s)
        )
        return self._page(
            page,
            f"{meta.title} {meta.version}",
            "overview.md.j2",
            intro=(f"This release holds {counts}.",),
            sections=(
                Section("About this release", "about", tables=(facts,)),
                Section("Source documents", "documents", tables=(docs,)),
                Section(
                    "All rules",
                    "all-rules",
                    "Every rule of the release; the id links to its full text.",
                    tables=(rules,),
                ),
            ),
            extra={
                "topics": topic_links,
                "changelog": link("Changelog", rel(page, "changelog.md")),
            },
        )

    def time_limits_page(self) -> PageView:
        page = "time-limits.md"
        r = self.release
        sections = [
            Section(
                "Channels",
                "channels",
                "Where customers reach the service.",
                tables=(self.terms_table("channels", r.channels),),
            ),
        ]
        if r.priorities:
            sections.append(
                Section(
                    "Priorities",
                    "priorities",
                    tables=(
                        Table(
                            ("Priority", "中文", "Id", "Rank"),
                            tuple(
                                Row(
                                    (
                                        Markup('<span id="{}">{}</span>').format(
                                            urls.anchor("priorities", p), p.title
                                        ),
                                        p.title_zh or "",
                                        code(p.id),
                                        str(p.rank),
                                    )
                                )
                                for p in sorted(r.priorities, key=lambda p: p.rank)
                            ),
                        ),
                    ),
                )
            )
        sections.append(
            Section(
                "Time limits",
                "time-limits",
                CLOCK_ORDER,
                rules=tuple(self.time_limit(page, tl) for tl in r.time_limits),
            )
        )
        return self._page(page, "Channels and time limits", "topic.md.j2", sections=tuple(sections))

    def roles_page(self) -> PageView:
        page = "roles.md"
        r = self.release
        sections = [Section("Roles", "roles", tables=(self.roles_table(page),))]
        if r.ownership:
            sections.append(
                Section(
                    "Ownership",
                    "ownership",
                    rules=tuple(self.ownership(page, o) for o in r.ownership),
                )
            )
        if r.authorities:
            sections.append(
                Section(
                    "Authority",
                    "authority",
                    "Who may perform which action, checked on each record event.",
                    rules=tuple(self.authority(page, a) for a in r.authorities),
                )
            )
        return self._page(page, "Roles and duties", "topic.md.j2", sections=tuple(sections))

    def escalation_page(self) -> PageView:
        page = "escalation.md"
        return self._page(
            page,
            "Escalation",
            "topic.md.j2",
            sections=(
                Section(
                    "Escalation paths",
                    "escalation-paths",
                    "Each ladder climbs from the front line; a trigger says when, and how soon the "
                    "escalation must follow it.",
                    rules=tuple(self.escalation(page, e) for e in self.release.escalation_paths),
                ),
            ),
        )

    def processes_index(self) -> PageView:
        page = "processes/index.md"
        rows = tuple(
            Row(
                (
                    link(p.id, rel(page, urls.page_of("processes", p))),
                    p.title,
                    p.title_zh or "",
                    str(len(p.steps)),
                )
            )
            for p in self.release.processes
        )
        return self._page(
            page,
            "Processes",
            "topic.md.j2",
            sections=(
                Section(
                    "Processes",
                    "processes",
                    "Each process has its own page with a flowchart.",
                    tables=(Table(("Process", "Title", "中文", "Steps"), rows),),
                ),
            ),
        )

    def process_page(self, proc: Process) -> PageView:
        page = urls.page_of("processes", proc)
        return self._page(
            page,
            f"{proc.id} {proc.title}",
            "process.md.j2",
            sections=(Section(proc.title, proc.id.lower(), rules=(self.process(page, proc),)),),
        )

    def lifecycle_page(self) -> PageView:
        r = self.release
        life = lifecycle_dot(r)
        states = Table(
            ("State", "中文", "Id", "Phase", "May move to"),
            tuple(
                Row(
                    (
                        Markup('<span id="{}">{}</span>').format(urls.anchor("states", s), s.title),
                        s.title_zh or "",
                        code(s.id),
                        s.phase,
                        ", ".join(
                            self.terms["states"][n].title if n in self.terms["states"] else n
                            for n in s.next
                        )
                        or "— (final)",
                    )
                )
                for s in r.states
            ),
        )
        return self._page(
            "lifecycle.md",
            "Case life-cycle",
            "topic.md.j2",
            sections=(
                Section(
                    "States",
                    "states",
                    "The states a case moves through; arrows are the allowed moves.",
                    tables=(states,),
                    diagram=self.diagram(life) if life else None,
                ),
                Section(
                    "Record events",
                    "events",
                    "Events an export records; clocks and processes refer to them.",
                    tables=(self.terms_table("events", r.events),),
                ),
            ),
        )

    def records_page(self) -> PageView:
        page = "records.md"
        r = self.release
        return self._page(
            page,
            "Records and archiving",
            "topic.md.j2",
            sections=tuple(
                s
                for s in (
                    Section(
                        "Record types",
                        "record-types",
                        rules=tuple(self.record_type(page, x) for x in r.record_types),
                    ),
                    Section(
                        "Archiving",
                        "archiving",
                        rules=tuple(self.archiving(page, x) for x in r.archiving),
                    ),
                    Section(
                        "Retention",
                        "retention",
                        rules=tuple(self.retention(page, x) for x in r.retention),
                    ),
                )
                if s.rules
            ),
        )

    def kpis_page(self) -> PageView:
        page = "kpis.md"
        return self._page(
            page,
            "KPIs",
            "topic.md.j2",
            sections=(
                Section(
                    "KPIs",
                    "kpis",
                    "Rates per period with their targets.",
                    rules=tuple(self.kpi(page, k) for k in self.release.kpis),
                ),
            ),
        )

    def calendar_section(self, cal: Calendar) -> Section:
        week = Table(
            ("Day", "Working hours"),
            tuple(
                Row((WEEKDAY_NAMES[d], ", ".join(str(h) for h in cal.week.get(d, [])) or "closed"))
                for d in WEEKDAYS
            ),
        )
        holidays = Table(
            ("Holiday", "From", "To"),
            tuple(
                Row((h.name, str(h.first), str(h.last)))
                for h in sorted(cal.holidays, key=lambda h: (h.first, h.name))
            ),
        )
        makeup = Table(
            ("Make-up working day", "Date", "Hours of"),
            tuple(
                Row((w.name, str(w.date), WEEKDAY_NAMES[w.hours_of]))
                for w in sorted(cal.workdays, key=lambda w: w.date)
            ),
        )
        title = cal.title + (f" ({cal.title_zh})" if cal.title_zh else "")
        return Section(
            title,
            urls.anchor("calendars", cal),
            f"Time zone {cal.timezone}.",
            tables=tuple(t for t in (week, holidays, makeup) if t.rows),
        )

    def calendars_page(self) -> PageView:
        return self._page(
            "calendars.md",
            "Calendars",
            "topic.md.j2",
            intro=(CALENDAR_RULES,),
            sections=tuple(self.calendar_section(c) for c in self.release.calendars),
        )

    def glossary_page(self) -> PageView:
        page = "glossary.md"
        r = self.release
        sections = []
        for section, title in (
            ("channels", "Channels"),
            ("categories", "Request categories"),
            ("priorities", "Priorities"),
            ("tiers", "Customer tiers"),
            ("states", "Case states"),
            ("events", "Record events"),
        ):
            items = getattr(r, section)
            if items:
                table = self.terms_table(section, items)
                # the anchors of channels, states and events live on their topic pages
                if urls.SECTION_PAGE[section] != "glossary":
                    table = Table(
                        table.header,
                        tuple(
                            Row((self.ref(page, f"{section}:{t.id}", t.title), *row.cells[1:]))
                            for t, row in zip(items, table.rows, strict=True)
                        ),
                    )
                sections.append(Section(title, f"glossary-{section}", tables=(table,)))
        if r.roles:
            sections.append(
                Section(
                    "Roles",
                    "glossary-roles",
                    tables=(
                        Table(
                            ("Role", "中文", "Id"),
                            tuple(
                                Row((self.role(page, x.id), x.title_zh or "", code(x.id)))
                                for x in r.roles
                            ),
                        ),
                    ),
                )
            )
        return self._page(
            page,
            "Glossary",
            "glossary.md.j2",
            sections=tuple(sections),
            intro=("The vocabulary of the handbook with its Chinese terms.",),
        )

    def changelog_page(self) -> PageView:
        page = "changelog.md"
        r = self.release
        previous = self._previous()
        covered = {rid for entry in r.meta.changelog for rid in entry.rules}
        human = Table(
            ("Change", "Items"),
            tuple(
                Row((e.summary, self.join(self.any_ref(page, rid) for rid in e.rules)))
                for e in r.meta.changelog
            ),
        )
        sections = [Section("What the maintainers wrote", "human-changelog", tables=(human,))]
        if previous is None:
            sections.append(
                Section(
                    "What changed, rule by rule",
                    "computed-changes",
                    "This is the first release: there is no earlier release to compare with.",
                )
            )
        else:
            diff = diff_releases(previous, r)
            old_views = ReleaseViews(
                self.standards, previous, urls.release_prefix(previous.version), self.diagram
            )
            sections.append(self._diff_section(page, diff, old_views, covered))
        return self._page(
            page, f"Changelog of {r.version}", "changelog.md.j2", sections=tuple(sections)
        )

    def _previous(self) -> Handbook | None:
        r = self.release
        if r.meta.supersedes:
            for other in self.standards.releases:
                if other.version == r.meta.supersedes:
                    return other
        index = next(i for i, x in enumerate(self.standards.releases) if x is r)
        return self.standards.releases[index - 1] if index > 0 else None

    def _diff_section(
        self, page: str, diff: ReleaseDiff, old: ReleaseViews, covered: set[str]
    ) -> Section:
        rows = []
        for change in diff.changes:
            key = (
                change.id
                if change.section not in urls._TERM_PREFIX
                else f"{change.section}:{change.id}"
            )
            if change.kind == "removed":
                where = old._where.get(key)
                target: str | Markup = change.id
                if where is not None:
                    target = link(change.id, rel(self.path(page), old.path(where[0]), where[1]))
            else:
                target = self.ref(page, key, change.id)
            fields = tuple(Row((code(f.path), _short(f.old), _short(f.new))) for f in change.fields)
            rows.append(
                Row(
                    (
                        change.kind,
                        change.section.replace("_", " "),
                        target,
                        change.title,
                        "yes" if change.id in covered else "no",
                        Markup("<br>").join(
                            md(code(f.path)) + md(f": {_short(f.old)} → {_short(f.new)}")
                            for f in change.fields
                        )
                        if fields
                        else "",
                    )
                )
            )
        table = Table(
            ("Change", "Section", "Item", "Title", "In the changelog", "Fields: old → new"),
            tuple(rows),
        )
        return Section(
            f"What changed since {diff.old}, rule by rule",
            "computed-changes",
            f"Computed from the two releases: {len(diff.by_kind('added'))} added, "
            f"{len(diff.by_kind('removed'))} removed, {len(diff.by_kind('changed'))} changed.",
            tables=(table,),
        )


def _md_of_url(url: str) -> str:
    """``handbook/time-limits/`` → ``handbook/time-limits.md`` (inverse of directory_url)."""
    return url.rstrip("/") + ".md"


def site_link(from_page: str, to_page: str, text: str, anchor: str = "") -> Markup:
    """A link between two site pages (paths relative to the docs root)."""
    return link(text, rel(from_page, to_page, anchor))


def release_nav(release: Handbook, prefix: str) -> list[dict[str, Any]]:
    """The mkdocs nav entries of one release's pages."""
    nav: list[dict[str, Any]] = []
    for page, title in TOPICS:
        if page == "processes/index.md":
            children: list[Any] = [f"{prefix}/processes/index.md"]
            children += [
                {f"{p.id} {p.title}": f"{prefix}/{urls.page_of('processes', p)}"}
                for p in release.processes
            ]
            nav.append({title: children})
        else:
            nav.append({title: f"{prefix}/{page}"})
    return nav


Renderer = Callable[[Diagram], Markup]
