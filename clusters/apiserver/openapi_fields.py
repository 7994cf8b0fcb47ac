"""Unknown fields, for server-side field validation (`fieldValidation`).

The simulated cluster advertises `fieldValidation` in its OpenAPI paths, as a real v1.35 API
server does, so kubectl leaves the unknown-field check to the server. The API server calls
`decode_fields(obj, kind, request.query_params.get("fieldValidation"))` on each object it
decodes (create, update, and the result of a patch), stores the object it returns and sends each
returned warning as a `Warning` header. By the request's `fieldValidation`:

- `Strict` (what `kubectl apply` and `create` send): `StrictDecodingError`, whose `status()` is
  the 400 BadRequest with the API server's words (k8s.io/apimachinery/pkg/runtime/serializer/json,
  "strict decoding error", wrapped by the handler's "cannot be handled as a" decode error);
- `Warn` (the default, e.g. for the official Python client): the object without them, and one
  warning per field;
- `Ignore`: the object without them, silently.
"""

from __future__ import annotations

import json
from typing import Any

from clusters.apiserver.openapi_crds import crd_schema
from clusters.sim.patching_schema import JSONSchema, definition_name_for, definitions, ref_name


class StrictDecodingError(ValueError):
    """Unknown fields under `fieldValidation=Strict`; `status()` is the API server's answer."""

    def __init__(self, kind: str, api_version: str, fields: list[str], patch: bool) -> None:
        # handlers/patch.go answers a patched object's errors bare (NewStrictDecodingError).
        bare = _strict_decoding_error(fields)
        super().__init__(bare if patch else strict_decoding_message(kind, api_version, fields))
        self.fields = fields

    def status(self) -> dict[str, Any]:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": str(self),
            "reason": "BadRequest",
            "code": 400,
        }


def decode_fields(
    obj: dict, kind: str, field_validation: str | None, patch: bool = False
) -> tuple[dict, list[str]]:
    """The object to keep and the `Warning` header values to send (see the module's doc).

    `patch` marks the result of a PATCH, whose Strict error upstream words without the
    "cannot be handled as" prefix.
    """
    api_version = obj.get("apiVersion", "")
    kept, fields = split_unknown_fields(obj, kind, api_version)
    if not fields:
        return obj, []
    if field_validation == "Strict":
        raise StrictDecodingError(kind, api_version, fields, patch)
    if field_validation == "Ignore":
        return kept, []
    return kept, [unknown_field_warning(path) for path in fields]


def unknown_fields(obj: dict, kind: str, api_version: str = "") -> list[str]:
    """The paths (`spec.containers[0].imagePullPolicyy`) of fields the kind does not declare.

    A custom resource is checked against its CRD's schema (`openapi_crds.crd_schema`); an
    open (`x-kubernetes-preserve-unknown-fields`) part has none.
    """
    return split_unknown_fields(obj, kind, api_version)[1]


def split_unknown_fields(obj: dict, kind: str, api_version: str = "") -> tuple[dict, list[str]]:
    """The object without the fields its kind does not declare, and those fields' paths.

    What the API server's decoder does with them depends on `fieldValidation`: `Strict` refuses
    the request (`strict_decoding_message`), `Warn` (the default when the parameter is absent)
    drops them with one `Warning` header each (`unknown_field_warning`), `Ignore` drops them.
    """
    api_version = api_version or obj.get("apiVersion") or ""
    name = definition_name_for(kind, api_version)
    schema = definitions()[name] if name is not None else crd_schema(kind, api_version)
    if schema is None:
        return obj, []
    found: list[str] = []
    return _prune(obj, schema, "", found), found


def unknown_field_warning(path: str) -> str:
    """The `Warning` header value for one dropped field: the message `unknown field %q` as an
    RFC 7234 warning (code 299, no agent); kubectl prints `Warning: unknown field "<path>"`."""
    return warning_header(f"unknown field {json.dumps(path)}")


def warning_header(message: str) -> str:
    """An RFC 7234 `Warning` header value: code 299, no agent, the message quoted."""
    return '299 - "' + message.replace("\\", "\\\\").replace('"', '\\"') + '"'


def strict_decoding_message(kind: str, api_version: str, fields: list[str]) -> str:
    """The API server's message for a Strict create or update with unknown fields."""
    version = api_version.rpartition("/")[2]
    return (
        f'{kind} in version "{version}" cannot be handled as a {kind}: '
        + _strict_decoding_error(fields)
    )


def _strict_decoding_error(fields: list[str]) -> str:
    return "strict decoding error: " + ", ".join(f"unknown field {json.dumps(f)}" for f in fields)


def _resolve(schema: JSONSchema) -> JSONSchema:
    name = ref_name(schema)
    return definitions()[name] if name else schema


def _prune(value: Any, schema: JSONSchema, path: str, found: list[str]) -> Any:
    """`value` without its undeclared fields, whose paths are added to `found`."""
    schema = _resolve(schema)
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties")
        values = schema.get("additionalProperties")
        kept = {}
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if properties is not None and key in properties:
                kept[key] = _prune(item, properties[key], child, found)
            elif isinstance(values, dict):
                kept[key] = _prune(item, values, child, found)
            elif properties is not None:
                found.append(child)
            else:
                kept[key] = item
        return kept
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            _prune(item, schema["items"], f"{path}[{index}]", found)
            for index, item in enumerate(value)
        ]
    return value
