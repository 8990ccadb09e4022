"""No surprises at run time: svcstd reaches for no network, in any command or report format.

Every attempt to resolve a name or open a connection through Python's socket layer raises an
audit event (PEP 578); while these tests run, a hook refuses and records each one. The
commands run for real (bundled standards, a generated export with planted breaches), so a
reporter that fetched a chart library, a font or a schema would fail here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from svcstd.checks.engine import run_check
from svcstd.generate import Options, generate, write
from svcstd.records import read_records
from svcstd.report import REPORTERS
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

from .conftest import AS_OF, ROOT, STANDARDS, svcstd

#: Audit events of network use (socket module, and urllib on top of it).
NETWORK_EVENTS = {
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "urllib.Request",
}
_armed: list[list[str]] = []


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _armed and event in NETWORK_EVENTS:
        _armed[-1].append(f"{event}{args!r}")
        raise OSError(f"network access refused in tests: {event}")


sys.addaudithook(_hook)  # hooks cannot be removed; it does nothing unless armed


@pytest.fixture()
def attempts() -> Iterator[list[str]]:
    seen: list[str] = []
    _armed.append(seen)
    try:
        yield seen
    finally:
        _armed.remove(seen)


def test_the_guard_catches_a_connection(attempts: list[str]) -> None:
    import socket

    with pytest.raises(OSError, match="network access refused"):
        socket.create_connection(("example.org", 80), timeout=1)
    assert attempts and attempts[0].startswith("socket.getaddrinfo")
    attempts.clear()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    result = generate(load_standards(ROOT / "standards"), Options(cases=12, seed=5, violations=0.5))
    path = tmp_path_factory.mktemp("net") / "export.csv"
    write(result, path)
    return path, str(result.manifest["as_of"])


def test_check_and_every_report_format_use_no_network(
    export: tuple[Path, str], tmp_path: Path, attempts: list[str]
) -> None:
    path, as_of = export
    run = svcstd(
        ["check", str(path), "--profile", "svcstd", "--standards", str(ROOT / "standards"),
         "--as-of", as_of, "--format", "html", "--output", str(tmp_path / "report.html"),
         "--fail-on", "never"],
        tmp_path,
    )  # fmt: skip
    assert (run.exit_code, run.stderr) == (0, "")
    assert (tmp_path / "report.html").stat().st_size > 0
    result = run_check(
        read_records(path, "svcstd"), load_standards(ROOT / "standards"), as_of=parse_instant(as_of)
    )
    for fmt, reporter in sorted(REPORTERS.items()):
        assert len(reporter(result)) > 0, fmt
    assert attempts == []


def test_lint_render_due_and_diff_use_no_network(tmp_path: Path, attempts: list[str]) -> None:
    standards = str(ROOT / "tests" / "fixtures" / "render" / "standards")  # two small releases
    for args in (
        ["lint", standards, "--format", "sarif"],
        ["render", "--standards", standards, "--out", str(tmp_path / "pages")],
        ["due", "2026-02-13T17:00:00+08:00", "24h", "--explain"],
        ["diff", f"{standards}/2025.1", f"{standards}/2026.1"],
        ["schema"],
    ):
        run = svcstd(args, ROOT)
        assert run.exit_code in (0, 1), (args, run.stderr)
        assert not run.stderr.startswith(("error", "internal error")), (args, run.stderr)
    assert any((tmp_path / "pages").rglob("*.md"))
    assert attempts == []


def test_evidence_is_capped_per_rule_and_totals_stay_exact(tmp_path: Path) -> None:
    """--evidence-cap bounds the report (evidence is the bulky part), never the counts."""
    rows = ["case_id,at,event,state,actor,group,role,channel,category,priority,tier,customer,"
            "opened_at"]  # fmt: skip
    for i in range(6):  # six e-mails answered after 2 days: six failures of TL-001
        rows += [
            f"E{i},2025-02-0{i + 3}T09:00:00+08:00,created,new,a,,,email,,,,,",
            f"E{i},2025-02-{i + 5:02d}T10:00:00+08:00,first_response,open,a,,,,,,,,",
        ]
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    reports = {}
    for cap in ("0", "1", "1000"):
        out = tmp_path / f"cap{cap}.json"
        run = svcstd(
            ["check", "export.csv", "--profile", "svcstd", "--standards", str(STANDARDS),
             "--as-of", AS_OF, "--format", "json", "--output", str(out), "--fail-on", "never",
             "--quiet", "--evidence-cap", cap],
            tmp_path,
        )  # fmt: skip
        assert run.exit_code == 0, run.stderr
        reports[cap] = json.loads(out.read_text(encoding="utf-8"))
    full = reports["1000"]
    fails = {r["rule_id"]: r["fail"] for r in full["rules"] if r["fail"]}
    assert fails["TL-001"] == 6
    for cap, report in reports.items():
        assert report["rules"] == full["rules"] and report["totals"] == full["totals"], cap
    assert [len(reports[c]["evidence"]) for c in ("0", "1", "1000")] == [0, 1, 6]
