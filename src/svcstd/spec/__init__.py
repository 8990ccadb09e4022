"""The handbook as data: model, loader, release history and diff."""

from svcstd.spec.duration import Duration
from svcstd.spec.loader import discover, load_release, load_releases
from svcstd.spec.model import Handbook, Loc, Rule
from svcstd.spec.releases import Standards, load_standards

__all__ = [
    "Duration",
    "Handbook",
    "Loc",
    "Rule",
    "Standards",
    "discover",
    "load_release",
    "load_releases",
    "load_standards",
]
