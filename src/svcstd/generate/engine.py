"""Synthetic exports in svcstd's own format, conforming to the standards or with known breaches.

How a case is made, for all cases of one (release, case type, plant) group at once (numpy):

1. **Opening instant**: a day drawn uniformly from the generation window and a local time
   between 08:00 and 20:30 in the release calendar's zone.
2. **Times**: each template step adds its gap to the previous instant — elapsed seconds for
   ``live`` steps, business seconds of the default calendar (``add_business``) for ``office``
   steps, so back-office work falls in office hours around lunch, weekends and holidays.
3. **Repair**: every span a rule bounds (:func:`svcstd.generate.rules.spans`; time limits at the
   share where an escalation ladder would fire, archiving deadlines, escalations after their
   trigger) is measured with :mod:`svcstd.timecalc.limits`; cases over 80 % of a budget get
   their gaps halved, and after four rounds all steps become ``live`` (a gap that starts after
   hours would otherwise wait for the next opening). A case still over budget is a bug.
4. **Plants**: a chosen share of cases gets exactly one breach (see :data:`PLANTS`); the rules
   it breaks are derived from the release (collateral included, e.g. a late confirmation also
   delays the feedback collection that follows it) and written to the manifest.
5. **Actors**: one owner agent per case; other roles act through their own people, and every
   change of acting person is preceded by a ``handed_over`` at the same instant, recorded by
   whoever of the two may hand over (else the owner).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from svcstd.errors import Problem, SvcstdError
from svcstd.generate import rules as R
from svcstd.generate.templates import UNSATISFIABLE, CaseType, Step, case_types, steps_for
from svcstd.io import write_atomically
from svcstd.spec.model import Handbook
from svcstd.spec.releases import Standards, release_start
from svcstd.timecalc import BusinessCalendar, business_calendar, to_epoch
from svcstd.timecalc import limits as tl

#: Plant → (rule kind it targets, one-line description for the manifest).
PLANTS: dict[str, tuple[str, str]] = {
    "late-stop": ("time_limits", "the event that stops a time limit comes after its deadline"),
    "late-archive": ("archiving", "the case is archived after the archiving deadline"),
    "missing-field": ("record_types", "a required field of the case's records is left empty"),
    "skipped-step": ("processes", "a required process step is not recorded"),
    "wrong-role-close": ("authorities", "the case is closed by back-office-support"),
    "missing-escalation": ("escalation_paths", "the escalation a trigger demands is not recorded"),
    "missing-handover": ("ownership", "a change of acting person has no hand-over recorded"),
    "early-disposal": ("retention", "the records are destroyed before the retention period ends"),
}
#: Share of a budget a conforming case may use (margin for rounding and calendar edges).
SAFETY = 0.8
WRONG_CLOSER = "back-office-support"
ACTORS_PER_ROLE = {"agent": 40}
DAY = 86_400


@dataclass
class Options:
    """Arguments of one generation run (the CLI's options)."""

    cases: int
    seed: int = 0
    violations: float = 0.0
    rules: frozenset[str] | None = None
    release: str | None = None
    start: dt.date = dt.date(2025, 11, 3)
    as_of: int | None = None  # epoch seconds; default start + 360 days, 00:00 Beijing time


@dataclass
class Result:
    """What was written: the export, the manifest, and counts."""

    events: pl.DataFrame
    manifest: dict[str, Any]
    planted: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Group:
    release: Handbook
    ct: CaseType
    plant: str | None
    steps: list[Step]
    idx: npt.NDArray[np.int64]  # case numbers
    detail: str = ""
    other_agent_at: int | None = None  # row done by another agent with no hand-over
    expected: list[str] = field(default_factory=list)


def _cal(
    release: Handbook, cal_id: str | None, cache: dict[Any, BusinessCalendar]
) -> BusinessCalendar:
    key = (release.version, cal_id)
    if key not in cache:
        cache[key] = business_calendar(release, cal_id)
    return cache[key]


def default_as_of(start: dt.date) -> int:
    """360 days after ``start``, at 00:00 Beijing time."""
    day = start + dt.timedelta(days=360)
    return to_epoch(
        dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    )


# -------------------------------------------------------------------------------------------
# Plants: which apply to a template, and the template they produce


def _plant_variant(
    release: Handbook, ct: CaseType, base: list[Step], plant: str
) -> tuple[list[Step], str, list[str]] | None:
    """The steps of a case with ``plant``, its detail and the rules the plant breaks directly.

    ``None`` when the plant does not apply to this case type. Time plants (late-stop,
    late-archive) break rules found by measuring; their direct list is the targeted rule.
    """
    events = [s.event for s in base]
    procs = R.processes_for(release, ct, base)
    if plant == "late-stop":
        target = {"phone": "TL-001", "online-chat": "TL-002"}.get(ct.channel, "TL-024")
        if not any(sp.rule_id == target for sp in R.spans(release, ct, base)):
            return None
        return base, target, [target]
    if plant == "late-archive":
        arcs = [sp.rule_id for sp in R.spans(release, ct, base) if sp.kind == "archiving"]
        return (base, arcs[0], [arcs[0]]) if arcs else None
    if plant == "missing-field":
        return base, "", []  # the field is drawn per case; see _missing_field
    if plant == "skipped-step":
        event = "departments_notified" if ct.category == "incident" else "classified"
        if event not in events:
            return None
        steps = [s for s in base if s.event != event]
        return steps, event, R.fails_on_skip(release, procs, event)
    if plant == "wrong-role-close":
        steps = [
            Step(s.event, WRONG_CLOSER, s.lo, s.hi, s.basis, s.state) if s.event == "closed" else s
            for s in base
        ]
        return steps, WRONG_CLOSER, R.fails_on_role(release, ct, procs, "closed", WRONG_CLOSER)
    if plant == "missing-escalation":
        if "escalated" not in events:
            return None
        fired = sorted(
            {sp.rule_id for sp in R.spans(release, ct, base) if sp.kind == "escalation_paths"}
        )
        steps = [s for s in base if s.event != "escalated"]
        return steps, "escalated", fired
    if plant == "missing-handover":
        owners = R.ownership_rules(release, ct)
        if not owners or _unlicensed_change(release, ct, base) is None:
            return None
        return base, "", owners
    if plant == "early-disposal":
        rets = R.retention_rules(release, ct, base)
        if not rets:
            return None
        steps = [*base, Step("records_destroyed", "archivist", 20 * DAY, 40 * DAY, "live")]
        return steps, "records_destroyed", rets
    raise ValueError(plant)


def _unlicensed_change(release: Handbook, ct: CaseType, steps: Sequence[Step]) -> int | None:
    """A step another agent can take over with no hand-over in force (the ownership plant).

    Ownership counts acts of the rules' ``owner_events``; a change is licensed by a hand-over
    event between the previous act and the new one. The step must follow an act of the owner
    with no change of role (hence no recorded hand-over) and no licensing event in between.
    """
    rules = [o for o in release.ownership if o.id in R.ownership_rules(release, ct)]
    acts = set.intersection(*[set(getattr(o, "owner_events", None) or [s.event for s in steps])
                              for o in rules])  # fmt: skip
    licensing = {e for o in rules for e in o.handover_events}
    prev: int | None = None
    for j, step in enumerate(steps):
        if step.event in licensing or (j and step.role != steps[j - 1].role):
            prev = None  # a hand-over is (or will be) recorded here
        if step.event in acts and step.role == "agent":
            if prev is not None:
                return j
            prev = j
    return None


def _allowed(plant: str, direct: Sequence[str], rule_filter: frozenset[str] | None) -> bool:
    if rule_filter is None:
        return True
    if plant == "missing-field":
        return any(r.startswith("REC-") for r in rule_filter)
    return bool(set(direct) & rule_filter)


# -------------------------------------------------------------------------------------------
# Times


def _advance(
    cal: BusinessCalendar, t: npt.NDArray[np.int64], gap: npt.NDArray[np.int64], live: bool
) -> npt.NDArray[np.int64]:
    if live:
        return t + gap
    return np.asarray(cal.add_business(t, gap), dtype=np.int64)


def _timeline(
    g: _Group, t0: npt.NDArray[np.int64], u: npt.NDArray[np.float64], caches: dict[Any, Any]
) -> npt.NDArray[np.int64]:
    """Instants (cases x steps) that keep every bounded span within SAFETY of its budget."""
    default = _cal(g.release, None, caches)
    spans = R.spans(g.release, g.ct, g.steps, strict=g.plant != "missing-escalation")
    lo = np.array([s.lo for s in g.steps], dtype=np.float64)
    hi = np.array([s.hi for s in g.steps], dtype=np.float64)
    office = np.array([s.basis == "office" for s in g.steps])
    n, k = len(t0), len(g.steps)
    times = np.zeros((n, k), dtype=np.int64)
    todo = np.arange(n)
    for round_ in range(12):
        scale = 0.5**round_
        gaps = np.maximum((lo + u[todo] * (hi - lo)) * scale, np.minimum(lo, 1)).astype(np.int64)
        cur = t0[todo].copy()
        for j in range(k):
            if j > 0:
                cur = _advance(default, cur, gaps[:, j], live=round_ >= 4 or not office[j])
            times[todo, j] = cur
        bad = np.zeros(len(todo), dtype=bool)
        for sp in spans:
            cal = _cal(g.release, sp.calendar, caches)
            start, stop = times[todo, sp.start], times[todo, sp.stop]
            used = tl.elapsed(cal, start, stop, sp.time)  # type: ignore[arg-type]
            allowed = tl.budget(cal, start, sp.budget, sp.time) * sp.share * SAFETY  # type: ignore[arg-type]
            bad |= used > allowed
        todo = todo[bad]
        if todo.size == 0:
            return times
    raise R.TemplateError(f"{g.ct}: {todo.size} cases cannot meet their limits")


def _failing(
    g: _Group, times: npt.NDArray[np.int64], caches: dict[Any, Any]
) -> dict[str, npt.NDArray[np.bool_]]:
    """Rules (time limits, archiving) each case fails by measurement against full targets."""
    out: dict[str, npt.NDArray[np.bool_]] = {}
    for sp in R.spans(g.release, g.ct, g.steps, strict=False):
        if sp.kind == "escalation_paths":
            continue
        cal = _cal(g.release, sp.calendar, caches)
        start, stop = times[:, sp.start], times[:, sp.stop]
        used = tl.elapsed(cal, start, stop, sp.time)  # type: ignore[arg-type]
        late = used > tl.budget(cal, start, sp.budget, sp.time)  # type: ignore[arg-type]
        if late.any():
            out[sp.rule_id] = late
    return out


def _delay(
    g: _Group, times: npt.NDArray[np.int64], rng: np.random.Generator, caches: dict[Any, Any]
) -> npt.NDArray[np.int64]:
    """Push the planted rule's stop (and everything after it) past the rule's deadline."""
    span = next(sp for sp in R.spans(g.release, g.ct, g.steps) if sp.rule_id == g.detail)
    cal = _cal(g.release, span.calendar, caches)
    start, stop = times[:, span.start], times[:, span.stop]
    due = tl.deadline(cal, start, span.budget, span.time)  # type: ignore[arg-type]
    # Late by a few seconds up to a few hours (at least one second of counted time).
    allowed = tl.budget(cal, start, span.budget, span.time)  # type: ignore[arg-type]
    extra = (allowed * rng.uniform(0.05, 0.5, len(start))).astype(np.int64) + 1
    late = tl.add(cal, np.maximum(due, stop), extra, span.time)  # type: ignore[arg-type]
    shift = np.maximum(late - stop, 0)
    out = times.copy()
    out[:, span.stop :] += shift[:, None]
    return out


# -------------------------------------------------------------------------------------------
# Assembly


def _actors(
    g: _Group, rng: np.random.Generator, n_cases: int
) -> tuple[list[Step], npt.NDArray[Any]]:
    """Rows with hand-overs inserted, and the actor of each (case, row)."""
    roles = sorted({s.role for s in g.steps})
    pool = {
        r: max(ACTORS_PER_ROLE.get(r, 6), n_cases // (50 if r == "agent" else 400)) for r in roles
    }
    pick = {r: rng.integers(0, pool[r], len(g.idx)) for r in roles}
    may = R.can_hand_over(g.release)
    rows: list[Step] = []
    who: list[npt.NDArray[Any]] = []
    names = {r: np.char.add(f"{r}-", np.char.zfill(pick[r].astype(str), 4)) for r in roles}
    nobody = np.full(len(g.idx), None, dtype=object)
    prev: Step | None = None
    for j, step in enumerate(g.steps):
        if prev is not None and prev.role != step.role:
            # Recorded one second before the new person acts, with the role of whoever of the
            # two may hand over and no actor: the hand-over licenses this change only (an
            # actor on it would itself count as an act of the responsible person).
            by = prev if prev.role in may else step if step.role in may else None
            rows.append(Step("handed_over", by.role if by else "team-lead", 1, 1, "live"))
            who.append(nobody)
        rows.append(step)
        if j == g.other_agent_at:
            other = (pick["agent"] + 1 + rng.integers(0, pool["agent"] - 1, len(g.idx))) % pool[
                "agent"
            ]
            who.append(np.char.add("agent-", np.char.zfill(other.astype(str), 4)))
        else:
            who.append(names[step.role])
        prev = step
    return rows, np.stack(who, axis=1)


def _iso(epoch: pl.Expr, offset_h: int = 8) -> pl.Expr:
    sign = "+" if offset_h >= 0 else "-"
    return pl.from_epoch(epoch + offset_h * 3600, time_unit="s").dt.strftime(
        f"%Y-%m-%dT%H:%M:%S{sign}{abs(offset_h):02d}:00"
    )


def generate(standards: Standards, opts: Options) -> Result:
    """Build the export (events frame with case fields on each case's first row) and manifest."""
    if opts.cases < 1:
        raise SvcstdError(Problem("--cases", "must be at least 1"))
    if not 0 <= opts.violations <= 1:
        raise SvcstdError(Problem("--violations", "is a share of cases between 0 and 1"))
    as_of = opts.as_of if opts.as_of is not None else default_as_of(opts.start)
    window_start = to_epoch(dt.datetime(opts.start.year, opts.start.month, opts.start.day,
                                        tzinfo=dt.timezone(dt.timedelta(hours=8))))  # fmt: skip
    # Cases open over the window, which ends 60 days before as_of: every case ends, and early
    # disposals (20-40 days after archiving) happen, before as_of. Retention periods (1 year at
    # least) are all still running at as_of, so conforming cases never owe a disposal.
    days = (as_of - window_start) // DAY - 60
    if days < 1:
        raise SvcstdError(Problem("--as-of", "must be at least 61 days after --start"))
    if as_of - window_start > 365 * DAY:
        raise SvcstdError(
            Problem(
                "--as-of", "must be within 365 days of --start (retention periods would fall due)"
            )
        )
    rng = np.random.default_rng(opts.seed)
    n = opts.cases
    types = case_types()
    type_of = rng.choice(len(types), size=n, p=[t.weight for t in types])
    day = rng.integers(0, days, n)
    tod = rng.integers(8 * 3600, 20 * 3600 + 1800, n)
    t0 = window_start + day * DAY + tod
    if opts.release is not None:
        release_of = np.zeros(n, dtype=np.int64)
        releases = [standards.get(opts.release)]
    else:
        releases = list(standards.releases)
        starts = np.array([release_start(r) for r in releases], dtype=np.int64)
        release_of = np.searchsorted(starts, t0, side="right") - 1
        if (release_of < 0).any():
            raise SvcstdError(
                Problem("--start", "cases would open before the first release; pass --release")
            )
    # Plants: exactly round(rate x n) cases, each with one plant drawn among those that apply.
    n_bad = int(round(opts.violations * n))
    bad = np.zeros(n, dtype=bool)
    bad[rng.choice(n, size=n_bad, replace=False)] = True
    plant_draw = rng.random(n)
    caches: dict[Any, Any] = {}
    variants: dict[tuple[int, int, str | None], tuple[list[Step], str, list[str]]] = {}
    plant_of: list[str | None] = [None] * n
    for i in np.flatnonzero(bad):
        key_rel, key_ct = int(release_of[i]), int(type_of[i])
        rel, ct = releases[key_rel], types[key_ct]
        base = steps_for(ct.channel, ct.category, ct.priority)
        options = []
        for plant in PLANTS:
            vkey = (key_rel, key_ct, plant)
            if vkey not in variants:
                got = _plant_variant(rel, ct, base, plant)
                if got is None:
                    continue
                variants[vkey] = got
            if _allowed(plant, variants[vkey][2], opts.rules):
                options.append(plant)
        if options:
            plant_of[i] = options[int(plant_draw[i] * len(options))]
    groups: dict[tuple[int, int, str | None], list[int]] = {}
    for i in range(n):
        groups.setdefault((int(release_of[i]), int(type_of[i]), plant_of[i]), []).append(i)
    attr_names = R.attribute_fields(releases)
    frames: list[pl.DataFrame] = []
    planted: list[dict[str, str]] = []
    width = max(6, len(str(n)))
    case_ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    blank: dict[str, list[int]] = {}
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2] or "")):
        rel_i, type_i, plant = key
        rel, ct = releases[rel_i], types[type_i]
        idx = np.asarray(groups[key], dtype=np.int64)
        base = steps_for(ct.channel, ct.category, ct.priority)
        steps, detail, direct = (base, "", []) if plant is None else variants[key]
        g = _Group(rel, ct, plant, steps, idx, detail, expected=list(direct))
        if plant == "missing-handover":
            g.other_agent_at = _unlicensed_change(rel, ct, steps)
        u = rng.random((len(idx), len(steps)))
        times = _timeline(g, t0[idx], u, caches)
        compliant = _failing(g, times, caches)
        if compliant:
            raise R.TemplateError(f"{ct}: conforming cases fail {sorted(compliant)}")
        if plant in ("late-stop", "late-archive"):
            times = _delay(g, times, rng, caches)
        measured = _failing(g, times, caches)
        rows, who = _actors(g, rng, n)
        frames.append(_frame(rows, times, who, case_ids[idx], idx, ct))
        if plant is None:
            continue
        kind = PLANTS[plant][0]
        for c, case in enumerate(idx):
            hit = set(g.expected) | {r for r, late in measured.items() if late[c]}
            note = detail
            if plant == "missing-field":
                recs = R.record_types_for(rel, ct, steps, creating=True)
                fields = sorted({f.name for rt in recs for f in rt.required_fields} - R.CANONICAL)
                name = fields[int(rng.integers(0, len(fields)))]
                blank.setdefault(name, []).append(int(case))
                hit = {rt.id for rt in recs if any(f.name == name for f in rt.required_fields)}
                note = name
            for rule_id in sorted(hit):
                planted.append({"case_id": str(case_ids[case]), "rule_id": rule_id,
                                "kind": _kind_of(rel, rule_id), "plant": plant,
                                "plant_kind": kind, "detail": note})  # fmt: skip
    events = pl.concat(frames, how="vertical").sort(["_case", "_row"])
    events = _case_fields(events, rng, case_ids, types, type_of, t0, attr_names, blank, n)
    planted.sort(key=lambda p: (p["case_id"], p["rule_id"]))
    last = int(events.get_column("_at").max())  # type: ignore[arg-type]
    events = events.drop("_case", "_row", "_at")
    manifest = {
        "generator": "svcstd generate",
        "cases": n,
        "events": events.height,
        "seed": opts.seed,
        "violations": opts.violations,
        "rules": sorted(opts.rules) if opts.rules else None,
        "release": opts.release,
        "start": opts.start.isoformat(),
        "as_of": _epoch_iso(as_of),
        "last_event": _epoch_iso(last),
        "plants": {k: v[1] for k, v in PLANTS.items()},
        "cases_with_plants": sum(p is not None for p in plant_of),
        "left_out": UNSATISFIABLE,
        "planted": planted,
    }
    return Result(events, manifest, planted)


