"""Golden files with one update switch: ``SVCSTD_UPDATE_GOLDEN=1 pytest tests/render``."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SVCSTD_UPDATE_GOLDEN") == "1"


def check_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with ``golden/<name>``; rewrite it instead when updating."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}; run with SVCSTD_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from its golden file; review the change, then rerun with "
        "SVCSTD_UPDATE_GOLDEN=1 to accept it"
    )
