"""Same result → byte-identical report, for every format (only as_of is a time in a report)."""

from __future__ import annotations

import io
import zipfile

import pytest

from svcstd.report import REPORTERS

from .conftest import build_result


@pytest.fixture(scope="module")
def twice() -> tuple[dict[str, bytes], dict[str, bytes]]:
    def run() -> dict[str, bytes]:
        result = build_result()
        out = {}
        for fmt, reporter in REPORTERS.items():
            doc = reporter(result)
            out[fmt] = doc if isinstance(doc, bytes) else doc.encode("utf-8")
        return out

    return run(), run()


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_two_runs_give_identical_bytes(
    twice: tuple[dict[str, bytes], dict[str, bytes]], fmt: str
) -> None:
    first, second = twice
    assert first[fmt] == second[fmt]


def test_xlsx_zip_entries_carry_no_wall_clock(
    twice: tuple[dict[str, bytes], dict[str, bytes]],
) -> None:
    with zipfile.ZipFile(io.BytesIO(twice[0]["xlsx"])) as z:
        stamps = {i.date_time for i in z.infolist()}
        core = z.read("docProps/core.xml").decode()
    assert stamps == {(2025, 4, 14, 16, 0, 0)}  # as_of, 2025-04-15 00:00 +08:00
    assert "2025-04-14T16:00:00Z" in core