def _kind_of(release: Handbook, rule_id: str) -> str:
    for section in ("time_limits", "escalation_paths", "processes", "record_types", "archiving",
                    "retention", "ownership", "authorities", "kpis"):  # fmt: skip
        if any(r.id == rule_id for r in getattr(release, section)):
            return section
    raise KeyError(rule_id)


def _epoch_iso(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=8))).isoformat()


def _frame(
    rows: list[Step],
    times: npt.NDArray[np.int64],
    who: npt.NDArray[Any],
    ids: npt.NDArray[Any],
    idx: npt.NDArray[np.int64],
    ct: CaseType,
) -> pl.DataFrame:
    # Hand-over rows take the instant one second before the step they precede.
    col_of, before, j = [], [], 0
    for r in rows:
        col_of.append(j)
        hand = r.event == "handed_over"
        before.append(1 if hand else 0)
        if not hand:
            j += 1
    at = times[:, col_of] - np.asarray(before, dtype=np.int64)
    n, k = at.shape
    rep = lambda values: np.tile(np.asarray(values, dtype=object), n)  # noqa: E731
    return pl.DataFrame(
        {
            "_case": np.repeat(idx, k),
            "_row": np.tile(np.arange(k), n),
            "_at": at.ravel(),
            "case_id": np.repeat(ids, k),
            "event": rep([r.event for r in rows]),
            "state": pl.Series(rep([r.state for r in rows]).tolist(), dtype=pl.Utf8),
            "actor": pl.Series(who.ravel().tolist(), dtype=pl.Utf8),
            "role": rep([r.role for r in rows]),
        }
    ).with_columns(group=pl.lit("team-") + pl.col("role"))


