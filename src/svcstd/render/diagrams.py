"""Flowcharts of the handbook as Graphviz DOT, rendered to SVG at build time.

Why Graphviz and build-time SVG (and not Mermaid in the browser): the published handbook must
show its diagrams offline, with no CDN. An SVG drawn at build time is part of the page itself —
it shows with JavaScript off, prints, survives "save page as" for an audit file, and its
labels are real text that the browser's find-in-page sees. Graphviz (``dot``) is a decades-old,
well-kept layout engine packaged by every distribution (Debian: ``graphviz``), and its
clusters give process swimlanes for free. Mermaid would add a 3 MB script that lays the
diagram out again in every reader's browser, with output that changes between its releases.

Determinism: the DOT text is built in spec order with explicit ids and is byte-stable (the
golden tests pin it). The SVG is stable for a given Graphviz version and font set; the
version comment Graphviz writes is stripped so the built site does not depend on it.

Three kinds of diagram:

- :func:`process_dot` — a process: steps (start/end rounded, tasks boxes, decisions diamonds,
  optional steps dashed) in one swimlane (cluster) per responsible role, branches labelled;
- :func:`ladder_dot` — an escalation path: the levels bottom-up, each trigger a note pointing
  at the level it escalates to, with how soon the escalation must follow;
- :func:`lifecycle_dot` — the case life-cycle as a state diagram from ``states[].next``.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
import textwrap
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from svcstd.errors import SvcstdError
from svcstd.spec.model import EscalationPath, Handbook, Process, Step

FONT = "sans-serif"
#: Width (in display columns; a Chinese character counts two) at which labels wrap.
WRAP = 28

_GRAPH = (
    f'  graph [fontname="{FONT}" fontsize=12 bgcolor="transparent" nodesep=0.35 ranksep=0.45];\n'
    f'  node [fontname="{FONT}" fontsize=12 shape=box style="rounded,filled" fillcolor="#ffffff" '
    'color="#37474f" penwidth=1.2];\n'
    f'  edge [fontname="{FONT}" fontsize=10 color="#546e7a" fontcolor="#37474f"];\n'
)
_LANE_COLOURS = ("#e3f2fd", "#e8f5e9", "#fff3e0", "#f3e5f5", "#e0f7fa", "#fce4ec", "#f1f8e9")


@dataclass(frozen=True)
class Diagram:
    """A diagram to draw: an id unique in the site page, a caption, and its DOT source."""

    id: str
    kind: str  # "process" | "escalation" | "lifecycle"
    caption: str
    dot: str
    labels: tuple[str, ...]  # the node labels a reader must find (for tests and alt text)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int = WRAP) -> list[str]:
    """Break a label into lines of at most ``width`` columns; CJK text breaks between characters."""
    text = " ".join(text.split())
    if _width(text) <= width:
        return [text]
    if all(_width(c) == 1 for c in text):
        return textwrap.wrap(text, width) or [text]
    lines, line = [], ""
    for token in re.findall(r"[A-Za-z0-9_.,;:!?%'()/&+-]+\s*|\s+|.", text):
        if line and _width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def label(*parts: str | None) -> str:
    """A multi-line DOT label (centred lines), each part wrapped."""
    lines: list[str] = []
    for part in parts:
        if part:
            lines.extend(wrap(part))
    return '"' + "\\n".join(quote(line)[1:-1] for line in lines) + '"'


def _safe_id(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _role_titles(release: Handbook) -> dict[str, str]:
    return {r.id: r.title for r in release.roles}


# --------------------------------------------------------------------------------------------
# process flowcharts


def _step_attrs(step: Step) -> str:
    if step.kind == "decision":
        attrs = 'shape=diamond style="filled" fillcolor="#fffde7"'
    elif step.kind in ("start", "end"):
        attrs = 'shape=box style="rounded,filled,bold" fillcolor="#eceff1"'
    else:
        attrs = ""
    if not step.required:
        attrs += (
            ' style="rounded,dashed,filled"'
            if step.kind != "decision"
            else ' style="dashed,filled"'
        )
    return attrs.strip()


def process_dot(release: Handbook, process: Process) -> Diagram:
    """The flowchart of one process, one swimlane per first responsible role."""
    gid = _safe_id(process.id)
    roles = _role_titles(release)
    lanes: dict[str, list[Step]] = {}
    for step in process.steps:
        lanes.setdefault(step.roles[0] if step.roles else "", []).append(step)
    out = [f"digraph {quote(gid)} {{\n", f"  id={quote(gid)};\n  rankdir=TB;\n", _GRAPH]
    for n, (role, steps) in enumerate(lanes.items()):
        indent = "    " if role else "  "
        if role:
            out.append(f"  subgraph {quote('cluster_' + role)} {{\n")
            out.append(
                f"    id={quote(f'{gid}-lane-{role}')}; label={label(roles.get(role, role))}; "
                f'labeljust="l"; style="filled,rounded"; color="#b0bec5"; '
                f'fillcolor="{_LANE_COLOURS[n % len(_LANE_COLOURS)]}";\n'
            )
        for step in steps:
            extra = [roles.get(r, r) for r in step.roles[1:]]
            lbl = label(step.title, step.title_zh, ("with " + ", ".join(extra)) if extra else None)
            attrs = _step_attrs(step)
            out.append(
                f"{indent}{quote(step.id)} [id={quote(f'{gid}-{step.id}')} label={lbl}"
                + (f" {attrs}" if attrs else "")
                + "];\n"
            )
        if role:
            out.append("  }\n")
    for step in process.steps:
        for target in step.next:
            out.append(f"  {quote(step.id)} -> {quote(target)};\n")
        for branch in step.branches:
            out.append(f"  {quote(step.id)} -> {quote(branch.to)} [label={label(branch.when)}];\n")
    out.append("}\n")
    return Diagram(
        id=gid,
        kind="process",
        caption=f"Flowchart of {process.id} {process.title}",
        dot="".join(out),
        labels=tuple(s.title for s in process.steps),
    )


# --------------------------------------------------------------------------------------------
# escalation ladders


def trigger_text(trigger: object) -> str:
    """What fires a trigger, in plain words (shared by the ladder and the rule's page)."""
    on = trigger.on  # type: ignore[attr-defined]
    if on == "limit-share":
        return f"{trigger.share:.0%} of {trigger.limit} used"  # type: ignore[attr-defined]
    if on == "breach":
        return f"{trigger.limit} breached"  # type: ignore[attr-defined]
    if on == "priority":
        return "priority " + " or ".join(trigger.priorities)  # type: ignore[attr-defined]
    if on == "event":
        return f"event {trigger.event}"  # type: ignore[attr-defined]
    if on == "repeat":
        return f"{trigger.count} complaints within {trigger.window}"  # type: ignore[attr-defined]
    return str(on)


def trigger_groups(path: EscalationPath) -> list[tuple[str, int, str, str | None]]:
    """Triggers that differ only in the time limit they watch, drawn as one note.

    A ladder often fires "at 75 % of" five different limits with the same target level and
    deadline; five notes would shrink the picture to nothing. Returns ``(text, to_level,
    within, note)`` in the order of each group's first trigger.
    """
    groups: dict[tuple[object, ...], list[Any]] = {}
    for trig in path.triggers:
        share = getattr(trig, "share", None)
        limit = getattr(trig, "limit", None)
        key = (trig.on, share, trig.to_level, str(trig.within), trig.note) if limit else (id(trig),)
        groups.setdefault(key, []).append(trig)
    out = []
    for members in groups.values():
        first = members[0]
        text = trigger_text(first)
        if len(members) > 1:
            limits = [m.limit for m in members]
            joined = ", ".join(limits[:-1]) + " or " + limits[-1]
            text = text.replace(first.limit, joined, 1)
        out.append((text, first.to_level, str(first.within), first.note))
    return out


def ladder_dot(release: Handbook, path: EscalationPath) -> Diagram:
    """The escalation ladder of one path: levels bottom-up and the triggers that climb it."""
    gid = _safe_id(path.id)
    roles = _role_titles(release)
    out = [f"digraph {quote(gid)} {{\n", f"  id={quote(gid)};\n  rankdir=BT;\n", _GRAPH]
    levels = sorted(path.levels, key=lambda lv: lv.level)
    for lv in levels:
        title = lv.title or roles.get(lv.role, lv.role)
        out.append(
            f"  {quote(f'level-{lv.level}')} [id={quote(f'{gid}-level-{lv.level}')} "
            f'label={label(f"Level {lv.level}", title)} fillcolor="#e3f2fd"];\n'
        )
    for a, b in itertools.pairwise(levels):
        out.append(f"  {quote(f'level-{a.level}')} -> {quote(f'level-{b.level}')} [penwidth=2];\n")
    for n, (text, to_level, within, note) in enumerate(trigger_groups(path), 1):
        tid = f"trigger-{n}"
        out.append(
            f"  {quote(tid)} [id={quote(f'{gid}-{tid}')} shape=note style=filled "
            f'fillcolor="#fff8e1" label={label(text, note)}];\n'
        )
        out.append(
            f"  {quote(tid)} -> {quote(f'level-{to_level}')} "
            f"[style=dashed label={label(f'within {within}')}];\n"
        )
    out.append("}\n")
    return Diagram(
        id=gid,
        kind="escalation",
        caption=f"Escalation ladder {path.id} {path.title}",
        dot="".join(out),
        labels=tuple(lv.title or roles.get(lv.role, lv.role) for lv in levels),
    )


# --------------------------------------------------------------------------------------------
# the case life-cycle


def lifecycle_dot(release: Handbook) -> Diagram | None:
    """The case life-cycle: states and their allowed next states (None without states)."""
    if not release.states:
        return None
    out = ['digraph "lifecycle" {\n', '  id="lifecycle";\n  rankdir=LR;\n', _GRAPH]
    out.append('  "__start" [id="lifecycle-start" shape=point width=0.18 label=""];\n')
    for state in release.states:
        final = state.phase in ("closed", "cancelled") and not state.next
        attrs = ' peripheries=2 fillcolor="#eceff1"' if final else ""
        out.append(
            f"  {quote(state.id)} [id={quote(f'lifecycle-{state.id}')} "
            f"label={label(state.title, state.title_zh)}{attrs}];\n"
        )
    for state in release.states:
        if state.phase == "new":
            out.append(f'  "__start" -> {quote(state.id)};\n')
    for state in release.states:
        for target in state.next:
            out.append(f"  {quote(state.id)} -> {quote(target)};\n")
    out.append("}\n")
    return Diagram(
        id="lifecycle",
        kind="lifecycle",
        caption="Case life-cycle",
        dot="".join(out),
        labels=tuple(s.title for s in release.states),
    )


# --------------------------------------------------------------------------------------------
# SVG


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def dot_binary() -> str:
    """Path of Graphviz ``dot``; a clear error when it is not installed."""
    found = shutil.which("dot")
    if not found:
        raise SvcstdError(
            "Graphviz 'dot' is not installed: the manual's flowcharts are drawn at build time "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
        )
    return found


@functools.lru_cache(maxsize=512)
def dot_to_svg(dot: str) -> str:
    """Run ``dot -Tsvg`` and return an inline-ready ``<svg>`` element, comments removed."""
    proc = subprocess.run(
        [dot_binary(), "-Tsvg"],
        input=dot.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise SvcstdError(f"graphviz failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    svg = proc.stdout.decode("utf-8")
    svg = _COMMENT.sub("", _PROLOG.sub("", svg, count=1))
    # keep the drawn size as the maximum, let narrow screens shrink it
    svg = _SIZE.sub(
        lambda m: (
            f'<svg width="{m.group(1)}pt" height="{m.group(2)}pt" '
            'style="max-width:100%;height:auto"'
        ),
        svg,
        count=1,
    )
    # raw HTML blocks in Markdown end at a blank line: an inline SVG must have none
    return "\n".join(line for line in svg.splitlines() if line.strip())


def svg_figure(diagram: Diagram) -> Markup:
    """The diagram as an HTML figure with an inline SVG (raw HTML inside the Markdown page)."""
    svg = dot_to_svg(diagram.dot)
    return Markup(
        '<figure class="svcstd-diagram svcstd-{kind}" id="diagram-{id}" role="group" '
        'aria-label="{caption}">\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>'
    ).format(kind=diagram.kind, id=diagram.id, caption=diagram.caption, svg=Markup(svg))


def placeholder_figure(diagram: Diagram) -> Markup:
    """A stand-in for the SVG (golden tests of pages must not depend on the Graphviz build)."""
    return Markup(
        '<figure class="svcstd-diagram" id="diagram-{id}">{kind}: {caption}</figure>'
    ).format(id=diagram.id, kind=diagram.kind, caption=diagram.caption)


DiagramRenderer = Callable[[Diagram], Markup]


def all_diagrams(release: Handbook) -> Iterable[Diagram]:
    """Every diagram of a release, in manual order."""
    for process in release.processes:
        yield process_dot(release, process)
    for path in release.escalation_paths:
        yield ladder_dot(release, path)
    life = lifecycle_dot(release)
    if life is not None:
        yield life
