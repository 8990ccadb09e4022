"""The bad-input corpus through the real CLI: one located line and exit 2, or a stated verdict.

Exports: ``tests/corpus/exports/cases.yaml`` lists every case — an export file of that folder,
or a byte-level variant of ``baseline.csv`` that :data:`MAKERS` builds in a temporary folder
(BOM, CRLF, NUL bytes, mixed encodings, gzip, a 2 GB line: bytes that a text editor or git
would mangle, or that are too big to commit). Each is checked with ``svcstd check --output``
against the small standards of ``tests/fixtures/report`` and must give exactly what the case
says: the one ``error:`` line on stderr with exit 2 and no report file (an existing report is
left as it was), a report byte-identical to the baseline's, or the verdicts it lists.

Standards: every ``tests/corpus/spec/*.yaml`` (its first line ``# expect: LINE:COL: message``)
is a topic file of an otherwise valid release; ``svcstd lint`` and ``svcstd check`` must both
stop with that one line and exit 2. Consistency problems (a release superseding a missing one,
releases or roles in a loop) are lint findings: exit 1 with ``file:line:col``, and check still
runs.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from svcstd.records.textfile import MAX_LINE_BYTES
from svcstd.spec.loader import MAX_FILE_BYTES

from .conftest import AS_OF, CORPUS, STANDARDS, svcstd

EXPORTS = CORPUS / "exports"
SPECS = sorted((CORPUS / "spec").glob("*.yaml"))
CASES: list[dict[str, Any]] = YAML(typ="safe").load((EXPORTS / "cases.yaml").read_text("utf-8"))
GIB = 1024**3
SENTINEL = b"an earlier report that a failed run must leave alone\n"


def _baseline() -> bytes:
    return (EXPORTS / "baseline.csv").read_bytes()


def _snapshots() -> bytes:
    return (EXPORTS / "snapshots.csv").read_bytes()


def _line_of_x(head: bytes, size: int, gz: bool) -> bytes | Callable[[Path], None]:
    """A file whose second line is ``size`` bytes long, written without holding it in memory."""

    def write(path: Path) -> None:
        if gz:
            # 2 GiB of 'x' as 32 gzip members of 64 MiB each: a 2 MB file (gzip readers
            # concatenate members), so the reader really meets a 2 GB line.
            block = 64 * 1024**2
            member = gzip.compress(b"x" * block, compresslevel=1)
            with path.open("wb") as fh:
                fh.write(gzip.compress(head))
                for _ in range(size // block):
                    fh.write(member)
        else:
            # The first 25 MiB of the line are written; the file is then extended to 2 GiB
            # (sparse: no disk used). The reader refuses the line at 16 MiB, before the hole.
            with path.open("wb") as fh:
                fh.write(head)
                fh.write(b"x" * (25 * 1024**2))
                fh.truncate(size)

    return write


def _mixed() -> bytes:
    lines = _snapshots().decode().splitlines(keepends=True)
    lines[1] = lines[1].replace("Email", "电话").replace("E1,", "C1,")
    utf8 = "".join(lines[:4]).encode("utf-8")
    gbk = "P2,New,07/03/2025 09:00,电话\n".encode("gbk")
    return utf8 + gbk


def _truncated_gzip() -> bytes:
    data = gzip.compress(_baseline() * 50)
    return data[: len(data) // 2]


#: Byte-level variants of the corpus exports, by the name ``make:`` gives in cases.yaml.
MAKERS: dict[str, Callable[[], bytes | Callable[[Path], None]]] = {
    "empty": lambda: b"",
    "blank-lines-only": lambda: b"\n\r\n  \n",
    "bom": lambda: b"\xef\xbb\xbf" + _baseline(),
    "crlf": lambda: _baseline().replace(b"\n", b"\r\n"),
    "bom-crlf": lambda: b"\xef\xbb\xbf" + _baseline().replace(b"\n", b"\r\n"),
    "gzip": lambda: gzip.compress(_baseline()),
    "truncated-gzip": _truncated_gzip,
    "nul-byte": lambda: _baseline().replace(b"first_response,open", b"first_resp\x00onse,open", 1),
    "utf-16": lambda: _baseline().decode().encode("utf-16"),
    "gbk": lambda: _snapshots().replace(b"Phone", "电话".encode("gbk")),
    "mixed-encodings": _mixed,
    # GBK whose first Chinese line is also valid UTF-8 ('小' is D0 A1: U+0421 in UTF-8)
    "gbk-valid-utf8-prefix": lambda: (
        _snapshots().decode().replace("E1,", "小1,").replace("Phone", "电话").encode("gbk")
    ),
    "invalid-utf8": lambda: _baseline().replace(b"Li Wei", b"Li \xff\xfe Wei"),
    "line-2gb-gzip": lambda: _line_of_x(_baseline().split(b"\n")[0] + b"\nE1,", 2 * GIB, True),
    "line-2gb-sparse": lambda: _line_of_x(_baseline().split(b"\n")[0] + b"\nE1,", 2 * GIB, False),
    "not-xlsx": lambda: b"PK\x03\x04 this is not a workbook",
    "not-parquet": lambda: b"PAR1 this is not a parquet file PAR1",
    "jsonl-bad-line": lambda: (
        b'{"case_id": "E1", "at": "2025-02-03T09:00:00+08:00", "event": "created"}\n'
        b'{"case_id": "E1", "at": "2025-02-03T10:00:00+08:00", "event": "first_response"\n'
    ),
}


def materialise(case: dict[str, Any], folder: Path) -> str:
    """Put the case's export into ``folder``; return its name as the user would type it."""
    if "file" in case:
        shutil.copy(EXPORTS / case["file"], folder / case["file"])
        return str(case["file"])
    name = case["name"] + case.get("suffix", ".csv")
    made = MAKERS[case["make"]]()
    if isinstance(made, bytes):
        (folder / name).write_bytes(made)
    else:
        made(folder / name)
    return name


