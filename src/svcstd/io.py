"""File output shared by every command: reports are written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from svcstd.errors import Problem, SvcstdError


def write_atomically(path: Path, text: str | bytes | Iterable[bytes]) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``,
    so readers see the old file or the whole new one, never half of it. ``text`` may come in
    pieces (an iterable of bytes), written as they come.

    A target that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO) is
    written in place: replacing it would swap a device for an ordinary file.
    """
    pieces = [text.encode("utf-8")] if isinstance(text, str) else [text] if isinstance(
        text, bytes) else text  # fmt: skip
    if path.exists() and not path.is_file() and not path.is_dir():
        try:
            with path.open("wb") as handle:
                for data in pieces:
                    handle.write(data)
        except OSError as exc:
            raise SvcstdError(Problem(str(path), f"cannot write: {exc.strerror or exc}")) from None
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SvcstdError(Problem(str(path), "cannot write: the folder does not exist"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            for data in pieces:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; a report is an ordinary file: the mode open() would give it
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SvcstdError(Problem(str(path), f"cannot write: {exc.strerror or exc}")) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
