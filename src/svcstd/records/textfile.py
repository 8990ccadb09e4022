"""Byte-level preparation of text exports (CSV, JSONL): compression, encoding, NUL bytes.

One streaming pass over the file, in fixed-size chunks so memory stays flat however large the
export is, that

* looks through gzip compression (by magic bytes, not by name) and reports a truncated or
  corrupt stream;
* decodes with the profile's encoding — or, for ``auto``, UTF-8 (with or without BOM) and, if
  that fails, GB18030 — and names the physical line of the first undecodable byte;
* refuses NUL bytes (a binary or UTF-16 file, or a damaged export), naming the line;
* refuses a line longer than :data:`MAX_LINE_BYTES` (a damaged export, or not a line-based
  file) as soon as it is seen, so a 2 GB line costs one chunk of memory, not 2 GB;
* refuses a file whose lines mix encodings (UTF-8 text on one line, GBK on another) rather
  than decoding the UTF-8 lines as GB18030 mojibake;
* refuses an empty file.

When the bytes can be handed to Polars as they are (plain UTF-8) the original file is used and
this pass only validates. Otherwise (compressed, or another encoding) the UTF-8 text is written
to a temporary file that lives as long as the context manager, so Polars can still scan lazily.

A reader that reads the file in ranges on several processes may take the validation upon
itself (``utf8_text(..., deferred=True)``): an uncompressed file that may be UTF-8 is then
not read here at all, and each range's bytes are held to :func:`plain_utf8` where they are
read. Any range that fails sends the caller back to the serial pass, which names the line
(or finds the file to be GB18030): the deferred check only decides that all is well.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from svcstd.errors import Problem, SvcstdError

CHUNK = 8 * 1024 * 1024
#: The longest line a text export may have (one row; a quoted multi-line cell counts per line).
#: Must be at least CHUNK: lines that fit in one chunk are never measured.
MAX_LINE_BYTES = 16 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
BOM = codecs.BOM_UTF8
#: Characters UTF-8 writes in 3 or 4 bytes (CJK among them). A GBK file can decode as UTF-8
#: by accident on a line of 2-byte sequences ('小' is D0 A1, U+0421 in UTF-8); a run of
#: valid 3-byte sequences is evidence of real UTF-8 text.
_WIDE = re.compile(r"[^\x00-\u07ff]")


@dataclass(frozen=True)
class Prepared:
    """A UTF-8 text file ready for Polars, and what it was made from."""

    path: Path
    encoding: str  # the encoding the export turned out to have
    compressed: bool
    #: False when the bytes are not validated yet: the reader must hold every byte of the file
    #: to :func:`plain_utf8` (see ``deferred``).
    checked: bool = True


class _WrongEncoding(Exception):
    def __init__(self, line: int, reason: str, text_line: int | None = None) -> None:
        self.line = line
        self.reason = reason
        self.text_line = text_line  # the first line with CJK (or other wide) text that decoded


def _open(path: Path) -> tuple[BinaryIO, bool]:
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb"), True  # type: ignore[return-value]
    return raw, False


def _chunks(stream: BinaryIO, shown: str) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    except EOFError:
        raise SvcstdError(
            Problem(shown, "truncated gzip file: the compressed data ends early (incomplete download?)")
        ) from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise SvcstdError(Problem(shown, f"corrupt gzip data: {exc}")) from None


def _pass(path: Path, shown: str, encoding: str, out: BinaryIO | None) -> bool:
    """Decode the whole file once; write UTF-8 to ``out`` if given. Returns: had a BOM."""
    stream, _ = _open(path)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 0  # newlines seen before the current chunk
    run = 0  # bytes since the last newline (the current line's length so far)
    text_line: int | None = None  # the first line with wide (e.g. CJK) text in this encoding
    had_bom = False
    nonblank = False
    first = True
    with stream:
        for chunk in _chunks(stream, shown):
            if first:
                first = False
                if chunk.startswith(BOM):
                    had_bom = True
                    chunk = chunk[len(BOM) :]
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = lines + chunk.count(b"\n", 0, nul) + 1
                raise SvcstdError(
                    Problem(shown, "NUL byte in a text export (a binary or UTF-16 file?)", line)
                )
            first_nl = chunk.find(b"\n")
            if first_nl < 0:
                run += len(chunk)
            else:
                run += first_nl
            if run > MAX_LINE_BYTES:
                raise SvcstdError(
                    Problem(
                        shown,
                        f"line longer than {MAX_LINE_BYTES} bytes (a damaged export, "
                        "or not a line-based file?)",
                        lines + 1,
                    )
                )
            if first_nl >= 0:
                run = len(chunk) - chunk.rfind(b"\n") - 1
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes plus this chunk; pending bytes are
                # part of one unfinished character, so they hold no newline.
                line = lines + exc.object.count(b"\n", 0, exc.start) + 1
                bad = exc.object[exc.start : exc.end].hex(" ")
                if text_line is None:
                    good = exc.object[: exc.start].decode(encoding, "replace")
                    text_line = _first_wide_line(good, lines)
                raise _WrongEncoding(line, f"byte(s) {bad}", text_line) from None
            if text_line is None and not text.isascii():
                text_line = _first_wide_line(text, lines)
            lines += chunk.count(b"\n")
            if not nonblank and text.strip():
                nonblank = True
            if out is not None:
                out.write(text.encode("utf-8"))
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _WrongEncoding(lines + 1, "an incomplete character at the end of the file") from None
        if out is not None and tail:
            out.write(tail.encode("utf-8"))
    if not nonblank:
        raise SvcstdError(Problem(shown, "the file is empty (no header, no rows)"))
    return had_bom


@contextmanager
def utf8_text(
    path: Path, shown: str, encoding: str, *, deferred: bool = False
) -> Iterator[Prepared]:
    """Validate (and if needed convert) a text export; yield a UTF-8 file Polars can scan.

    ``deferred``: an uncompressed file the profile allows to be UTF-8 is yielded as it is,
    unread and not ``checked``; the caller validates its bytes with :func:`plain_utf8`.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SvcstdError(Problem(shown, f"cannot read: {exc.strerror or exc}")) from None
    if size == 0:
        raise SvcstdError(Problem(shown, "the file is empty (no header, no rows)"))
    with path.open("rb") as fh:
        head = fh.read(len(BOM))
    compressed = head.startswith(GZIP_MAGIC)
    tries = ["utf-8", "gb18030"] if encoding == "auto" else [encoding]
    if deferred and not compressed and tries[0] in ("utf-8", "utf-8-sig"):
        found = "utf-8-sig" if head == BOM else tries[0]
        yield Prepared(path, found, compressed, checked=False)
        return
    failures: list[tuple[str, _WrongEncoding]] = []
    for enc in tries:
        codec = "utf-8" if enc == "utf-8-sig" else enc
        temp: Path | None = None
        try:
            if compressed or codec != "utf-8":
                fd, name = tempfile.mkstemp(prefix="svcstd-", suffix=".txt")
                temp = Path(name)
                with os.fdopen(fd, "wb") as out:
                    had_bom = _pass(path, shown, codec, out)
                target = temp
            else:
                had_bom = _pass(path, shown, codec, None)
                target = path  # Polars strips a UTF-8 BOM itself
        except _WrongEncoding as exc:
            if temp is not None:
                temp.unlink(missing_ok=True)
            mixed = exc.text_line is not None and exc.text_line < exc.line
            if encoding == "auto" and codec == "utf-8" and mixed:
                # Earlier lines held real UTF-8 text: GB18030 would turn them into mojibake.
                raise SvcstdError(
                    Problem(
                        shown,
                        f"mixed encodings: line {exc.text_line} is UTF-8 text but this line is "
                        f"not ({exc.reason}); re-export the file in one encoding",
                        exc.line,
                    )
                ) from None
            failures.append((enc, exc))
            continue
        except BaseException:
            if temp is not None:
                temp.unlink(missing_ok=True)
            raise
        found = "utf-8-sig" if had_bom and codec == "utf-8" else enc
        try:
            yield Prepared(target, found, compressed)
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
        return
    if len(failures) == 1:
        enc, wrong = failures[0]
        raise SvcstdError(
            Problem(
                shown,
                f"not valid {_label(enc)} text: {wrong.reason} (set the profile's encoding)",
                wrong.line,
            )
        )
    (e1, x1), (e2, x2) = failures
    raise SvcstdError(
        Problem(
            shown,
            f"neither {_label(e1)} (line {x1.line}: {x1.reason}) nor {_label(e2)} "
            f"(line {x2.line}: {x2.reason}); set the profile's encoding",
            x1.line,
        )
    )


def plain_utf8(data: bytes) -> bool:
    """Whether ``data`` — whole lines of a text export — passes what the serial pass checks
    per chunk: no NUL byte, valid UTF-8, no line longer than :data:`MAX_LINE_BYTES`.

    ASCII text (most exports) is told by one scan; other text is decoded to check it.
    """
    if b"\x00" in data:
        return False
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
    if len(data) <= MAX_LINE_BYTES:
        return True
    start = 0
    while (nl := data.find(b"\n", start)) >= 0:
        if nl - start > MAX_LINE_BYTES:
            return False
        start = nl + 1
    return len(data) - start <= MAX_LINE_BYTES


def _first_wide_line(text: str, before: int) -> int | None:
    """The file line of ``text``'s first 3- or 4-byte character (``before`` lines precede it)."""
    found = _WIDE.search(text)
    return before + text.count("\n", 0, found.start()) + 1 if found else None


def _label(enc: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gbk": "GBK", "gb18030": "GB18030"}.get(enc, enc)
