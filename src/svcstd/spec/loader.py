"""Load releases from ``standards/<release>/*.yaml`` with ruamel.yaml.

The loader is strict: duplicate keys, unknown fields (with a did-you-mean), wrong types, bad
durations, YAML syntax errors, tags (``!!python/object`` and any other) and alias bombs are rejected, each as one :class:`~svcstd.errors.Problem` naming file:line:column.
Nothing in a spec is ever executed: ruamel's round-trip loader builds plain containers, and
any tagged node is refused before validation.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from svcstd.errors import Problem, SpecError
from svcstd.spec.model import LOC_KEY, SECTIONS, Handbook, Loc, SpecFile

#: A spec file larger than this is refused before parsing.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Nodes a file may expand to once aliases are followed (alias-bomb guard).
MAX_NODES = 200_000

HANDBOOK_FILE = "handbook.yaml"

Path_ = tuple[str | int, ...]


class _Converter:
    """Turns a ruamel round-trip tree into plain dicts/lists, recording positions."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.nodes = 0

    def fail(self, message: str, pos: tuple[int, int] | None) -> SpecError:
        line, col = pos if pos else (None, None)
        return SpecError(Problem(self.file, message, line, col))

    def convert(self, node: Any, path: Path_, pos: tuple[int, int] | None) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"document expands to more than {MAX_NODES} nodes (alias bomb?); "
                "write the values out or split the file",
                pos,
            )
        # ruamel's round-trip constructor already turns a self-referencing alias into null,
        # so the tree is acyclic; aliases may still fan out, which the node budget bounds.
        if isinstance(node, CommentedMap):
            return self._map(node, path)
        if isinstance(node, CommentedSeq):
            return self._seq(node, path)
        tag = getattr(node, "tag", None)
        if tag is not None and getattr(tag, "value", None) is not None or hasattr(node, "yaml_tag"):
            shown = getattr(tag, "value", tag)
            raise self.fail(f"tag {shown} is not allowed in standards (plain YAML only)", pos)
        return self._scalar(node, pos)

    def _map(self, node: CommentedMap, path: Path_) -> dict[str, Any]:
        tag = node.tag.value if node.tag is not None else None
        here = (node.lc.line + 1, node.lc.col + 1)
        if tag is not None and tag != "tag:yaml.org,2002:map":
            raise self.fail(f"tag {tag} is not allowed in standards (plain YAML only)", here)
        self.positions[path] = here
        out: dict[str, Any] = {}
        keys: dict[str, tuple[int, int]] = {}
        for key in node:
            kpos = node.lc.key(key)
            kpos = (kpos[0] + 1, kpos[1] + 1)
            if not isinstance(key, str):
                raise self.fail(f"keys must be text, not {type(key).__name__} {key!r}", kpos)
            if key.startswith("__"):
                raise self.fail(f"key {key!r} is reserved", kpos)
            vpos = node.lc.value(key)
            vpos = (vpos[0] + 1, vpos[1] + 1) if vpos else kpos
            keys[key] = kpos
            # Errors about a value point at its key: that is where the reader looks.
            self.positions[(*path, key)] = kpos
            out[key] = self.convert(node[key], (*path, key), vpos)
        out[LOC_KEY] = Loc(self.file, here[0], here[1], keys)
        return out

    def _seq(self, node: CommentedSeq, path: Path_) -> list[Any]:
        tag = node.tag.value if node.tag is not None else None
        here = (node.lc.line + 1, node.lc.col + 1)
        if tag is not None and tag != "tag:yaml.org,2002:seq":
            raise self.fail(f"tag {tag} is not allowed in standards (plain YAML only)", here)
        self.positions.setdefault(path, here)
        out = []
        for i, item in enumerate(node):
            ipos = node.lc.item(i)
            ipos = (ipos[0] + 1, ipos[1] + 1)
            self.positions[(*path, i)] = ipos
            out.append(self.convert(item, (*path, i), ipos))
        return out

    def _scalar(self, node: Any, pos: tuple[int, int] | None) -> Any:
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            return str(node)
        if isinstance(node, dt.datetime):
            return dt.datetime.fromisoformat(node.isoformat())
        if isinstance(node, dt.date):
            return dt.date(node.year, node.month, node.day)
        raise self.fail(f"unsupported value of type {type(node).__name__}", pos)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, dict[Path_, tuple[int, int]]]:
    """Read one YAML file into plain data plus a table of positions by path."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(
                Problem(name, f"file is {size} bytes; spec files are limited to {MAX_FILE_BYTES}")
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(Problem(name, f"cannot read: {exc.strerror or exc}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(Problem(name, "not UTF-8 text (spec files are UTF-8)", line)) from None
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise SpecError(Problem(name, "NUL byte in a spec file", line))
    try:
        if "*" in text:  # aliases: refuse one that refers to a node containing it
            _refuse_circular(_yaml().compose(text), name)
        tree = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if "duplicate key" in str(what) or type(exc).__name__ == "DuplicateKeyError":
            key = str(exc).split('found duplicate key "', 1)[-1].split('"', 1)[0]
            what = f'duplicate key "{key}"' if key else "duplicate key"
        if "\\t" in what or "'\\t'" in what:
            what = "tab character: YAML indentation must use spaces"
        if mark is None:
            raise SpecError(Problem(name, f"YAML syntax: {what}")) from None
        raise SpecError(Problem(name, f"YAML syntax: {what}", mark.line + 1, mark.column + 1)) from None
    except YAMLError as exc:
        raise SpecError(Problem(name, f"YAML error: {str(exc).splitlines()[0]}")) from None
    except RecursionError:
        raise SpecError(Problem(name, "YAML nesting is too deep")) from None
    conv = _Converter(name)
    try:
        data = conv.convert(tree, (), (1, 1))
    except RecursionError:
        raise SpecError(Problem(name, "YAML nesting is too deep")) from None
    return data, conv.positions


def _refuse_circular(root: Node | None, name: str) -> None:
    """Raise when an alias sits inside the node it refers to (``&r [*r]``).

    ruamel would quietly load such an alias as null, and the error would then be a puzzling
    "got None". The walk visits each node once (aliases share nodes), so an alias bomb costs
    no more than its text.
    """
    done: set[int] = set()
    open_: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, leaving = stack.pop()
        if leaving:
            open_.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in done:
            continue
        open_.add(id(node))
        stack.append((node, True))
        if isinstance(node, MappingNode):
            children = [c for pair in node.value for c in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        else:
            children = []
        for child in children:
            if id(child) in open_:
                mark = child.start_mark
                anchor = f" &{child.anchor}" if getattr(child, "anchor", None) else ""
                raise SpecError(
                    Problem(
                        name,
                        f"circular reference: the node anchored here{anchor} contains an alias "
                        "to itself",
                        mark.line + 1,
                        mark.column + 1,
                    )
                )
            stack.append((child, False))


# --------------------------------------------------------------------------------------------
# Validation errors → located problems


def _unwrap(tp: Any) -> list[Any]:
    """The model classes and containers a field annotation may hold."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg)]
    if origin in (list, dict):
        return [tp]
    return [tp]


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Follow an error location through the model to the class that owns its last key."""
    candidates: list[Any] = [root]
    for comp in loc[:-1]:
        nxt: list[Any] = []
        for cand in candidates:
            origin = typing.get_origin(cand)
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                finfo = next(
                    (f for n, f in cand.model_fields.items() if comp in (n, f.alias)), None
                )
                if finfo is not None:
                    nxt.extend(_unwrap(finfo.annotation))
                else:
                    nxt.append(cand)  # a discriminator tag: stay on this class
            elif origin is list and isinstance(comp, int):
                nxt.extend(_unwrap(typing.get_args(cand)[0]))
            elif origin is dict:
                nxt.extend(_unwrap(typing.get_args(cand)[1]))
        candidates = nxt
        # a union of models: a tag component narrows to the model whose literal matches
        tagged = [
            c for c in candidates
            if isinstance(c, type) and issubclass(c, BaseModel) and _tag_of(c) == comp
        ]  # fmt: skip
        if tagged:
            candidates = tagged
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if len(models) == 1 else None


def _tag_of(model: type[BaseModel]) -> Any:
    for name in ("on", "kind"):
        f = model.model_fields.get(name)
        if f is not None and typing.get_origin(f.annotation) is typing.Literal:
            args = typing.get_args(f.annotation)
            if len(args) == 1:
                return args[0]
    return None


def _position(positions: dict[Path_, tuple[int, int]], loc: tuple[Any, ...]) -> tuple[int, int]:
    best: Path_ = ()
    for comp in loc:
        if (*best, comp) in positions:
            best = (*best, comp)
    return positions.get(best, (1, 1))


def _message(err: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    field = str(loc[-1]) if loc else ""
    shown = _shown(loc[:-1] if kind in ("extra_forbidden", "missing") else loc)
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        names = sorted(
            {f.alias or n for n, f in owner.model_fields.items() if n != "loc"} if owner else set()
        )
        hint = difflib.get_close_matches(field, names, n=1)
        msg = f"unknown field {field!r} in {shown}"
        if hint:
            msg += f" (did you mean {hint[0]!r}?)"
        elif names:
            msg += f"; allowed: {', '.join(names)}"
        return msg
    if kind == "missing":
        return f"missing required field {field!r} in {shown}"
    text = err["msg"]
    if text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"{shown}: {text}"
    value = err.get("input")
    if isinstance(value, dict | list) or repr(value) in text:
        return f"{shown}: {text}"
    return f"{shown}: {text} (got {value!r})"


def _shown(loc: tuple[Any, ...]) -> str:
    out = ""
    for comp in loc:
        out += f"[{comp}]" if isinstance(comp, int) else (f".{comp}" if out else str(comp))
    return out or "file"


def _is_branch_label(comp: Any) -> bool:
    """Pydantic names union branches 'list[...]', 'function-after[...]', 'TimeRange', 'str'."""
    return isinstance(comp, str) and (
        "[" in comp or comp[:1].isupper() or comp in ("str", "int", "float", "bool", "constrained-str")
    )


def _in_data(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...] | None:
    """The error location as keys and indexes of the data, without union branch labels.

    ``None`` when the error belongs to a union branch that does not fit the input's shape:
    for ``list[X] | X`` fields pydantic reports both branches, and only one is meaningful.
    """
    kept: list[Any] = []
    node = data
    for comp in loc:
        if _is_branch_label(comp):
            if comp.startswith("list[") != isinstance(node, list):
                return None
        elif isinstance(node, dict) and comp in (node.get("on"), node.get("kind")) and comp not in node:
            continue  # a discriminator tag such as 'limit-share'
        elif isinstance(node, dict) and comp in node:
            kept.append(comp)
            node = node[comp]
        elif isinstance(node, list) and isinstance(comp, int) and comp < len(node):
            kept.append(comp)
            node = node[comp]
        else:
            kept.append(comp)  # a missing or unknown key
            node = None
    return tuple(kept)


def validate_file(
    path: Path, model: type[BaseModel] = SpecFile, display: str | None = None
) -> BaseModel:
    """Read and validate one YAML file against ``model``; raise SpecError with every problem."""
    name = display or str(path)
    data, positions = read_yaml(path, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        line, col = positions.get((), (1, 1))
        raise SpecError(Problem(name, "a spec file must be a mapping of sections", line, col))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        seen = set()
        for err in exc.errors(include_url=False):
            loc = _in_data(tuple(c for c in err["loc"] if c != LOC_KEY), data)
            if loc is None:
                continue
            line, col = _position(positions, loc)
            msg = _message(err, model, loc)
            if (line, msg) not in seen:
                seen.add((line, msg))
                problems.append(Problem(name, msg, line, col))
        raise SpecError(sorted(problems, key=lambda p: (p.line or 0, p.col or 0))) from None


# --------------------------------------------------------------------------------------------
# Releases


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def release_files(folder: Path) -> list[Path]:
    """The YAML files of one release folder, handbook.yaml first, the rest by name."""
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return sorted(files, key=lambda p: (p.name != HANDBOOK_FILE, p.name))


def load_release(folder: Path | str) -> Handbook:
    """Load one release folder into a :class:`Handbook`."""
    folder = Path(folder)
    shown = _display(folder)
    if not folder.is_dir():
        raise SpecError(Problem(shown, "not a release folder"))
    files = release_files(folder)
    if not any(p.name == HANDBOOK_FILE for p in files):
        raise SpecError(Problem(shown, f"release folder has no {HANDBOOK_FILE}"))
    problems: list[Problem] = []
    parsed: list[tuple[Path, SpecFile]] = []
    for path in files:
        try:
            parsed.append((path, validate_file(path, SpecFile, _display(path))))  # type: ignore[arg-type]
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    merged: dict[str, Any] = {name: [] for name in SECTIONS}
    meta = None
    for path, spec in parsed:
        if spec.handbook is not None:
            if path.name != HANDBOOK_FILE:
                where = spec.where("handbook")
                raise SpecError(
                    Problem(_display(path), "the 'handbook:' section belongs in handbook.yaml",
                            where.line if where else None)
                )
            meta = spec.handbook
        elif path.name == HANDBOOK_FILE:
            raise SpecError(Problem(_display(path), "handbook.yaml has no 'handbook:' section", 1, 1))
        for name in SECTIONS:
            merged[name].extend(getattr(spec, name))
    assert meta is not None
    if meta.version != folder.name:
        loc = meta.where("version")
        raise SpecError(
            Problem(
                _display(folder / HANDBOOK_FILE),
                f"version {meta.version!r} does not match the release folder name {folder.name!r}",
                loc.line if loc else None,
                loc.col if loc else None,
            )
        )
    return Handbook.model_construct(
        handbook=meta,
        path=shown,
        files=[_display(p) for p in files],
        **merged,
    )


def is_release(folder: Path) -> bool:
    return (folder / HANDBOOK_FILE).is_file()


def discover(root: Path | str) -> list[Path]:
    """Release folders: ``root`` itself if it is one, else its sub-folders that are."""
    root = Path(root)
    if not root.exists():
        raise SpecError(Problem(_display(root), "no such file or directory"))
    if is_release(root):
        return [root]
    if not root.is_dir():
        raise SpecError(Problem(_display(root), "not a standards folder"))
    found = sorted(p for p in root.iterdir() if p.is_dir() and is_release(p))
    if not found:
        raise SpecError(Problem(_display(root), f"no release folders (sub-folders with {HANDBOOK_FILE})"))
    return found


def load_releases(folders: Iterable[Path]) -> list[Handbook]:
    """Load every release, collecting the problems of all of them before failing."""
    releases, problems = [], []
    for folder in folders:
        try:
            releases.append(load_release(folder))
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return sorted(releases, key=lambda h: (h.meta.effective_from, h.version))
