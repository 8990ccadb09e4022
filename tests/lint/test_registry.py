"""The registry is complete: every rule is registered, documented, has a fixture and a test."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import svcstd.lint
from svcstd.lint import RULES

from .helpers import FIXTURES, expected_findings, rules_in

#: Modules of svcstd.lint that hold the framework, not rules.
FRAMEWORK = {"base", "runner", "report"}
RULE_MODULES = sorted(
    m.name for m in pkgutil.iter_modules(svcstd.lint.__path__) if m.name not in FRAMEWORK
)


def test_registry_keys_are_rule_ids_in_order() -> None:
    assert all(key == rule.id for key, rule in RULES.items())
    assert list(RULES) == sorted(RULES)


def test_every_rule_module_is_registered_and_every_rule_in_it() -> None:
    registered = {id(rule) for rule in RULES.values()}
    found = 0
    for name in RULE_MODULES:
        module = importlib.import_module(f"svcstd.lint.{name}")
        rules = rules_in(module)
        assert rules, f"svcstd.lint.{name} defines no lint rule"
        for rule in rules:
            assert id(rule) in registered, f"{rule.id} in svcstd.lint.{name} is not in RULES"
        found += len(rules)
    assert found == len(RULES)


def test_slugs_are_unique_and_name_the_family() -> None:
    slugs = [r.slug for r in RULES.values()]
    assert len(set(slugs)) == len(slugs)


def test_every_rule_module_has_a_test_module() -> None:
    here = Path(__file__).parent
    for name in RULE_MODULES:
        assert (here / f"test_{name}.py").is_file(), f"tests/lint/test_{name}.py is missing"


def test_every_rule_has_a_failing_fixture() -> None:
    for rule_id in RULES:
        folder = FIXTURES / rule_id
        assert folder.is_dir(), f"no fixture folder {folder}"
        assert any(r == rule_id for r, _, _ in expected_findings(folder)), (
            f"{folder} has no '# expect: {rule_id}'"
        )


def test_no_fixture_for_an_unknown_rule() -> None:
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("SPEC-")}
    assert folders <= set(RULES)


def test_every_rule_is_documented() -> None:
    for rule in RULES.values():
        assert rule.description == inspect.getdoc(rule.check)
        assert rule.rationale.endswith(".") and rule.title[0].isupper()
