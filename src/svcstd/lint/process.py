"""Processes: every flowchart has one start, known targets, and a way from start to end."""

from __future__ import annotations

from collections.abc import Iterator

from svcstd.lint.base import Hit, release_rule
from svcstd.spec.model import Handbook, Process, Step


def _targets(step: Step) -> list[str]:
    return [*step.next, *(b.to for b in step.branches)]


def _broken(process: Process) -> bool:
    """True when a transition names a missing step (SPEC-202); reachability is then moot."""
    ids = {s.id for s in process.steps}
    return any(t not in ids for step in process.steps for t in _targets(step))


def _reach(process: Process, start: list[str], forward: bool) -> set[str]:
    ids = {s.id for s in process.steps}
    edges: dict[str, set[str]] = {i: set() for i in ids}
    for step in process.steps:
        for target in _targets(step):
            if target in ids:
                if forward:
                    edges[step.id].add(target)
                else:
                    edges[target].add(step.id)
    seen = set(start)
    todo = list(start)
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@release_rule(
    id="SPEC-201",
    slug="process.start-not-unique",
    title="A process does not have exactly one start step",
    rationale="Conformance checking replays a case from the start step, and the flowchart is "
    "drawn from it; with none or several, neither has a beginning.",
)
def start_not_unique(handbook: Handbook) -> Iterator[Hit]:
    """Each process has exactly one step of ``kind: start``."""
    for process in handbook.processes:
        starts = [s for s in process.steps if s.kind == "start"]
        if not starts:
            yield Hit(f"process {process.id} has no start step", process.where("steps"), process.id)
        for extra in starts[1:]:
            yield Hit(
                f"process {process.id} has a second start step {extra.id!r} "
                f"(the first is {starts[0].id!r})",
                extra.where("kind"),
                process.id,
            )


@release_rule(
    id="SPEC-202",
    slug="process.unknown-step",
    title="A transition leads to a step the process does not define",
    rationale="A transition to a missing step breaks the flowchart and makes every case that "
    "follows it non-conforming.",
)
def unknown_step(handbook: Handbook) -> Iterator[Hit]:
    """Targets of ``next`` and of ``branches[].to`` are steps of the same process."""
    for process in handbook.processes:
        ids = {s.id for s in process.steps}
        for step in process.steps:
            for target in step.next:
                if target not in ids:
                    yield Hit(
                        f"step {step.id!r} leads to unknown step {target!r}",
                        step.where("next"),
                        process.id,
                    )
            for branch in step.branches:
                if branch.to not in ids:
                    yield Hit(
                        f"a branch of step {step.id!r} leads to unknown step {branch.to!r}",
                        branch.where("to"),
                        process.id,
                    )


@release_rule(
    id="SPEC-203",
    slug="process.unreachable-step",
    title="A step cannot be reached from the start step",
    rationale="A step no path leads to is either dead text or a missing transition; if it is "
    "required, no case can ever conform.",
)
def unreachable_step(handbook: Handbook) -> Iterator[Hit]:
    """Every step is reachable from the (single) start step along ``next`` and branches.
    Processes with a transition to a missing step are left to SPEC-202."""
    for process in handbook.processes:
        starts = [s.id for s in process.steps if s.kind == "start"]
        if len(starts) != 1 or _broken(process):
            continue  # SPEC-201 or SPEC-202 reports it; one typo should not read as ten errors
        reached = _reach(process, starts, forward=True)
        for step in process.steps:
            if step.id not in reached:
                yield Hit(
                    f"step {step.id!r} cannot be reached from start step {starts[0]!r}",
                    step.where("id"),
                    process.id,
                )


@release_rule(
    id="SPEC-204",
    slug="process.dead-end",
    title="A step cannot lead to an end step",
    rationale="A case that enters a step with no way out can never be closed conformingly; "
    "usually a missing ``next`` or a step that should be ``kind: end``.",
)
def dead_end(handbook: Handbook) -> Iterator[Hit]:
    """From every step some path leads to a step of ``kind: end``. Processes with a transition
    to a missing step are left to SPEC-202."""
    for process in handbook.processes:
        ends = [s.id for s in process.steps if s.kind == "end"]
        if not ends:
            yield Hit(f"process {process.id} has no end step", process.where("steps"), process.id)
            continue
        if _broken(process):
            continue
        can_finish = _reach(process, ends, forward=False)
        for step in process.steps:
            if step.id not in can_finish:
                yield Hit(
                    f"no path leads from step {step.id!r} to an end step",
                    step.where("id"),
                    process.id,
                )


@release_rule(
    id="SPEC-205",
    slug="process.too-few-branches",
    title="A decision step has fewer than two branches",
    rationale="A decision with one outcome is not a decision: the flowchart shows a diamond "
    "with a single arrow and the other outcome is undocumented.",
)
def too_few_branches(handbook: Handbook) -> Iterator[Hit]:
    """Every step of ``kind: decision`` has at least two ``branches`` to distinct steps."""
    for process in handbook.processes:
        for step in process.steps:
            if step.kind == "decision":
                targets = {b.to for b in step.branches}
                if len(targets) < 2:
                    yield Hit(
                        f"decision step {step.id!r} has {len(targets)} distinct branch "
                        "target(s); a decision needs at least 2",
                        step.where("branches") if step.branches else step.where("kind"),
                        process.id,
                    )


@release_rule(
    id="SPEC-206",
    slug="process.step-without-role",
    title="A task or decision step names no responsible role",
    rationale="The handbook requires an owner for every step of a procedure; without one, "
    "neither the manual nor a check can say who was supposed to act.",
)
def step_without_role(handbook: Handbook) -> Iterator[Hit]:
    """Every step of ``kind: task`` or ``kind: decision`` names at least one role."""
    for process in handbook.processes:
        for step in process.steps:
            if step.kind in ("task", "decision") and not step.roles:
                yield Hit(
                    f"{step.kind} step {step.id!r} names no role", step.where("id"), process.id
                )
