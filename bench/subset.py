"""A copy of the standards where only some rules are active, to time svcstd on shared rules.

Every other rule gets ``status: draft``, which ``svcstd check`` skips (without
``--include-draft``); definitions (calendars, roles, vocabulary) stay as they are. The copy
lives under ``build/bench/`` and is rewritten from ``standards/`` on every run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from ruamel.yaml import YAML

#: Sections whose items are rules (checked by ``svcstd check``).
RULE_SECTIONS = (
    "time_limits",
    "escalation_paths",
    "processes",
    "record_types",
    "archiving",
    "retention",
    "ownership",
    "authorities",
    "kpis",
)


def only(standards: Path, keep: Iterable[str], out: Path) -> Path:
    """Copy ``standards`` to ``out`` with every rule not in ``keep`` set to draft."""
    keep = set(keep)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(standards, out)
    yaml = YAML()  # round trip: keeps the files as the loader expects them
    yaml.width = 4096
    for path in sorted(out.rglob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            continue
        changed = False
        for section in RULE_SECTIONS:
            for item in doc.get(section) or []:
                if item.get("id") not in keep and item.get("status", "active") == "active":
                    item["status"] = "draft"
                    changed = True
        if changed:
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(doc, handle)
    return out
