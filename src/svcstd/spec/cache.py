"""A cache of loaded releases, keyed by content: the YAML is parsed once per change.

Loading the bundled standards takes about two seconds (ruamel's round-trip parser, which keeps
every line and column, is pure Python); every ``svcstd`` command and every CI step pays it. The
loaded releases are therefore kept as a pickle under the user's cache folder
(``$SVCSTD_CACHE_DIR``, else ``$XDG_CACHE_HOME/svcstd``, else ``~/.cache/svcstd``), keyed by a
SHA-256 of everything that decides the result: each release folder's path as given and the
bytes of every file in it, and the source of :mod:`svcstd.spec` and the versions of svcstd,
pydantic and Python. Change one byte and the YAML is read again.

Only a folder the current user owns and no one else can write is used (a pickle runs code when
loaded, so the cache must be as private as the user's own files). Standards with problems are
never cached: their errors are always reported afresh. Any problem with the cache — unreadable,
stale, corrupt, a read-only home — falls back to reading the YAML. ``SVCSTD_CACHE_DIR=off``
turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pydantic

import svcstd
from svcstd.spec.model import Handbook

#: Entries kept (newest first); each is a few hundred kilobytes.
KEEP = 32

_SPEC_SOURCES = sorted(Path(__file__).parent.glob("*.py"))


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    configured = os.environ.get("SVCSTD_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "svcstd"


def _key(folders: list[Path]) -> str:
    h = hashlib.sha256()
    for part in (svcstd.__version__, pydantic.VERSION, sys.version):
        h.update(part.encode() + b"\0")
    for source in _SPEC_SOURCES:
        h.update(source.read_bytes() + b"\0")
    for folder in folders:
        h.update(str(folder).encode() + b"\0")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(folder)).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _private(folder: Path) -> bool:
    try:
        info = folder.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cached_releases(
    folders: list[Path], load: Callable[[list[Path]], list[Handbook]]
) -> list[Handbook]:
    """``load(folders)``, or its result from the cache when nothing it depends on changed."""
    where = cache_dir()
    if where is None:
        return load(folders)
    try:
        entry = where / f"standards-{_key(folders)}.pickle"
        if _private(where) and entry.is_file():
            with entry.open("rb") as fh:
                releases = pickle.load(fh)
            if isinstance(releases, list) and all(isinstance(r, Handbook) for r in releases):
                return releases
    except Exception:  # a broken cache entry is never an error: read the YAML instead
        pass
    releases = load(folders)  # problems raise here and are never cached
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        if _private(where):
            fd, tmp = tempfile.mkstemp(dir=where, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(releases, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
            _prune(where)
    except OSError:
        pass  # a read-only home only costs the next run a parse
    return releases


def _prune(where: Path) -> None:
    entries = sorted(where.glob("standards-*.pickle"), key=lambda p: p.stat().st_mtime)
    entries.reverse()
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
