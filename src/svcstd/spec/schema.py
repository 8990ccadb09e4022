"""JSON Schema of the spec files, published for editors (yaml-language-server) and CI.

The committed copy lives in ``schema/``; a test fails when it drifts from the model.
"""

from __future__ import annotations

from typing import Any

from svcstd.spec.model import SpecFile, WaiverFile



def spec_schema() -> dict[str, Any]:
    """Schema of one standards YAML file (any subset of sections)."""
    schema = SpecFile.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "svcstd standards file"
    return schema


def waiver_schema() -> dict[str, Any]:
    """Schema of a waivers file."""
    schema = WaiverFile.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "svcstd waivers file"
    return schema


def render(schema: dict[str, Any]) -> str:
    """The schema as committed: sorted keys, two-space indent, trailing newline."""
    import json

    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
