"""Rules of ``svcstd.lint.escalation``: each fires on its fixture, where the fixture says."""

from __future__ import annotations

import pytest

from svcstd.lint import escalation
from svcstd.lint.base import LintRule

from .helpers import LintJson, assert_fixture_fails, rules_in

RULES = rules_in(escalation)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_reports_its_fixture(rule: LintRule, lint_json: LintJson) -> None:
    assert_fixture_fails(rule, lint_json)
