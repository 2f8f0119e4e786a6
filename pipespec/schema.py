"""The full JSON Schema of a spec: the structural schema with every installed component spelled out."""

from __future__ import annotations

import copy
from typing import Any

from .registry import registry
from .spec import pipeline_schema

__all__ = ["full_schema"]


def _choices(kind: str, *, batch_only: bool = False) -> dict[str, Any]:
    options: list[dict[str, Any]] = []
    for comp in registry.components(kind):
        if batch_only and not comp.batch:
            continue
        params = {**comp.schema, "description": comp.doc} if comp.doc else comp.schema
        options.append(
            {
                "type": "object",
                "properties": {comp.name: {"anyOf": [params, {"type": "null"}]}},
                "required": [comp.name],
                "additionalProperties": False,
            }
        )
        required = comp.schema.get("required")
        if not required:
            options.append({"const": comp.name})
    return {"anyOf": options} if options else {"not": {}}


def full_schema() -> dict[str, Any]:
    """Draft 2020-12 schema accepting exactly the specs that the installed components allow."""
    schema = copy.deepcopy(pipeline_schema())
    defs = schema["$defs"]
    defs["source"] = {"description": "Where samples come from.", **_choices("source")}
    defs["collate"] = {
        "description": "How samples become a batch.",
        "default": "default",
        **_choices("collate"),
    }
    defs["batch_step"] = {
        "description": "A step that works on whole batches.",
        **_choices("step", batch_only=True),
    }
    step = defs["step"]
    step["anyOf"] = [s for s in step["anyOf"] if s.get("$ref") != "#/$defs/component"]
    step["anyOf"].append({"$ref": "#/$defs/registered_step"})
    defs["registered_step"] = _choices("step")
    return schema