def check_args(case: dict[str, Any], export: str, output: str, fmt: str = "csv") -> list[str]:
    profile = case.get("profile", "svcstd")
    if profile.endswith(".yaml"):
        profile = str(EXPORTS / profile)
    return [
        "check", export, "--profile", profile, "--standards", str(STANDARDS),
        "--as-of", case.get("as_of", AS_OF), "--format", fmt, "--output", output,
        "--fail-on", "never", "--quiet",
    ]  # fmt: skip


def verdicts(report: bytes) -> dict[str, str]:
    """``{"RULE CASE": "outcome: reason"}`` of a CSV report (case-level verdicts only)."""
    rows = csv.DictReader(io.StringIO(report.decode("utf-8-sig"), newline=""))
    out = {}
    for row in rows:
        if row["case_id"]:
            reason = f": {row['reason']}" if row["reason"] else ""
            out[f"{row['rule_id']} {row['case_id']}"] = row["outcome"] + reason
    return out


@pytest.fixture(scope="module")
def baseline_report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("baseline")
    export = materialise({"file": "baseline.csv", "name": "baseline"}, folder)
    run = svcstd(check_args({}, export, "report.csv"), folder)
    assert run.exit_code == 0, run.stderr
    return (folder / "report.csv").read_bytes()


def test_the_corpus_covers_what_the_issue_lists() -> None:
    names = {c["name"] for c in CASES}
    listed = {
        "empty-file", "header-only", "missing-column", "extra-columns", "unparseable-timestamp",
        "ambiguous-timestamp", "naive-timestamp", "event-after-as-of", "rows-out-of-order",
        "duplicate-events", "no-creation-event", "unknown-status", "mixed-encodings", "bom",
        "crlf", "line-2gb-gzip", "line-2gb-sparse", "nul-byte", "truncated-gzip",
    }  # fmt: skip
    assert listed <= names, sorted(listed - names)
    assert len(names) == len(CASES), "case names must be unique"
    for case in CASES:
        assert ("file" in case) != ("make" in case), case["name"]
        assert sum(k in case for k in ("error", "same_as_baseline", "verdicts")) == 1, case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_export_case(case: dict[str, Any], tmp_path: Path, baseline_report: bytes) -> None:
    export = materialise(case, tmp_path)
    run = svcstd(check_args(case, export, "report.csv"), tmp_path)
    report = tmp_path / "report.csv"
    assert "Traceback" not in run.stdout + run.stderr
    if "error" in case:
        expected = case["error"].format(file=export, MAX_LINE_BYTES=MAX_LINE_BYTES)
        assert (run.exit_code, run.stderr) == (2, f"error: {expected}\n")
        assert not report.exists(), "a failed run must not leave a report"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        # An earlier report in the way is left exactly as it was.
        report.write_bytes(SENTINEL)
        again = svcstd(check_args(case, export, "report.csv"), tmp_path)
        assert (again.exit_code, again.stderr) == (2, f"error: {expected}\n")
        assert report.read_bytes() == SENTINEL
        return
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ""
    if case.get("same_as_baseline"):
        assert report.read_bytes() == baseline_report
    else:
        got = verdicts(report.read_bytes())
        for key, want in case["verdicts"].items():
            assert got.get(key) == want, f"{key}: {got.get(key)!r} != {want!r}; all: {got}"


# --------------------------------------------------------------------------------------------
# Standards


def _bad_release(tmp_path: Path, topic: str | bytes) -> Path:
    """A copy of the fixture standards with one extra topic file."""
    root = tmp_path / "standards"
    shutil.copytree(STANDARDS, root, ignore=shutil.ignore_patterns("*.csv"))
    target = root / "2025.1" / "topic.yaml"
    if isinstance(topic, bytes):
        target.write_bytes(topic)
    else:
        target.write_text(topic, encoding="utf-8")
    return root


def _expect_spec(case: Path) -> str:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    m = re.match(r"# expect: (.*)$", first)
    assert m, f"{case.name} lacks an '# expect:' first line"
    return m.group(1)


