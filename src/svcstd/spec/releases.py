"""The release history: which release was in force at an instant."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from svcstd.errors import Problem, SpecError
from svcstd.spec.cache import cached_releases
from svcstd.spec.loader import discover, load_releases
from svcstd.spec.model import Handbook


@dataclass(frozen=True)
class Standards:
    """Every release under a standards folder, oldest first."""

    root: str
    releases: tuple[Handbook, ...]

    @property
    def latest(self) -> Handbook:
        return self.releases[-1]

    def get(self, version: str) -> Handbook:
        for release in self.releases:
            if release.version == version:
                return release
        known = ", ".join(r.version for r in self.releases)
        raise SpecError(Problem(self.root, f"no release {version!r} (have {known})"))

    def in_force(self, at: dt.datetime) -> Handbook | None:
        """The release in force at an aware instant, judged in each release's own time zone.

        ``effective_from`` is a date; it takes effect at local midnight of the release's default
        calendar's time zone (UTC when the release has none).
        """
        if at.tzinfo is None:
            raise ValueError("in_force needs an aware datetime")
        starts = [release_start(r) for r in self.releases]
        i = bisect.bisect_right(starts, at.timestamp()) - 1
        return self.releases[i] if i >= 0 else None


def release_start(release: Handbook) -> int:
    """When a release takes effect, as UTC epoch seconds (see :meth:`Standards.in_force`)."""
    return int(_start_of(release).timestamp())


def _start_of(release: Handbook) -> dt.datetime:
    cal = release.calendar()
    tz = ZoneInfo(cal.timezone) if cal else dt.UTC
    return dt.datetime.combine(release.meta.effective_from, dt.time(), tzinfo=tz)


def load_standards(root: Path | str) -> Standards:
    """Load every release under ``root`` (or ``root`` itself when it is one release)."""
    return Standards(str(root), tuple(cached_releases(discover(root), load_releases)))
