"""svcstd check on the two public real logs (``../shared/real-data``) with the shipped profiles.

Both logs predate every release (2010-2017), so they are judged with ``--release 2025.1``; see
``site/real-data.md``. Asserted: no crash, every rule the export can evaluate yields pass/fail
verdicts, the per-rule counts are those recorded in ``site/real-data.md`` (a change is a change
of behaviour to explain there), and the ServiceNow resolution verdicts against the log's own
``made_sla`` flag (a comparison, never tuned to agree).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from svcstd.checks.engine import CheckResult, run_check
from svcstd.records import read_records
from svcstd.spec import load_standards
from svcstd.timecalc import parse_instant

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "real-data"
AS_OF = "2026-11-23T00:00:00+08:00"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/real-data is not present")

#: rule → (pass, fail, not_evaluable), release 2025.1, as_of AS_OF.
HELPDESK = {
    "ARC-001": (0, 0, 4559),
    "ARC-002": (0, 0, 4580),
    "ARC-003": (0, 0, 4580),
    "ARC-004": (0, 0, 4580),
    "ARC-005": (0, 0, 4580),
    "AUTH-001": (0, 0, 4559),
    "AUTH-002": (0, 0, 4580),
    "AUTH-003": (0, 0, 4580),
    "AUTH-004": (0, 0, 58),
    "AUTH-005": (0, 0, 4577),
    "AUTH-006": (0, 0, 4580),
    "AUTH-007": (0, 0, 4580),
    "AUTH-008": (0, 0, 4569),
    "ESC-001": (0, 0, 4580),
    "ESC-002": (0, 0, 4580),
    "ESC-003": (0, 0, 4580),
    "ESC-004": (0, 0, 4580),
    "ESC-005": (0, 0, 4580),
    "ESC-006": (0, 0, 4580),
    "KPI-001": (0, 0, 47),
    "KPI-002": (0, 0, 47),
    "KPI-003": (0, 0, 47),
    "KPI-004": (0, 0, 47),
    "KPI-005": (0, 0, 47),
    "KPI-006": (0, 0, 47),
    "KPI-007": (0, 0, 47),
    "OWN-001": (0, 0, 4580),
    "OWN-002": (0, 0, 4580),
    "PROC-001": (0, 0, 4580),
    "PROC-002": (0, 0, 4580),
    "PROC-003": (0, 0, 4580),
    "PROC-004": (0, 0, 4580),
    "PROC-005": (0, 0, 4580),
    "PROC-006": (0, 0, 4580),
    "PROC-007": (0, 0, 4580),
    "PROC-008": (0, 0, 4580),
    "PROC-009": (0, 0, 4580),
    "PROC-010": (0, 0, 4580),
    "REC-001": (0, 0, 4580),
    "REC-002": (0, 0, 4580),
    "REC-003": (0, 0, 4580),
    "REC-004": (0, 0, 4580),
    "REC-005": (0, 0, 4580),
    "REC-006": (0, 0, 4580),
    "REC-007": (0, 0, 4580),
    "REC-008": (0, 0, 4580),
    "REC-009": (0, 0, 4580),
    "REC-010": (0, 0, 4580),
    "RET-001": (0, 0, 4580),
    "RET-002": (0, 0, 4580),
    "RET-003": (0, 0, 4580),
    "RET-004": (0, 0, 4580),
    "RET-005": (0, 0, 4580),
    "RET-006": (0, 0, 4580),
    "RET-007": (0, 0, 4580),
    "TL-001": (0, 0, 4580),
    "TL-002": (0, 0, 4580),
    "TL-003": (0, 0, 4580),
    "TL-004": (0, 0, 4580),
    "TL-005": (0, 0, 4580),
    "TL-006": (0, 0, 4580),
    "TL-007": (0, 0, 4580),
    "TL-008": (0, 0, 4580),
    "TL-009": (0, 0, 4580),
    "TL-010": (0, 0, 4580),
    "TL-011": (0, 0, 4580),
    "TL-012": (0, 0, 4580),
    "TL-013": (0, 0, 4580),
    "TL-014": (0, 0, 4580),
    "TL-015": (0, 0, 4580),
    "TL-016": (0, 0, 4580),
    "TL-017": (0, 0, 4580),
    "TL-018": (0, 0, 4580),
    "TL-019": (0, 0, 4580),
    "TL-020": (0, 0, 4580),
    "TL-021": (0, 0, 4580),
    "TL-022": (2520, 1758, 4),
    "TL-023": (0, 0, 4580),
    "TL-024": (0, 0, 4569),
    "TL-025": (0, 0, 4580),
    "TL-026": (0, 0, 4580),
    "TL-027": (0, 0, 4580),
    "TL-028": (0, 0, 4580),
    "TL-030": (0, 0, 4580),
    "TL-031": (0, 0, 4580),
}
SERVICENOW = {
    "ARC-001": (0, 0, 24918),
    "ARC-004": (0, 0, 24696),
    "AUTH-001": (0, 0, 24918),
    "AUTH-003": (0, 0, 24918),
    "AUTH-004": (0, 0, 24918),
    "AUTH-005": (0, 0, 24260),
    "AUTH-006": (0, 0, 24918),
    "AUTH-007": (0, 0, 24918),
    "AUTH-008": (0, 0, 23362),
    "ESC-001": (0, 0, 24918),
    "ESC-002": (0, 0, 24918),
    "ESC-004": (0, 0, 24918),
    "ESC-005": (0, 0, 24918),
    "KPI-001": (10, 1, 41),
    "KPI-002": (0, 0, 13),
    "KPI-003": (0, 0, 13),
    "KPI-004": (0, 0, 52),
    "KPI-005": (0, 0, 52),
    "KPI-006": (0, 9, 4),
    "KPI-007": (0, 0, 13),
    "OWN-001": (24087, 550, 11),
    "OWN-002": (9, 261, 0),
    "PROC-001": (0, 3, 24915),
    "PROC-002": (0, 0, 24696),
    "PROC-005": (0, 0, 3),
    "PROC-006": (0, 0, 225),
    "PROC-007": (0, 376, 24542),
    "PROC-009": (0, 0, 24918),
    "PROC-010": (0, 0, 24918),
    "REC-001": (0, 3, 24915),
    "REC-003": (0, 0, 24918),
    "REC-004": (0, 0, 24696),
    "REC-006": (0, 0, 3),
    "REC-008": (0, 0, 24918),
    "REC-009": (0, 0, 24918),
    "REC-010": (0, 0, 24918),
    "RET-001": (0, 0, 24918),
    "RET-004": (0, 0, 24696),
    "RET-006": (0, 0, 24918),
    "RET-007": (0, 0, 24918),
    "TL-001": (0, 0, 24696),
    "TL-002": (0, 0, 3),
    "TL-003": (0, 0, 64),
    "TL-004": (0, 0, 164),
    "TL-005": (0, 0, 24918),
    "TL-006": (0, 0, 24648),
    "TL-007": (0, 0, 270),
    "TL-008": (0, 0, 3),
    "TL-009": (0, 0, 3),
    "TL-013": (17708, 6940, 0),
    "TL-015": (113, 157, 0),
    "TL-017": (0, 0, 3),
    "TL-018": (0, 0, 24918),
    "TL-019": (0, 0, 24918),
    "TL-020": (0, 0, 24918),
    "TL-021": (0, 0, 24918),
    "TL-022": (0, 0, 24918),
    "TL-023": (0, 0, 24918),
    "TL-024": (0, 0, 24905),
    "TL-025": (0, 0, 24918),
    "TL-030": (0, 0, 24918),
    "TL-031": (0, 0, 24918),
}
#: (svcstd resolution verdict, made_sla on the incident's last row) → incidents.
MADE_SLA = {
    ("fail", "false"): 5198,
    ("fail", "true"): 1899,
    ("pass", "false"): 3917,
    ("pass", "true"): 13904,
}


def _run(name: str, profile: str) -> CheckResult:
    records = read_records([DATA / name], profile)
    return run_check(
        records, load_standards(ROOT / "standards"), as_of=parse_instant(AS_OF), release="2025.1"
    )


def _counts(result: CheckResult) -> dict[str, tuple[int, int, int]]:
    tab = result.verdicts.group_by("rule_id").agg(
        **{o: (pl.col("outcome") == o).sum() for o in ("pass", "fail", "not_evaluable")}
    )
    return {r[0]: (r[1], r[2], r[3]) for r in tab.sort("rule_id").iter_rows()}


@pytest.fixture(scope="module")
def servicenow() -> CheckResult:
    return _run("servicenow_incident_event_log.csv.gz", "servicenow")


def test_helpdesk() -> None:
    result = _run("helpdesk.csv.gz", "helpdesk")
    counts = _counts(result)
    assert result.unjudged == 0
    assert counts == HELPDESK
    # what the export can evaluate (it records a take-in-charge and a resolution) is judged
    assert sum(counts["TL-022"][:2]) > 0


def test_servicenow_counts(servicenow: CheckResult) -> None:
    counts = _counts(servicenow)
    assert servicenow.unjudged == 0
    assert counts == SERVICENOW
    for rule in ("TL-013", "TL-015", "OWN-001", "OWN-002"):
        assert sum(counts[rule][:2]) > 0, rule


def test_servicenow_against_made_sla(servicenow: CheckResult) -> None:
    raw = pl.read_csv(DATA / "servicenow_incident_event_log.csv.gz", infer_schema_length=0)
    last = (
        raw.with_row_index("_row")
        .group_by("number")
        .agg(made_sla=pl.col("made_sla").sort_by("_row").last())
    )
    ours = servicenow.verdicts.filter(pl.col("rule_id").is_in(["TL-013", "TL-015"])).select(
        number="case_id", outcome="outcome"
    )
    table = (
        last.join(ours, on="number", how="left")
        .with_columns(pl.col("outcome").fill_null("no verdict"))
        .group_by("outcome", "made_sla")
        .len()
    )
    got = {(o, m): n for o, m, n in table.iter_rows()}
    assert got == MADE_SLA
    assert sum(got.values()) == last.height
