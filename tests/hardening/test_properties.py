"""Property-based fuzzing: mutated standards and exports raise svcstd's own errors or nothing;
the checker is deterministic and does not depend on the order of rows.

Examples per property are fixed below (:data:`EXAMPLES`) and derandomised, so CI runs the same
examples every time; ``SVCSTD_FUZZ=N`` multiplies the counts and draws fresh random examples
(a longer local run). Hypothesis' deadline is off: no test here asserts a duration.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import random
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from svcstd.checks.engine import run_check
from svcstd.errors import SvcstdError
from svcstd.generate import Options, generate, write
from svcstd.lint import lint
from svcstd.records import read_records
from svcstd.report import REPORTERS
from svcstd.spec import load_standards
from svcstd.spec.loader import load_release
from svcstd.spec.releases import Standards
from svcstd.timecalc import parse_instant

from .conftest import AS_OF, CORPUS, ROOT, STANDARDS

FUZZ = int(os.environ.get("SVCSTD_FUZZ", "0"))
#: Examples per property in CI (times SVCSTD_FUZZ when set).
EXAMPLES = {
    "spec": 100,
    "export-small": 100,
    "export-bundled": 20,
    "determinism-and-order": 8,
}


def examples(name: str) -> settings:
    return settings(
        max_examples=EXAMPLES[name] * max(FUZZ, 1),
        derandomize=not FUZZ,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


BUNDLED = ROOT / "standards"
SPEC_FILES = sorted((BUNDLED / "2026.1").glob("*.yaml"))
BASELINE = (CORPUS / "exports" / "baseline.csv").read_bytes()
SMALL_AS_OF = parse_instant(AS_OF)


@functools.cache
def bundled() -> Standards:
    """The bundled handbook (loaded once; not a fixture, so hypothesis never prints it)."""
    return load_standards(BUNDLED)


@functools.cache
def small() -> Standards:
    return load_standards(STANDARDS)


# --------------------------------------------------------------------------------------------
# Mutations


@st.composite
def text_edits(draw: st.DrawFn, data: bytes) -> bytes:
    """1-4 random edits of lines and bytes: delete, duplicate, swap, re-indent, splice, cut."""
    lines = data.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        n = len(lines)
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(0, n - 1))
        op = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "indent", "dedent", "bytes", "replace", "cut"]
            )
        )
        if op == "delete" and n > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = b" " * draw(st.integers(1, 4)) + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip(b" ")
        elif op == "bytes":
            pos = draw(st.integers(0, len(lines[i])))
            junk = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=6),
                    st.sampled_from(
                        [
                            b"\t",
                            b"&a ",
                            b"*a",
                            b"!!python/object:os.system ",
                            b"{",
                            b"]",
                            b": ",
                            b"- ",
                            b"'",
                            b'"',
                            b"#",
                            b"\xef\xbb\xbf",
                            b"\xe5\xae",
                            b"\x00",
                            b"~",
                            b"<<: *a",
                            b"? ",
                        ]
                    ),
                )
            )
            lines[i] = lines[i][:pos] + junk + lines[i][pos:]
        elif op == "replace":
            line = lines[i]
            if b":" in line:
                key = line.split(b":", 1)[0]
                value = draw(
                    st.sampled_from(
                        [
                            b"",
                            b"null",
                            b"[]",
                            b"{}",
                            b"-1",
                            b"1e999",
                            b"2025-13-45",
                            b"'24 hrz'",
                            b"yes",
                            b"0x10",
                            b".nan",
                            b"x" * 300,
                        ]
                    )
                )
                lines[i] = key + b": " + value
        elif op == "cut":
            return b"\n".join(lines)[: draw(st.integers(0, len(data)))]
    return b"\n".join(lines)


@st.composite
def mutated_spec(draw: st.DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(SPEC_FILES))
    return path.name, draw(text_edits(path.read_bytes()))


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


GARBAGE = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "null", "NaN", "2025-02-30T10:00:00+08:00", "2025-02-03 10:00",
                     "03/02/2025 10:00", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
                     "-1", "E1", "created", "resolved", "open", "=HYPERLINK(\"x\")",
                     "<script>alert(1)</script>", "客服", "\u202e", "a\nb", '"']),
)  # fmt: skip


@st.composite
def mutated_export(draw: st.DrawFn, data: bytes) -> tuple[str, bytes]:
    """A valid svcstd-format export, mutated: rows dropped, duplicated, shuffled; cells made
    garbage; columns swapped; then maybe bytes broken (encodings, truncation, gzip)."""
    rows = _rows(data)
    header, body = rows[0], rows[1:]
    for _ in range(draw(st.integers(1, 5))):
        op = draw(
            st.sampled_from(
                ["drop", "duplicate", "shuffle", "garbage", "blank", "swap-cells", "swap-header",
                 "drop-column"]
            )
        )  # fmt: skip
        if not body:
            break
        i = draw(st.integers(0, len(body) - 1))
        c = draw(st.integers(0, len(header) - 1))
        d = draw(st.integers(0, len(header) - 1))
        if op == "drop":
            del body[i]
        elif op == "duplicate":
            body.insert(draw(st.integers(0, len(body))), list(body[i]))
        elif op == "shuffle":
            random.Random(draw(st.integers(0, 2**16))).shuffle(body)
        elif op == "garbage":
            body[i][c] = draw(GARBAGE)
        elif op == "blank":
            body[i][c] = ""
        elif op == "swap-cells":
            body[i][c], body[i][d] = body[i][d], body[i][c]
        elif op == "swap-header":
            header[c], header[d] = header[d], header[c]
        elif op == "drop-column":
            for row in [header, *body]:
                del row[c]
    raw = _csv([header, *body])
    # Most examples keep their bytes, so they reach the checker; the rest break the bytes.
    byte_op = draw(st.sampled_from(["none"] * 6 + ["gbk-line", "utf16", "junk", "cut", "gzip"]))
    name = "export.csv"
    if byte_op == "gbk-line" and body:
        lines = raw.split(b"\n")
        k = draw(st.integers(1, len(lines) - 1))
        lines[k] = lines[k].decode("utf-8").encode("gb18030") + "客服".encode("gbk")
        raw = b"\n".join(lines)
    elif byte_op == "utf16":
        raw = raw.decode("utf-8").encode("utf-16")
    elif byte_op == "junk":
        pos = draw(st.integers(0, len(raw)))
        raw = raw[:pos] + draw(st.binary(min_size=1, max_size=8)) + raw[pos:]
    elif byte_op == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif byte_op == "gzip":
        packed = gzip.compress(raw)
        raw = packed[: draw(st.integers(len(packed) // 2, len(packed)))]
        name = "export.csv.gz"
    return name, raw


# --------------------------------------------------------------------------------------------
# Properties


def _one_line_errors(exc: SvcstdError, *names: str) -> None:
    """svcstd's errors are one line per problem, each naming the file it is about."""
    event(f"refused: {exc.problems[0].message.split(':')[0][:40]}")
    for problem in exc.problems:
        text = str(problem)
        assert "\n" not in problem.message, text
        assert any(text.startswith(n) for n in names), text


