"""Formula-injection neutralising and the other destination escapes."""

from __future__ import annotations

import polars as pl
import pytest

from svcstd.report.escaping import gh_data, gh_property, neutralise, neutralise_expr, xml_text

PAYLOADS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_starts_get_a_quote(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("text", ["E1", "a=b", "", "'already", "<script>", "100", " =x"])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_the_column_form_agrees_with_the_scalar_form() -> None:
    values = [*PAYLOADS, "E1", "a=b", "", None]
    out = pl.DataFrame({"v": values}).select(neutralise_expr("v")).get_column("v").to_list()
    assert out == [None if v is None else neutralise(v) for v in values]


def test_xml_text_drops_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x1bc\td\ne\uffff") == "abc\td\ne"


def test_github_command_encoding() -> None:
    assert gh_data("50 %\nnext") == "50 %25%0Anext"
    assert gh_property("a:b,c") == "a%3Ab%2Cc"
