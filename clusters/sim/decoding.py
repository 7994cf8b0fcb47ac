"""Type checks the API server's JSON decoder makes before anything else sees an object.

A real API server decodes a request body into Go structs, so a string where a list belongs is
a 400 before defaulting or validation: `Pod in version "v1" cannot be handled as a Pod: json:
cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`
(apiserver/pkg/endpoints/handlers/create.go, encoding/json's UnmarshalTypeError). The types
come from the kept v1.35 definitions (`patching_schema`).
"""

from __future__ import annotations

import json
from typing import Any

from clusters.sim import errors
from clusters.sim.patching_schema import JSONSchema, definition_name_for, definitions, ref_name

LENIENT = {  # types whose JSON form is a string or a number
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "intstr.IntOrString",
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "resource.Quantity",
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _short(name: str) -> str:
    """`io.k8s.api.core.v1.Container` -> `v1.Container`, as Go prints a type."""
    parts = name.split(".")
    return f"{parts[-2]}.{parts[-1]}"


def _go_type(schema: JSONSchema) -> str:
    name = ref_name(schema)
    if name:
        return LENIENT.get(name, _short(name))
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "") if isinstance(kind, list) else kind
    if kind == "array":
        return "[]" + _go_type(schema.get("items") or {})
    if kind == "object":
        return "map[string]" + _go_type(schema.get("additionalProperties") or {"type": "string"})
    if kind == "integer":
        return schema.get("format", "int64")
    return {"boolean": "bool", "number": "float64"}.get(kind or "", kind or "interface {}")


def _expected(schema: JSONSchema) -> set[str]:
    name = ref_name(schema)
    if name in LENIENT:
        return {"string", "number"}
    if name:
        target = definitions().get(name, {})
        # a named scalar (v1.Time, v1.MicroTime) is written as its underlying JSON type
        return _expected(target) if target.get("type") not in (None, "object") else {"object"}
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    mapped = {
        "integer": "number",
        "number": "number",
        "string": "string",
        "boolean": "bool",
        "array": "array",
        "object": "object",
    }
    return {mapped[k] for k in kinds if k in mapped} or {
        "string",
        "number",
        "bool",
        "array",
        "object",
    }


def _check(value: Any, schema: JSONSchema, path: str, parent: str) -> str | None:
    """The first type mismatch under `value`, as encoding/json words it, or None."""
    if value is None:
        return None
    found = _json_type(value)
    if found not in _expected(schema):
        target = f"Go struct field {parent}.{path} of type {_go_type(schema)}"
        return f"json: cannot unmarshal {found} into {target}"
    name = ref_name(schema)
    if name and name not in LENIENT and found == "object":
        target = definitions().get(name, {})
        for key, item in value.items():
            field = (target.get("properties") or {}).get(key)
            if field is not None:
                problem = _check(
                    item, field, f"{path}.{key}" if path else key, _short(name).split(".")[1]
                )
                if problem:
                    return problem
        return None
    if found == "array":
        for item in value:
            problem = _check(item, schema.get("items") or {}, path, parent)
            if problem:
                return problem
    if found == "object" and isinstance(schema.get("additionalProperties"), dict):
        for item in value.values():
            problem = _check(item, schema["additionalProperties"], path, parent)
            if problem:
                return problem
    return None


def without_nulls(value: Any) -> Any:
    """The object as Go sees it after decoding: a null field is the zero value, that is absent
    once encoded again (omitempty); a null list item is an empty struct."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [{} if item is None else without_nulls(item) for item in value]
    return value


def check_type_meta(obj: Any, kind: str) -> None:
    """`apiVersion` and `kind` must be strings before the decoder can even pick a type.

    The serializer reads them first (apimachinery runtime/serializer/json SimpleMetaFactory
    Interpret), and the handler reports its failure with a 30-byte summary of the body
    (apiserver/pkg/endpoints/handlers/rest.go transformDecodeError, summarizeData).
    """
    if not isinstance(obj, dict):
        return
    for field in ("apiVersion", "kind"):
        value = obj.get(field)
        if value is not None and not isinstance(value, str):
            body = json.dumps(obj, separators=(",", ":"))
            summary = body if len(body) <= 30 else body[:30] + " ..."
            raise errors.bad_request(
                f"the object provided is unrecognized (must be of type {kind}): couldn't get "
                f"version/kind; json parse error: json: cannot unmarshal {_json_type(value)} "
                f"into Go struct field .{field} of type string ({summary})"
            )


def check_types(obj: dict[str, Any], kind: str, api_version: str) -> None:
    """Raise 400 BadRequest for the first field whose JSON type the Go struct cannot take."""
    check_type_meta(obj, kind)
    name = definition_name_for(kind, api_version)
    if name is None:
        return
    problem = _check(obj, {"$ref": f"#/$defs/{name}"}, "", kind)
    if problem:
        version = api_version.rpartition("/")[2]
        raise errors.bad_request(
            f'{kind} in version "{version}" cannot be handled as a {kind}: {problem}'
        )