@examples("spec")
@given(case=mutated_spec())
def test_mutated_standards_load_or_fail_cleanly(case: tuple[str, bytes], tmp_path: Path) -> None:
    name, data = case
    folder = tmp_path / "2026.1"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if name != "handbook.yaml":
        shutil.copy(BUNDLED / "2026.1" / "handbook.yaml", folder / "handbook.yaml")
    (folder / name).write_bytes(data)
    try:
        release = load_release(folder)
    except SvcstdError as exc:
        _one_line_errors(exc, str(folder))
        return
    # A spec that loads must also lint without crashing (findings are fine).
    event("loaded and linted")
    lint(Standards(str(tmp_path), (release,)))


def _check(path: Path, standards: Standards, as_of: int) -> dict[str, bytes]:
    records = read_records(path, "svcstd")
    result = run_check(records, standards, as_of=as_of)
    event(f"checked: {(result.verdicts.height > 0 and 'verdicts') or 'no verdicts'}")
    out = {}
    for fmt in ("json", "csv", "html", "sarif"):
        report = REPORTERS[fmt](result)
        out[fmt] = report.encode("utf-8") if isinstance(report, str) else report
    return out


@examples("export-small")
@given(case=mutated_export(BASELINE))
def test_mutated_exports_check_or_fail_cleanly(case: tuple[str, bytes], tmp_path: Path) -> None:
    name, data = case
    path = tmp_path / name
    path.write_bytes(data)
    try:
        _check(path, small(), SMALL_AS_OF)
    except SvcstdError as exc:
        _one_line_errors(exc, str(path))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, int]:
    """A small generated export with planted breaches, and its --as-of."""
    result = generate(bundled(), Options(cases=6, seed=11, violations=0.5))
    path = tmp_path_factory.mktemp("gen") / "export.csv"
    write(result, path)
    return path.read_bytes(), parse_instant(result.manifest["as_of"])


@examples("export-bundled")
@given(data=st.data())
def test_mutated_generated_exports_check_or_fail_cleanly(
    data: st.DataObject, tmp_path: Path, generated: tuple[bytes, int]
) -> None:
    export, as_of = generated
    name, raw = data.draw(mutated_export(export))
    path = tmp_path / name
    path.write_bytes(raw)
    try:
        _check(path, bundled(), as_of)
    except SvcstdError as exc:
        _one_line_errors(exc, str(path))


@examples("determinism-and-order")
@given(
    cases=st.integers(2, 4),
    seed=st.integers(0, 10_000),
    violations=st.sampled_from([0.0, 0.3, 1.0]),
    shuffle=st.integers(0, 2**16),
)
def test_checks_are_deterministic_and_ignore_row_order(
    cases: int, seed: int, violations: float, shuffle: int, tmp_path: Path
) -> None:
    standards = bundled()
    result = generate(standards, Options(cases=cases, seed=seed, violations=violations))
    path = tmp_path / "export.csv"
    write(result, path)
    as_of = parse_instant(result.manifest["as_of"])
    first = _check(path, standards, as_of)
    second = _check(path, standards, as_of)
    assert first == second, "same input, different report bytes"
    # Shuffled rows (case fields stay on each case's first row: svcstd takes them 'first'
    # in time order, so they move with the row that carries them).
    rows = _rows(path.read_bytes())
    body = rows[1:]
    random.Random(shuffle).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_bytes(_csv([rows[0], *body]))
    again = _check(shuffled, standards, as_of)
    assert again["csv"] == first["csv"], "shuffled rows changed the verdicts"
    verdicts = [pl.read_csv(io.BytesIO(r["csv"]), infer_schema=False) for r in (first, again)]
    assert verdicts[0].equals(verdicts[1])
