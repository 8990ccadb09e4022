"""The built site in a real browser: diagrams drawn, search works in English and Chinese, and
nothing is fetched from outside the site.

Runs Debian's Chromium (``/usr/bin/chromium``) through Playwright's own driver; nothing is
downloaded (``playwright install`` is never run). The site is served from a local
``http.server`` on 127.0.0.1 and a free port; every request the pages make is recorded.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import need

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

#: Every page with a flowchart and labels it must show.
FLOWCHARTS = {
    "handbook/processes/proc-001/": [
        "Receive complaint",
        "Can the agent solve it?",
        "Close the case",
        "Service agent",
    ],
    "handbook/escalation/": ["Level 1", "Team lead", "Service manager", "50% of TL-003 used"],
    "handbook/lifecycle/": ["New", "In progress", "Waiting for customer", "Closed", "已关闭"],
    "releases/2025.1/processes/proc-001/": [
        "Receive complaint",
        "受理投诉",
        "Reply to the customer",
    ],
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    chromium = need("chromium", "the browser test drives Debian's Chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser: object, server: str) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    context.close()
    outside = [
        u
        for u in requests
        if urlparse(u).netloc != urlparse(server).netloc and not u.startswith(("data:", "blob:"))
    ]
    assert not outside, f"requests outside the site: {outside}"


@pytest.mark.parametrize("path", sorted(FLOWCHARTS))
def test_flowchart_is_an_svg_with_its_labels(page: object, server: str, path: str) -> None:
    page.goto(server + path)  # type: ignore[attr-defined]
    figure = page.locator("figure.svcstd-diagram svg").first  # type: ignore[attr-defined]
    figure.wait_for(state="visible")
    box = figure.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    texts = page.locator("figure.svcstd-diagram svg text").all_text_contents()  # type: ignore[attr-defined]
    for label in FLOWCHARTS[path]:
        assert label in texts, f"{label!r} not drawn on {path}: {texts}"


def _search(page: object, server: str, query: str) -> list[str]:
    page.goto(server + "handbook/")  # type: ignore[attr-defined]
    box = page.locator("input.md-search__input")  # type: ignore[attr-defined]
    box.click()
    box.fill(query)
    box.press("End")  # fill() sends no key event; material's search starts on keyup
    results = page.locator(".md-search-result__item a")  # type: ignore[attr-defined]
    results.first.wait_for(state="attached")
    return [a.get_attribute("href") or "" for a in results.all()]


def test_search_finds_a_rule_by_its_id(page: object, server: str) -> None:
    hrefs = _search(page, server, "TL-002")
    # the current release's page ranks first, its section on TL-002 among its hits
    assert "/handbook/time-limits/" in hrefs[0], hrefs
    assert any("/handbook/time-limits/" in h and h.endswith("#tl-002") for h in hrefs), hrefs
    # the current release's second copy under releases/ is left out of search
    assert not any("releases/2026.1/" in h for h in hrefs), hrefs


def test_search_finds_a_rule_by_a_chinese_keyword(page: object, server: str) -> None:
    hrefs = _search(page, server, "邮件首次回复")  # TL-002's Chinese title
    assert "/handbook/time-limits/" in hrefs[0], hrefs
    assert any("/handbook/time-limits/" in h and h.endswith("#tl-002") for h in hrefs), hrefs
    hrefs = _search(page, server, "首次响应")  # a keyword inside KPI-001's title
    assert any("/handbook/kpis/" in h and h.endswith("#kpi-001") for h in hrefs), hrefs
