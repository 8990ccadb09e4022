"""Inline SVG bar charts for the HTML report, drawn in Python (no JavaScript, no CDN).

A chart is a list of :class:`Bar` drawn as horizontal bars with their labels on the left and
the value on the right, optionally with a target line. Labels come from records (channels,
case ids) and specs, so every text is escaped with markupsafe; the result is
:class:`markupsafe.Markup` the template may print as is. Coordinates are rounded to one
decimal, so the output is the same on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

#: Bar colours by tone (colour-blind-safe blue / orange / grey, from the Okabe-Ito palette).
TONES = {"good": "#0072b2", "bad": "#d55e00", "neutral": "#999999"}

WIDTH = 760
LABEL_W = 190
VALUE_W = 170
ROW_H = 18
PAD = 6


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value (in chart units), the text shown beside it, and its tone."""

    label: str
    value: float
    text: str
    tone: str = "bad"
    title: str = ""


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    bars: Sequence[Bar],
    *,
    label: str,
    scale: float = 1.0,
    target: float | None = None,
    target_text: str = "",
) -> Markup:
    """Horizontal bars from 0 to ``scale``; a dashed line at ``target`` when given.

    ``label`` is the chart's accessible name (``<title>`` and ``aria-label``).
    """
    plot = WIDTH - LABEL_W - VALUE_W
    top = 20 if target is not None else 4
    height = top + len(bars) * ROW_H + PAD
    scale = scale if scale > 0 else 1.0
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            'width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-label="{a}">'
            "<title>{a}</title>"
        ).format(w=WIDTH, h=height, a=label),
        Markup('<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#f4f4f4"/>').format(
            x=LABEL_W, y=top - 2, w=plot, h=len(bars) * ROW_H + 2
        ),
    ]
    for i, bar in enumerate(bars):
        y = top + i * ROW_H
        w = max(0.0, min(bar.value / scale, 1.0)) * plot
        tip = bar.title or f"{bar.label}: {bar.text}"
        parts.append(
            Markup(
                "<g><title>{tip}</title>"
                '<text x="{lx}" y="{ty}" text-anchor="end" font-size="12">{label}</text>'
                '<rect x="{x}" y="{ry}" width="{w}" height="{h}" fill="{fill}"/>'
                '<text x="{vx}" y="{ty}" font-size="12">{text}</text></g>'
            ).format(
                tip=tip,
                lx=LABEL_W - 6,
                ty=_n(y + ROW_H - 5),
                label=_clip(bar.label, 28),
                x=LABEL_W,
                ry=_n(y + 2),
                w=_n(w),
                h=ROW_H - 4,
                fill=TONES.get(bar.tone, TONES["neutral"]),
                vx=LABEL_W + plot + 6,
                text=bar.text,
            )
        )
    if target is not None:
        x = LABEL_W + max(0.0, min(target / scale, 1.0)) * plot
        parts.append(
            Markup(
                '<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#000" stroke-dasharray="4 3"/>'
                '<text x="{x}" y="12" text-anchor="middle" font-size="11">{t}</text>'
            ).format(x=_n(x), y1=top - 4, y2=height - PAD + 2, t=target_text)
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