def _assert_both_commands_refuse(tmp_path: Path, expected: str) -> None:
    shutil.copy(EXPORTS / "baseline.csv", tmp_path / "export.csv")
    lint = svcstd(["lint", "standards"], tmp_path)
    assert (lint.exit_code, lint.stdout, lint.stderr) == (2, "", f"error: {expected}\n")
    args = check_args({}, "export.csv", "report.json", fmt="json")
    args[args.index(str(STANDARDS))] = "standards"
    check = svcstd(args, tmp_path)
    assert (check.exit_code, check.stderr) == (2, f"error: {expected}\n")
    assert not (tmp_path / "report.json").exists()
    (tmp_path / "report.json").write_bytes(SENTINEL)
    assert svcstd(args, tmp_path).exit_code == 2
    assert (tmp_path / "report.json").read_bytes() == SENTINEL


@pytest.mark.parametrize("case", SPECS, ids=[c.stem for c in SPECS])
def test_spec_case(case: Path, tmp_path: Path) -> None:
    _bad_release(tmp_path, case.read_text(encoding="utf-8"))
    _assert_both_commands_refuse(tmp_path, f"standards/2025.1/topic.yaml:{_expect_spec(case)}")


def test_spec_too_big(tmp_path: Path) -> None:
    size = MAX_FILE_BYTES + 10
    _bad_release(tmp_path, b"# padding\n" * (size // 10))
    _assert_both_commands_refuse(
        tmp_path,
        f"standards/2025.1/topic.yaml: file is {size // 10 * 10} bytes; spec files are limited to "
        f"{MAX_FILE_BYTES}",
    )


def test_spec_not_utf8_and_nul(tmp_path: Path) -> None:
    _bad_release(tmp_path, b"roles: []\n# \xff\n")
    _assert_both_commands_refuse(
        tmp_path, "standards/2025.1/topic.yaml:2: not UTF-8 text (spec files are UTF-8)"
    )
    shutil.rmtree(tmp_path / "standards")
    (tmp_path / "report.json").unlink()
    _bad_release(tmp_path, b"roles: []\n#\x00\n")
    _assert_both_commands_refuse(tmp_path, "standards/2025.1/topic.yaml:2: NUL byte in a spec file")


def _supersedes_missing(root: Path) -> None:
    _edit(
        root / "2025.1" / "handbook.yaml",
        "  effective_from: 2025-01-01\n",
        '  effective_from: 2025-01-01\n  supersedes: "2024.9"\n',
    )


def _supersedes_loop(root: Path) -> None:
    shutil.copytree(root / "2025.1", root / "2026.1")
    _edit(
        root / "2026.1" / "handbook.yaml",
        '  version: "2025.1"\n  effective_from: 2025-01-01\n',
        '  version: "2026.1"\n  effective_from: 2026-01-01\n  supersedes: "2025.1"\n',
    )
    _edit(
        root / "2025.1" / "handbook.yaml",
        "  effective_from: 2025-01-01\n",
        '  effective_from: 2025-01-01\n  supersedes: "2026.1"\n',
    )


def _roles_loop(root: Path) -> None:
    (root / "2025.1" / "roles.yaml").write_text(
        "roles:\n"
        "  - {id: agent, title: Agent, rank: 1, duties: [answer], escalates_to: lead,\n"
        "     source: {document: D1, section: '1'}}\n"
        "  - {id: lead, title: Team lead, rank: 2, duties: [decide], escalates_to: agent,\n"
        "     source: {document: D1, section: '1'}}\n",
        encoding="utf-8",
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


#: Consistency problems: how to plant each in a copy of the fixture standards, and the finding.
LINT_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "supersedes-missing": (
        _supersedes_missing,
        "standards/2025.1/handbook.yaml:9:3: error SPEC-802 [history.unknown-predecessor] "
        "supersedes '2024.9', which is not a release here (have 2025.1)",
    ),
    "supersedes-loop": (
        _supersedes_loop,
        "standards/2025.1/handbook.yaml:9:3: error SPEC-804 [history.supersedes-cycle] "
        "releases supersede each other in a loop: 2025.1 → 2026.1 → 2025.1",
    ),
    "roles-loop": (
        _roles_loop,
        "standards/2025.1/roles.yaml:2:58: error SPEC-302 [escalation.role-cycle] "
        "roles escalate in a loop: agent → lead → agent",
    ),
}


@pytest.mark.parametrize("name", sorted(LINT_CASES))
def test_consistency_problems_are_lint_findings(name: str, tmp_path: Path) -> None:
    plant, finding = LINT_CASES[name]
    root = tmp_path / "standards"
    shutil.copytree(STANDARDS, root, ignore=shutil.ignore_patterns("*.csv"))
    plant(root)
    lint = svcstd(["lint", "standards"], tmp_path)
    assert (lint.exit_code, lint.stderr) == (1, "")
    assert finding in lint.stdout.splitlines(), lint.stdout
    # svcstd check does not re-lint (CI gates on lint): it judges the export and finishes.
    shutil.copy(EXPORTS / "baseline.csv", tmp_path / "export.csv")
    args = check_args({}, "export.csv", "report.csv")
    args[args.index(str(STANDARDS))] = "standards"
    check = svcstd(args, tmp_path)
    assert (check.exit_code, check.stderr) == (0, "")
    assert verdicts((tmp_path / "report.csv").read_bytes())["TL-001 E2"] == (
        "fail: stopped after the deadline"
    )
