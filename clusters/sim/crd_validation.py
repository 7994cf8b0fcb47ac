"""The API server's schema validation of the policy engines' custom resources.

apiextensions-apiserver validates a custom resource against its CRD's structural schema
(apiservervalidation.ValidateCustomResource, kube-openapi's validate): a wrong type is
`<path>: Invalid value: "<type>": <path> in body must be of type <expected>: "<type>"`, a value
outside an enum `<path>: Unsupported value: "<value>": supported values: "A", "B"`, all in a
422 `<Kind>.<group> "<name>" is invalid: ...`.

The schemas are the parts a learner writes: a constraint's spec (gatekeeper.py), and
ClusterPolicy's actions, whose enums are Kyverno's (api/kyverno/v1: ValidationFailureAction
`audit;enforce;Audit;Enforce`, the rule's failureAction `Audit;Enforce`).
"""

from __future__ import annotations

import json
from typing import Any

from clusters.sim import errors
from clusters.sim.errors import FieldError, invalid, not_supported
from clusters.sim.gatekeeper import constraint_spec_schema
from clusters.sim.kinds import GATEKEEPER_GROUP, ResourceType

_CLUSTER_POLICY_SPEC = {
    "type": "object",
    "properties": {
        "validationFailureAction": {
            "type": "string",
            "enum": ["audit", "enforce", "Audit", "Enforce"],
        },
        "admission": {"type": "boolean"},
        "background": {"type": "boolean"},
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "validate": {
                        "type": "object",
                        "properties": {
                            "failureAction": {"type": "string", "enum": ["Audit", "Enforce"]},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def _check(value: Any, schema: dict[str, Any], path: str, found: list[FieldError]) -> None:
    expected, actual = schema.get("type"), _type_name(value)
    if expected and actual != expected and not (expected == "number" and actual == "integer"):
        detail = f"{path} in body must be of type {expected}: {json.dumps(actual)}"
        found.append(invalid(path, actual, detail))
        return
    if "enum" in schema and value not in schema["enum"]:
        found.append(not_supported(path, value, schema["enum"]))
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                _check(value[key], sub, f"{path}.{key}", found)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{path}[{index}]", found)


def validate_custom_resource(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """Raise 422 Invalid when the object's spec breaks its CRD's schema."""
    if rtype.group == GATEKEEPER_GROUP:
        schema = constraint_spec_schema(rtype.kind)
    elif rtype.kind == "ClusterPolicy":
        schema = _CLUSTER_POLICY_SPEC
    else:
        return
    found: list[FieldError] = []
    if "spec" in obj:
        _check(obj["spec"], schema, "spec", found)
    if found:
        name = (obj.get("metadata") or {}).get("name", "")
        raise errors.invalid_object(rtype.kind, name, found, rtype.group)
