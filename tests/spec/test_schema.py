"""The published JSON Schema matches the model, and every bundled YAML file validates against it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.spec.loader import read_yaml
from svcstd.spec.model import LOC_KEY
from svcstd.spec.schema import render, spec_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schema" / "svcstd-spec.schema.json"
BUNDLED = sorted((ROOT / "standards").glob("*/*.yaml"))
MODELINE = "# yaml-language-server: $schema=../../schema/svcstd-spec.schema.json"


def as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items() if k != LOC_KEY}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(spec_schema()), (
        "schema/svcstd-spec.schema.json is stale: run `svcstd schema > schema/svcstd-spec.schema.json`"
    )


def test_schema_check_mode_reports_drift(tmp_path: Path) -> None:
    stale = tmp_path / "old.json"
    stale.write_text("{}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["schema", "--check", str(stale)])
    assert result.exit_code == 1
    assert "out of date" in result.stderr
    assert CliRunner().invoke(cli, ["schema", "--check", str(SCHEMA_FILE)]).exit_code == 0


def test_there_are_bundled_standards() -> None:
    assert len(BUNDLED) >= 10


@pytest.mark.parametrize("path", BUNDLED, ids=[f"{p.parent.name}/{p.name}" for p in BUNDLED])
def test_bundled_yaml_validates_against_schema_and_names_it(path: Path) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    data, _ = read_yaml(path)
    jsonschema.validate(as_json(data), schema, cls=jsonschema.Draft202012Validator)
    assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = spec_schema()
    bad = {"roles": [{"id": "agent", "title": "Agent", "rank": 1, "dutys": ["x"]}]}
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate(bad, schema, cls=jsonschema.Draft202012Validator)
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(
            {"time_limits": [{"id": "TL-001", "title": "Reply", "measures": "first-response",
                              "clock": {"start": [{"event": "a"}], "stop": [{"event": "b"}]},
                              "target": "soon"}]},
            schema, cls=jsonschema.Draft202012Validator,
        )
