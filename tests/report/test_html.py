"""The HTML audit report: self-contained, charts as inline SVG, everything escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from svcstd.checks.engine import CheckResult
from svcstd.report import html


class Page(HTMLParser):
    """Collects tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def parse(doc: str) -> Page:
    page = Page()
    page.feed(doc)
    page.close()
    return page


@pytest.fixture(scope="module")
def doc(result: CheckResult) -> str:
    return html.render(result)


def test_no_external_resources(doc: str) -> None:
    page = parse(doc)
    assert not page.named("script")
    assert not page.named("link") and not page.named("img") and not page.named("iframe")
    assert all("src" not in attrs for _, attrs in page.tags)
    hrefs = {a["href"] for a in page.named("a")}
    # in-page anchors and the manual's anchors (relative to the site root) only
    assert hrefs and all(
        h and (h.startswith("#") or h.startswith("releases/2025.1/")) for h in hrefs
    )
    assert "releases/2025.1/time-limits/#tl-001" in hrefs
    assert "url(" not in doc and "@import" not in doc  # nothing fetched from CSS either
    # the only other http:// is the (escaped) payload case id, as text
    rest = doc.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("&#34;http://x&#34;", "")
    assert "http://" not in rest and "https://" not in rest


def test_charts_are_inline_svg(doc: str) -> None:
    page = parse(doc)
    labels = {a.get("aria-label") for a in page.named("svg")}
    assert {
        "Breach rate per rule",
        "Breach rate per month the case was opened (UTC)",
        "Breach rate per channel",
        "KPI-001 against its target",
    } <= labels


def test_failures_show_evidence_and_a_collapsible_trace(doc: str) -> None:
    page = parse(doc)
    text = "".join(page.text)
    assert "tests/fixtures/report/cases.csv:3" in text  # E2's created event, file:row
    assert "Interval trace" in text and page.named("details")
    assert "Mail server outage on 4 February" in text  # the waiver is shown
    assert "period not complete at --as-of" in text  # a not-evaluable reason
    assert "the export lacks field ticket_ref" in text


def test_record_and_spec_text_is_escaped(doc: str) -> None:
    assert "<script>alert(1)</script>" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "<img src=x" not in doc  # an actor in the evidence
    assert "<b>call</b>" not in doc  # a rule title
    assert "Resolve a &lt;b&gt;call&lt;/b&gt; within one business day" in doc
    text = "".join(parse(doc).text)
    assert "<script>alert(1)</script>" in text  # shown as text, not dropped


def test_site_url_makes_manual_links_absolute(result: CheckResult) -> None:
    page = parse(html.render(result, site_url="https://handbook.example.org/svc"))
    manual = {a["href"] for a in page.named("a") if not (a["href"] or "").startswith("#")}
    assert "https://handbook.example.org/svc/releases/2025.1/time-limits/#tl-001" in manual
    assert all((h or "").startswith("https://handbook.example.org/svc/") for h in manual)


def test_rules_judged_under_two_releases_are_labelled_by_release() -> None:
    from pathlib import Path

    from svcstd.checks.engine import run_check
    from svcstd.records import read_records
    from svcstd.report import html
    from svcstd.spec import load_standards
    from svcstd.timecalc import parse_instant

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "engine"
    result = run_check(read_records(fixture / "cases.csv", "svcstd"), load_standards(fixture),
                       as_of=parse_instant("2026-02-01T00:00:00+08:00"))  # fmt: skip
    page = html.render(result)
    assert "TL-001 (2025.1)" in page and "TL-001 (2026.1)" in page