def _case_fields(
    events: pl.DataFrame,
    rng: np.random.Generator,
    case_ids: npt.NDArray[Any],
    types: list[CaseType],
    type_of: npt.NDArray[np.int64],
    t0: npt.NDArray[np.int64],
    attr_names: list[str],
    blank: dict[str, list[int]],
    n: int,
) -> pl.DataFrame:
    """Case fields and attributes on the first row of each case (the profile takes the first)."""
    tiers = np.array(["core", "important-customer", "regular", "potential"], dtype=object)
    cases = pl.DataFrame(
        {
            "_case": np.arange(n),
            "channel": np.array([t.channel for t in types], dtype=object)[type_of],
            "category": np.array([t.category for t in types], dtype=object)[type_of],
            "priority": np.array([t.priority for t in types], dtype=object)[type_of],
            "tier": tiers[rng.choice(4, size=n, p=[0.05, 0.15, 0.6, 0.2])],
            "customer": np.char.add(
                "CUST-", np.char.zfill(rng.integers(0, max(10, n // 3), n).astype(str), 6)
            ),
            "_t0": t0,
        }
    ).with_columns(opened_at=_iso(pl.col("_t0")))
    num = pl.col("_case").cast(pl.Utf8)
    score = pl.Series(np.where(rng.random(n) < 0.7, "5", "4"))
    attrs = []
    for name in attr_names:
        if name == "satisfaction_score":
            expr = pl.lit(score)
        elif name.endswith(("_time", "_at")):
            expr = pl.col("opened_at")
        else:
            expr = pl.lit(f"{name.replace('_', ' ')} #") + num
        if name in blank:
            expr = pl.when(pl.col("_case").is_in(blank[name])).then(pl.lit(None)).otherwise(expr)
        attrs.append(expr.cast(pl.Utf8).alias(f"attr_{name}"))
    cases = cases.with_columns(attrs).drop("_t0")
    first = pl.col("_row") == 0
    events = events.with_columns(at=_iso(pl.col("_at"))).join(cases, on="_case", how="left")
    fields = [c for c in cases.columns if c != "_case"]
    events = events.with_columns(
        [pl.when(first).then(pl.col(c)).otherwise(None).alias(c) for c in fields]
    )
    order = [
        "_case",
        "_row",
        "_at",
        "case_id",
        "at",
        "event",
        "state",
        "actor",
        "group",
        "role",
        *fields,
    ]
    return events.select(order)


def write(result: Result, path: Path) -> Path:
    """Write the export by extension (csv, csv.gz, jsonl, parquet) and its manifest, atomically."""
    name = path.name.lower()
    frame = result.events
    if name.endswith(".parquet"):
        buf = io.BytesIO()
        frame.write_parquet(buf, compression="zstd", statistics=False)
        data = buf.getvalue()
    elif name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        data = frame.write_ndjson().encode("utf-8")
    elif name.endswith((".csv", ".csv.gz")):
        data = frame.write_csv().encode("utf-8")
    else:
        raise SvcstdError(
            Problem(str(path), "unknown output format: use .csv, .csv.gz, .jsonl or .parquet")
        )
    if name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    manifest = manifest_path(path)
    write_atomically(manifest, json.dumps(result.manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def manifest_path(path: Path) -> Path:
    """Where the manifest of an export is written: next to it, ``<name>.violations.json``."""
    return path.with_name(path.name + ".violations.json")
