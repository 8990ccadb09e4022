"""The lint framework: deterministic order, validated rules, crashes reported as findings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from svcstd.lint import Finding, Hit, lint_standards
from svcstd.lint.base import at_least, exceeds, release_rule, selectors_overlap, span, walk
from svcstd.spec import Duration, load_standards
from svcstd.spec.model import Condition, Handbook, Selector

from .helpers import FIXTURES


def _finding(file: str, line: int, col: int, rule: str) -> Finding:
    return Finding(
        rule=rule,
        slug="ref.x",
        severity="error",
        message="m",
        file=file,
        line=line,
        col=col,
        url="lint/#x",
    )


def test_findings_sort_by_file_line_col_rule() -> None:
    a = _finding("a.yaml", 9, 1, "SPEC-201")
    b = _finding("a.yaml", 10, 1, "SPEC-101")
    c = _finding("a.yaml", 10, 1, "SPEC-102")
    d = _finding("b.yaml", 1, 1, "SPEC-101")
    assert sorted([d, c, b, a]) == [a, b, c, d]


def test_at_least() -> None:
    assert at_least("error", "warning") and at_least("warning", "warning")
    assert not at_least("info", "warning")


def test_a_rule_needs_a_docstring_and_a_real_rationale() -> None:
    def undocumented(handbook: Handbook) -> Iterator[Hit]:
        yield from ()

    with pytest.raises(TypeError, match="needs a docstring"):
        release_rule(id="SPEC-999", slug="x.y", title="A title", rationale="r" * 30)(undocumented)

    def documented(handbook: Handbook) -> Iterator[Hit]:
        """Checks something worth checking."""
        yield from ()

    with pytest.raises(ValidationError):
        release_rule(id="SPEC-999", slug="x.y", title="A title", rationale="too short")(documented)
    with pytest.raises(ValidationError):
        release_rule(id="L001", slug="x.y", title="A title", rationale="r" * 30)(documented)


@release_rule(
    id="SPEC-998",
    slug="test.crash",
    title="Crashes halfway",
    rationale="Exercises the crash guard of the runner.",
)
def _crashing(handbook: Handbook) -> Iterator[Hit]:
    """Yields one hit, then fails."""
    yield Hit("first", handbook.meta.where("version"))
    raise KeyError("boom")


def test_a_crashing_rule_becomes_an_error_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "SPEC-101")
    findings = lint_standards(load_standards("."), [_crashing])
    assert [str(f) for f in findings] == [
        "2025.1/handbook.yaml:2:3: error SPEC-998 [test.crash] internal error in rule SPEC-998 "
        "(test.crash): KeyError: 'boom'",
        "2025.1/handbook.yaml:4:3: error SPEC-998 [test.crash] first",
    ]


def test_selectors_overlap() -> None:
    email_p1 = Selector(channel=["email"], priority=["p1"])
    assert selectors_overlap(email_p1, Selector())
    assert selectors_overlap(email_p1, Selector(channel=["email", "phone"]))
    assert not selectors_overlap(email_p1, Selector(priority=["p2"]))
    assert selectors_overlap(email_p1, Selector(priority=["p2"]), ignore=["priority"])


def test_walk_gives_defaults_the_location_of_their_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "clean")
    release = load_standards(".").releases[0]
    archiving = release.archiving[0]
    (after,) = [(n, loc) for n, loc in walk(archiving) if isinstance(n, Condition)]
    assert after[0].loc is None  # the default `after: {state: closed}`
    assert after[1] is not None and (after[1].file, after[1].line) == ("2025.1/records.yaml", 10)


def test_span_bounds_business_days_by_the_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "clean")
    office = load_standards(".").releases[0].calendar("office")
    nine_hours = 9 * 3600.0
    assert span(Duration.parse("2bd"), "business", office) == (2 * nine_hours, 2 * nine_hours)
    assert span(Duration.parse("2bd"), "business", None) == (0.0, float("inf"))
    assert span(Duration.parse("90min")) == (5400.0, 5400.0)
    assert span(Duration.parse("1mo")) == (28 * 86400.0, 31 * 86400.0)
    assert exceeds(Duration.parse("1bd"), Duration.parse("8h"), "business", office, office)
    assert not exceeds(Duration.parse("1bd"), Duration.parse("9h"), "business", office, office)
    assert exceeds(Duration.parse("3bd"), Duration.parse("2bd"))  # same unit: by amount
    assert not exceeds(Duration.parse("1bd"), Duration.parse("8h"), "business")  # no calendar
