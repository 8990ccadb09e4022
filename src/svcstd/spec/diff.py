"""The computed difference between two releases, item by item and field by field.

Releases are copies, not patches (DESIGN.md); this module is what turns two copies into the
changelog a reviewer reads. Items are matched by ``(section, id)``; inside an item, lists of
mappings that carry an ``id`` (process steps) are matched by id, other lists by position.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from svcstd.spec.model import SECTIONS, Handbook, Item

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs: ``path`` like ``clock.start[0].event`` or ``steps[close].roles``."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ItemChange:
    """An item added, removed or changed between two releases."""

    kind: ChangeKind
    section: str
    id: str
    title: str
    fields: tuple[FieldChange, ...] = ()
    old: Item | None = field(default=None, compare=False, repr=False)
    new: Item | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ReleaseDiff:
    """Every item change from ``old`` to ``new``, in manual (section) order then by id."""

    old: str
    new: str
    changes: tuple[ItemChange, ...]

    def ids(self) -> set[str]:
        return {c.id for c in self.changes}

    def by_kind(self, kind: ChangeKind) -> list[ItemChange]:
        return [c for c in self.changes if c.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changes": [
                {
                    "kind": c.kind,
                    "section": c.section,
                    "id": c.id,
                    "title": c.title,
                    "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in c.fields],
                }
                for c in self.changes
            ],
        }


# Metadata that says where a rule sits in the history rather than what it requires.
_IGNORED = frozenset({"since", "retired_in"})


def _dump(item: Item) -> dict[str, Any]:
    data = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if k not in _IGNORED}


def _walk(old: Any, new: Any, path: str) -> Iterator[FieldChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=lambda k: (k not in old, str(k))):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                yield FieldChange(sub, None, new[key])
            elif key not in new:
                yield FieldChange(sub, old[key], None)
            else:
                yield from _walk(old[key], new[key], sub)
        return
    if isinstance(old, list) and isinstance(new, list) and _keyed(old) and _keyed(new):
        olds = {o["id"]: o for o in old}
        news = {n["id"]: n for n in new}
        order = [o["id"] for o in old] + [n["id"] for n in new if n["id"] not in olds]
        for key in order:
            sub = f"{path}[{key}]"
            if key not in news:
                yield FieldChange(sub, olds[key], None)
            elif key not in olds:
                yield FieldChange(sub, None, news[key])
            else:
                yield from _walk(olds[key], news[key], sub)
        if [o["id"] for o in old if o["id"] in news] != [n["id"] for n in new if n["id"] in olds]:
            yield FieldChange(f"{path}(order)", [o["id"] for o in old], [n["id"] for n in new])
        return
    if old != new:
        yield FieldChange(path, old, new)


def _keyed(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "id" in i for i in items)


def diff_releases(old: Handbook, new: Handbook) -> ReleaseDiff:
    """Compute what changed from ``old`` to ``new``."""
    changes: list[ItemChange] = []
    for section in SECTIONS:
        before = {i.id: i for i in getattr(old, section)}  # type: ignore[attr-defined]
        after = {i.id: i for i in getattr(new, section)}  # type: ignore[attr-defined]
        for item_id in sorted(set(before) | set(after)):
            o, n = before.get(item_id), after.get(item_id)
            if o is None:
                changes.append(ItemChange("added", section, item_id, n.title, new=n))  # type: ignore[union-attr]
            elif n is None:
                changes.append(ItemChange("removed", section, item_id, o.title, old=o))
            else:
                fields = tuple(_walk(_dump(o), _dump(n), ""))
                if fields:
                    changes.append(ItemChange("changed", section, item_id, n.title, fields, o, n))
    return ReleaseDiff(old.version, new.version, tuple(changes))
