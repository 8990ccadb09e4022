"""Draft a calendar's holiday list with the ``holidays`` package — for maintainers, not at run time.

The engine never looks holidays up: a release pins its list in YAML, so a case is judged the
same way forever, whatever a library update says later. This helper only *drafts* that YAML
for a country and years; a maintainer checks it against the official notice and pastes it into
``calendars.yaml``.

Make-up working days (China's 调休) are read from the package's names of substituted days off
("Day off (substituted from 02/14/2026)"): the day worked in exchange gets the hours of the day
taken off.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from svcstd.errors import SvcstdError
from svcstd.spec.model import WEEKDAYS

_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def draft_holidays(country: str, years: Iterable[int], subdiv: str | None = None) -> str:
    """YAML text with ``holidays:`` and ``workdays:`` for ``country`` (ISO 3166 code) and ``years``.

    Needs the optional dependency ``holidays`` (``pip install 'svcstd[holidays]'``).
    """
    try:
        import holidays as lib
    except ImportError:
        raise SvcstdError(
            "drafting holiday lists needs the 'holidays' package: pip install 'svcstd[holidays]'"
        ) from None
    try:
        found = lib.country_holidays(country, subdiv=subdiv, years=list(years))
    except NotImplementedError:
        raise SvcstdError(f"the holidays package has no country {country!r}") from None
    entries: list[tuple[dt.date, str]] = sorted(found.items())
    version = getattr(lib, "__version__", "?")
    lines = [
        f"# Drafted with holidays {version} for {country}"
        + (f"-{subdiv}" if subdiv else "")
        + "; check against the official notice before pinning.",
        "holidays:",
    ]
    makeups: list[tuple[dt.date, str, str]] = []
    for day, name in entries:
        lines.append(f"  - {{name: {_quote(name)}, date: {day.isoformat()}}}")
        m = _SUBSTITUTED.search(name)
        if m:
            month, mday, year = map(int, m.groups())
            worked = dt.date(year, month, mday)
            makeups.append(
                (worked, f"make-up working day for {day.isoformat()}", WEEKDAYS[day.weekday()])
            )
    lines.append("workdays:" if makeups else "workdays: []")
    for worked, name, hours_of in sorted(makeups):
        lines.append(
            f"  - {{date: {worked.isoformat()}, name: {_quote(name)}, hours_of: {hours_of}}}"
        )
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
