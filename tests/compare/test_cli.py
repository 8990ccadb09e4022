"""``svcstd check --compare-release OLD``: text, JSON and HTML reports, exit codes, refusals."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from svcstd.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema" / "svcstd-comparison.schema.json"
SCRIPT = "<script>alert(1)</script>"
BASE = ["check", "tests/fixtures/compare/cases.csv", "-p", "svcstd", "--standards",
        "tests/fixtures/compare", "--as-of", "2026-03-01T00:00:00+08:00"]  # fmt: skip


def check(monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(ROOT)
    return CliRunner().invoke(cli, [*BASE, *args])


def test_text_report_shows_the_deltas(monkeypatch: pytest.MonkeyPatch) -> None:
    res = check(monkeypatch, "--compare-release", "2025.1")
    assert res.exit_code == 1, res.output  # 2026.1 has error-level failures: as without replay
    out = res.stdout
    what_if = out[out.index("What if:") :]
    assert what_if.splitlines()[0] == (
        "What if: release 2025.1 → 2026.1, 9 cases judged both ways; "
        "left out: 1 cases the run does not judge"
    )
    assert "Verdicts: 4 newly fail, 1 newly pass, 3 still fail, 2 unchanged, 3 only old, " \
        "6 only new" in what_if  # fmt: skip
    rows = {line.split()[0]: line.split("│") for line in what_if.splitlines() if "│" in line}
    assert [c.strip() for c in rows["TL-001"]] == ["TL-001", "both", "4 → 1", "2 → 5", "0",
                                                   "3", "0", "2", ""]  # fmt: skip
    assert [c.strip() for c in rows["TL-003"]][1:4] == ["old only", "1 → 0", "2 → 0"]
    assert f"  TL-001 (3): {SCRIPT}, E1, E2" in what_if.splitlines()
    assert "  TL-002 (1): H1" in what_if.splitlines()
    assert "  KPI-001 (1): 2026-01" in what_if.splitlines()
    assert "  TL-003 Resolve a chat within one business day: 1 pass, 2 fail" in what_if
    assert "  TL-004 Resolve an e-mail within two business days: 4 pass, 2 fail" in what_if
    assert re.search(
        r"KPI-001 +2026-01 +66\.7% \(target 50\.0%\) pass +→ +16\.7% \(target 75\.0%\) fail "
        r"+newly fail",
        what_if,
    )


def test_json_comparison_section(monkeypatch: pytest.MonkeyPatch) -> None:
    res = check(monkeypatch, "--compare-release", "2025.1", "--format", "json")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    plain = json.loads(check(monkeypatch, "--format", "json").stdout)
    # the rest of the document is the run's own report, unchanged
    assert {k: v for k, v in doc.items() if k != "comparison"} == plain
    comparison = doc["comparison"]
    jsonschema.validate(comparison, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert (comparison["old_release"], comparison["new_releases"]) == ("2025.1", {"2026.1": 9})
    assert (comparison["cases"], comparison["not_judged"]) == (9, 1)
    assert (comparison["rules_only_old"], comparison["rules_only_new"]) == (["TL-003"], ["TL-004"])
    rules = {r["rule_id"]: r for r in comparison["rules"]}
    assert rules["TL-001"]["newly_fail"] == {"total": 3, "shown": [SCRIPT, "E1", "E2"]}
    assert rules["TL-001"]["old"] == {"pass": 4, "fail": 2, "not_evaluable": 0, "waived": 0}
    assert rules["TL-001"]["new"] == {"pass": 1, "fail": 5, "not_evaluable": 0, "waived": 0}
    assert rules["TL-002"]["newly_pass"] == {"total": 1, "shown": ["H1"]}
    assert rules["TL-004"]["changes"]["only_new"] == 6
    assert comparison["kpis"] == [
        {
            "rule_id": "KPI-001",
            "period": "2026-01",
            "group": None,
            "change": "newly_fail",
            "old": {"outcome": "pass", "observed": 4 / 6, "target": 0.5},
            "new": {"outcome": "fail", "observed": 1 / 6, "target": 0.75},
        }
    ]


def test_evidence_cap_caps_the_listed_cases_not_the_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    res = check(monkeypatch, "--compare-release", "2025.1", "--format", "json",
                "--evidence-cap", "1")  # fmt: skip
    rules = {r["rule_id"]: r for r in json.loads(res.stdout)["comparison"]["rules"]}
    assert rules["TL-001"]["newly_fail"] == {"total": 3, "shown": [SCRIPT]}
    text = check(monkeypatch, "--compare-release", "2025.1", "--evidence-cap", "1").stdout
    assert f"  TL-001 (3): {SCRIPT} and 2 more" in text.splitlines()


def test_html_report_has_the_delta_table_and_escapes_record_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    res = check(monkeypatch, "--compare-release", "2025.1", "--format", "html", "-o", str(out))
    assert res.exit_code == 1, res.output
    page = out.read_text(encoding="utf-8")
    section = page[page.index('<section id="what-if">') : page.index("</section>", page.index(
        '<section id="what-if">'))]  # fmt: skip
    assert "<h2>What if: release 2025.1 → 2026.1</h2>" in section
    assert '<table id="what-if-rules">' in section and '<table id="what-if-kpis">' in section
    # the rule's title and a case id carry markup: both are shown as text
    assert html.escape(SCRIPT, quote=False) in section and SCRIPT not in page
    assert "Reply to an &lt;b&gt;e-mail&lt;/b&gt; within 12 hours" in section
    assert "<b>e-mail</b>" not in page
    tl1 = next(row for row in section.split("<tr") if ">TL-001</a>" in row)
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tl1)]
    assert cells[2:9] == ["both", "4 → 1", "2 → 5", "0", "3", "0", "2"]
    kpi = next(row for row in section.split("<tr") if "<td>KPI-001</td><td>2026-01" in row)
    assert re.findall(r"<td[^>]*>(.*?)</td>", kpi) == ["KPI-001", "2026-01", "66.7%", "50.0%",
        "pass", "16.7%", "75.0%", "fail", "newly fail"]  # fmt: skip
    assert "<script" not in page and "src=" not in page  # still self-contained, nothing runs


@pytest.mark.parametrize("fmt", ["json", "html", "text"])
def test_reports_are_byte_identical_with_as_of(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        res = check(monkeypatch, "--compare-release", "2025.1", "--format", fmt, "-o", str(out))
        assert res.exit_code == 1, res.output
    assert first.read_bytes() == second.read_bytes()


def test_exit_code_follows_the_new_run_and_fail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check(monkeypatch, "--compare-release", "2025.1", "--fail-on", "never").exit_code == 0
    # judged by 2025.1 only (the fixture's 2025.1 fails too): the old side never sets the code
    res = check(monkeypatch, "--release", "2026.1", "--compare-release", "2025.1")
    assert res.exit_code == 1


@pytest.mark.parametrize("fmt", ["csv", "junit", "sarif", "github"])
def test_formats_without_a_comparison_refuse_it(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    res = check(monkeypatch, "--compare-release", "2025.1", "--format", fmt)
    assert res.exit_code == 2
    assert res.stderr == (
        f"error: --compare-release: the {fmt} format cannot show a comparison; "
        "use html, json, text\n"
    )


def test_unknown_release_is_a_usage_error_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    res = check(monkeypatch, "--compare-release", "2024.9", "--format", "json", "-o", str(out))
    assert res.exit_code == 2
    assert res.stderr == (
        "error: tests/fixtures/compare: no release '2024.9' (have 2025.1, 2026.1)\n"
    )
    assert not out.exists() and "Traceback" not in res.output


def test_committed_schema_matches_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(cli, ["schema", "--comparison", "--check", str(SCHEMA)])
    assert res.exit_code == 0, res.output
