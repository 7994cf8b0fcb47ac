"""Type checks the API server's JSON decoder makes before anything else sees an object.

A real API server decodes a request body into Go structs, so a string where a list belongs is
a 400 before defaulting or validation: `Pod in version "v1" cannot be handled as a Pod: json:
cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`
(apiserver/pkg/endpoints/handlers/create.go, encoding/json's UnmarshalTypeError). The types
come from the kept v1.35 definitions (`patching_schema`).

A `resource.Quantity` (every ResourceList: container and pod-level requests and limits,
`overhead`, a LimitRange's limits, a ResourceQuota's `hard`, a Node's capacity) decodes through
its own UnmarshalJSON (apimachinery/pkg/api/resource/quantity.go), which hands any JSON value,
quotes stripped, to ParseQuantity. Its error comes back bare and ends the decode at once
(encoding/json's `literalStore`/`object` return an Unmarshaler's error, where a type mismatch
is only saved and decoding goes on), so a malformed quantity is what the 400 names even when
a type error came before it: `Pod in version "v1" cannot be handled as a Pod: quantities must
match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`.
"""

from __future__ import annotations

import json
from typing import Any

from clusters.sim import errors
from clusters.sim.patching_schema import JSONSchema, definition_name_for, definitions, ref_name
from clusters.sim.quantity import QuantityError, parse_quantity

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
LENIENT = {  # types whose JSON form is a string or a number
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "intstr.IntOrString",
    QUANTITY: "resource.Quantity",
}


class _Abort(Exception):
    """An Unmarshaler's error: encoding/json stops decoding and returns it as it is."""


def _quantity_problem(value: Any) -> str | None:
    """Quantity.UnmarshalJSON: the JSON value as text (a string without its quotes, a number
    as written; `true`, `[...]` and `{...}` never parse) through ParseQuantity."""
    text = json.dumps(value) if isinstance(value, bool | list | dict) else str(value)
    try:
        parse_quantity(text)
    except QuantityError as err:
        return str(err)
    return None


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


def _check(value: Any, schema: JSONSchema, path: str, parent: str, saved: list[str]) -> None:
    """Walk `value` as encoding/json decodes it: the first type mismatch is saved (as
    encoding/json words it) and the walk goes on; a malformed quantity raises _Abort."""
    if value is None:
        return
    name = ref_name(schema)
    if name == QUANTITY:
        problem = _quantity_problem(value)
        if problem:
            raise _Abort(problem)
        return
    found = _json_type(value)
    if found not in _expected(schema):
        target = f"Go struct field {parent}.{path} of type {_go_type(schema)}"
        if not saved:
            saved.append(f"json: cannot unmarshal {found} into {target}")
        return
    if name and name not in LENIENT and found == "object":
        target = definitions().get(name, {})
        for key, item in value.items():
            field = (target.get("properties") or {}).get(key)
            if field is not None:
                child = f"{path}.{key}" if path else key
                _check(item, field, child, _short(name).split(".")[1], saved)
        return
    if found == "array":
        for item in value:
            _check(item, schema.get("items") or {}, path, parent, saved)
    if found == "object" and isinstance(schema.get("additionalProperties"), dict):
        for item in value.values():
            _check(item, schema["additionalProperties"], path, parent, saved)


def decode_problem(obj: Any, kind: str, api_version: str) -> str | None:
    """What the decoder says of `obj` as a `kind`, or None when it decodes."""
    name = definition_name_for(kind, api_version)
    if name is None:
        return None
    saved: list[str] = []
    try:
        _check(obj, {"$ref": f"#/$defs/{name}"}, "", kind, saved)
    except _Abort as abort:
        return str(abort)
    return saved[0] if saved else None


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
    """Raise 400 BadRequest for what the decoder refuses: a malformed quantity anywhere, else
    the first field whose JSON type the Go struct cannot take."""
    check_type_meta(obj, kind)
    problem = decode_problem(obj, kind, api_version)
    if problem:
        version = api_version.rpartition("/")[2]
        raise errors.bad_request(
            f'{kind} in version "{version}" cannot be handled as a {kind}: {problem}'
        )
