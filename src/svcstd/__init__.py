"""svcstd: customer-service handbooks as versioned, checkable, publishable YAML standards.

The Python API (:mod:`svcstd.api`) is re-exported here and imported on first use, so
``import svcstd`` stays cheap::

    import svcstd
    result = svcstd.check("export.csv", profile="svcstd", as_of="2026-10-29T00:00+08:00")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from svcstd.api import (
        FORMATS,
        CheckResult,
        Comparison,
        Finding,
        LintResult,
        RecordSet,
        Standards,
        SvcstdError,
        Waiver,
        business_time,
        check,
        due,
        lint_standards,
        load_standards,
        load_waivers,
        read_records,
        read_records_sql,
    )

__all__ = [
    "FORMATS",
    "CheckResult",
    "Comparison",
    "Finding",
    "LintResult",
    "RecordSet",
    "Standards",
    "SvcstdError",
    "Waiver",
    "__version__",
    "business_time",
    "check",
    "due",
    "lint_standards",
    "load_standards",
    "load_waivers",
    "read_records",
    "read_records_sql",
]


def __getattr__(name: str) -> Any:
    """Import the API on first use of one of its names (PEP 562)."""
    if name in __all__ and name != "__version__":
        from svcstd import api

        return getattr(api, name)
    raise AttributeError(f"module 'svcstd' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
