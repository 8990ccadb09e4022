"""``svcstd due``: a deadline, or the business time between two instants, on a handbook calendar.

Timestamps are ISO 8601. They must carry an offset (``+08:00``, ``Z``) unless ``--tz`` names
the zone of naive ones — a naive timestamp is never guessed. Results are printed in the
calendar's zone. The calendar comes from ``--release`` (default: the latest release) and
``--calendar`` (default: the release's default calendar).
"""

from __future__ import annotations

import re

import click
from rich import box
from rich.console import Console
from rich.table import Table

from svcstd.cli.base import run
from svcstd.errors import SvcstdError
from svcstd.spec import load_standards
from svcstd.spec.duration import Duration
from svcstd.timecalc import limits
from svcstd.timecalc.calendar import BusinessCalendar, Piece
from svcstd.timecalc.instants import format_duration, iso, parse_instant
from svcstd.timecalc.policy import business_calendar
from svcstd.timecalc.zones import zone

#: Fixed width so that explanations print the same in a terminal, a pipe and a test.
WIDTH = 120


def parse_duration(text: str) -> Duration:
    """Parse a DURATION argument; negative or malformed text is a :class:`SvcstdError`."""
    if text.strip().startswith("-"):
        raise SvcstdError(f"negative duration {text.strip()!r}: a time limit cannot be negative")
    try:
        return Duration.parse(text)
    except ValueError as exc:
        raise SvcstdError(str(exc)) from None


class _DueCommand(click.Command):
    """Lets a negative DURATION (``-2h``) reach the error message instead of click's option
    parser, which would read ``-2h`` as the options ``-2`` and ``-h`` (help)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, [" " + a if re.match(r"^-\d", a) else a for a in args])


def _echo(console: Console, *renderables: object) -> None:
    """Print through rich, without the trailing spaces rich pads table cells with."""
    with console.capture() as captured:
        console.print(*renderables)
    for line in captured.get().splitlines():
        click.echo(line.rstrip())


def _trace(console: Console, pieces: list[Piece], tz: str) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, justify in (("from", "left"), ("to", "left"), ("length", "right"),
                          ("counted", "left"), ("reason", "left")):  # fmt: skip
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for p in pieces:
        table.add_row(
            iso(p.start, tz), iso(p.end, tz), format_duration(p.end - p.start),
            "yes" if p.counted else "no", p.reason,
        )  # fmt: skip
    _echo(console, table)


def _pieces(cal: BusinessCalendar, start: int, end: int, time: str) -> list[Piece]:
    if time == "business":
        return cal.pieces(start, end)
    return [Piece(start, end, True, "calendar time")] if end > start else []


@click.command("due", cls=_DueCommand)
@click.argument("start")
@click.argument("duration", metavar="DURATION|END")
@click.option("--between", is_flag=True, help="Print the time between START and END instead.")
@click.option(
    "--calendar", "calendar_id", metavar="ID", help="Calendar id (default: the release's)."
)
@click.option("--standards", default="standards", show_default=True, type=click.Path(),
              help="The standards folder.")  # fmt: skip
@click.option("--release", metavar="R", help="Release version (default: the latest).")
@click.option("--time", "basis", type=click.Choice(["business", "calendar"]), default="business",
              show_default=True, help="Count working time or all elapsed time.")  # fmt: skip
@click.option("--tz", metavar="ZONE", help="IANA zone of timestamps written without an offset.")
@click.option("--explain", is_flag=True, help="Show the interval trace: what counted and why.")
@run
def command(
    start: str,
    duration: str,
    between: bool,
    calendar_id: str | None,
    standards: str,
    release: str | None,
    basis: str,
    tz: str | None,
    explain: bool,
) -> int:
    """Print the deadline DURATION after START (e.g. 2026-11-23T10:00+08:00 2bd).

    With --between, print the business time from START to END (the second argument).
    """
    zone_ = zone(tz) if tz else None
    t0 = parse_instant(start, zone_)
    if between:
        t1 = parse_instant(duration, zone_)
        if t1 < t0:
            raise SvcstdError(f"END {duration} is before START {start}")
    else:
        target = parse_duration(duration)
    loaded = load_standards(standards)
    handbook = loaded.get(release) if release else loaded.latest
    cal = business_calendar(handbook, calendar_id)
    out = Console(highlight=False, width=WIDTH, soft_wrap=False)
    what = "business" if basis == "business" else "calendar"

    if between:
        seconds = int(limits.elapsed(cal, t0, t1, basis))  # type: ignore[arg-type]
        if explain:
            _echo(
                out,
                f"{what.capitalize()} time from {iso(t0, cal.timezone)} to {iso(t1, cal.timezone)} "
                f"on calendar {cal.id} ({cal.timezone}), release {handbook.version}",
            )
            _trace(out, _pieces(cal, t0, t1, basis), cal.timezone)
        click.echo(f"{format_duration(seconds)} ({seconds} s)")
        return 0

    due = int(limits.deadline(cal, t0, target, basis))  # type: ignore[arg-type]
    if explain:
        _echo(
            out,
            f"{target} of {what} time from {iso(t0, cal.timezone)} on calendar {cal.id} "
            f"({cal.timezone}), release {handbook.version}",
        )
        _trace(out, _pieces(cal, t0, due, basis), cal.timezone)
        counted = int(limits.elapsed(cal, t0, due, basis))  # type: ignore[arg-type]
        _echo(out, f"counted {format_duration(counted)} ({counted} s); due at:")
    click.echo(iso(due, cal.timezone))
    return 0
