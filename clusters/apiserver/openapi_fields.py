"""Unknown fields, for server-side field validation (`fieldValidation=Strict`).

The simulated cluster advertises `fieldValidation` in its OpenAPI paths, as a real v1.35 API
server does, so kubectl leaves the unknown-field check to the server: `kubectl apply` sends
`?fieldValidation=Strict`, and the server must refuse a typo such as `imagePullPolicyy` with
400 BadRequest and the message `strict_decoding_message` builds (the words of
k8s.io/apimachinery/pkg/runtime/serializer/json, "strict decoding error", wrapped by the
handler's "cannot be handled as a" decode error).
"""

from __future__ import annotations

from typing import Any

from clusters.sim.patching_schema import JSONSchema, definition_name_for, definitions, ref_name


def unknown_fields(obj: dict, kind: str, api_version: str = "") -> list[str]:
    """The paths (`spec.containers[0].imagePullPolicyy`) of fields the kind does not declare.

    A kind with no built-in definition (a custom resource) has none.
    """
    name = definition_name_for(kind, api_version or obj.get("apiVersion", ""))
    if name is None:
        return []
    found: list[str] = []
    _walk(obj, definitions()[name], "", found)
    return found


def strict_decoding_message(kind: str, api_version: str, fields: list[str]) -> str:
    """The API server's message for a Strict request with unknown fields."""
    version = api_version.rpartition("/")[2]
    unknown = ", ".join(f'unknown field "{field}"' for field in fields)
    return (
        f'{kind} in version "{version}" cannot be handled as a {kind}: '
        f"strict decoding error: {unknown}"
    )


def _resolve(schema: JSONSchema) -> JSONSchema:
    name = ref_name(schema)
    return definitions()[name] if name else schema


def _walk(value: Any, schema: JSONSchema, path: str, found: list[str]) -> None:
    schema = _resolve(schema)
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        values = schema.get("additionalProperties")
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if properties is not None and key in properties:
                _walk(item, properties[key], child, found)
            elif isinstance(values, dict):
                _walk(item, values, child, found)
            elif properties is not None:
                found.append(child)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(item, schema["items"], f"{path}[{index}]", found)
