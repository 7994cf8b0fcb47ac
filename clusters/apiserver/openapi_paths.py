"""The `paths` of the OpenAPI v3 documents, read from the official client's API classes.

The official `kubernetes` client is generated from the API server's OpenAPI document, so each of
its API methods keeps one operation: the HTTP method and path (in `_<name>_serialize`), the query
parameters with their descriptions, the response type and the summary line. Reading them back
gives the operations without a hand-typed table.

kubectl needs them for one thing: before `apply`, `create` or `replace`, it looks for the PATCH
operation of the kind (by `x-kubernetes-group-version-kind`) and checks whether it takes a
`fieldValidation` parameter (k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go). If it
does, kubectl leaves unknown-field checks to the server; if not, it validates on the client.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path
from typing import Any

from clusters.sim.patching_schema import definitions

_REF_PREFIX = "#/components/schemas/"

# The client's method verbs, as the HTTP method and the `x-kubernetes-action` upstream tags.
_METHOD_ACTIONS = {
    "create": ("post", "post"),
    "read": ("get", "get"),
    "replace": ("put", "put"),
    "patch": ("patch", "patch"),
    "delete": ("delete", "delete"),
    "list": ("get", "list"),
}

_METHOD_AND_PATH = re.compile(r"method='(?P<method>\w+)',\s*resource_path='(?P<path>[^']+)'")
_QUERY_PARAM = re.compile(r"_query_params\.append\(\('(?P<wire>\w+)', (?P<python>\w+)\)\)")
_PARAM_DESCRIPTION = re.compile(
    r"^\s+(?P<python>\w+): Annotated\[.*?Field\(description=\"(?P<text>(?:[^\"\\]|\\.)*)\"\)",
    re.MULTILINE,
)
_RESPONSE_200 = re.compile(r"'200': \"(?P<type>\w+)\"")
_SUMMARY = re.compile(r'"""(?P<name>\w+)\n\n(?P<summary>[^\n]+)')


def paths_for(group: str, version: str) -> dict[str, Any]:
    """The paths of one group-version, each with its operations."""
    source = _module_source(group, version)
    if source is None:
        return {}
    paths: dict[str, dict[str, Any]] = {}
    for operation in _operations(source):
        paths.setdefault(operation.pop("path"), {})[operation.pop("method")] = operation
    for methods in paths.values():
        _give_deletes_the_kind_of_the_path(methods)
    # Kinds the client knows but this release does not serve have no definition: leave them out.
    return {
        path: methods
        for path, methods in paths.items()
        if all("x-kubernetes-group-version-kind" in op for op in methods.values())
    }


def _module_source(group: str, version: str) -> str | None:
    """The source of the client's API module, read as text: importing it takes seconds."""
    # The client names modules after the group: rbac.authorization.k8s.io -> rbac_authorization.
    prefix = group.removesuffix(".k8s.io").replace(".", "_") if group else "core"
    package = importlib.util.find_spec("kubernetes")
    if package is None or not package.submodule_search_locations:
        return None
    path = (
        Path(package.submodule_search_locations[0])
        / "client"
        / "api"
        / f"{prefix}_{version}_api.py"
    )
    return path.read_text(encoding="utf-8") if path.exists() else None


def _operations(source: str) -> list[dict[str, Any]]:
    # Each method of the API class, by name (a plain split: a regex over 1.5 MB is slow).
    blocks = {block.split("(", 1)[0]: block for block in source.split("\n    def ")[1:]}
    operations = []
    for name, public in blocks.items():
        verb = name.split("_", 1)[0]
        serialize_block = blocks.get(f"_{name}_serialize", "")
        target = _METHOD_AND_PATH.search(serialize_block)
        if verb not in _METHOD_ACTIONS or name.startswith("delete_collection") or not target:
            continue
        response = _RESPONSE_200.search(blocks.get(f"{name}_with_http_info", ""))
        summary = _SUMMARY.search(public)
        method, action = _METHOD_ACTIONS[verb]
        operation: dict[str, Any] = {
            "path": target.group("path"),
            "method": method,
            "description": summary.group("summary").strip() if summary else "",
            "operationId": _camel(name),
            "parameters": _parameters(public, serialize_block),
            "responses": _responses(response.group("type") if response else ""),
            "x-kubernetes-action": action,
        }
        gvk = _group_version_kind(response.group("type") if response else "")
        if gvk:
            operation["x-kubernetes-group-version-kind"] = gvk
        if gvk or method == "delete":
            operations.append(operation)
    return operations


def _parameters(public_block: str, serialize_block: str) -> list[dict[str, Any]]:
    described = {
        m.group("python"): ast.literal_eval(f'"{m.group("text")}"')
        for m in _PARAM_DESCRIPTION.finditer(public_block)
    }
    parameters = [
        {
            "name": wire,
            "in": "query",
            "description": described.get(python, ""),
            "schema": {"type": "string", "uniqueItems": True},
        }
        for wire, python in (
            m.group("wire", "python") for m in _QUERY_PARAM.finditer(serialize_block)
        )
    ]
    for path_param in ("name", "namespace"):
        if f"_path_params['{path_param}']" in serialize_block:
            parameters.append(
                {
                    "name": path_param,
                    "in": "path",
                    "required": True,
                    "description": described.get(path_param, ""),
                    "schema": {"type": "string", "uniqueItems": True},
                }
            )
    return parameters


def _responses(type_name: str) -> dict[str, Any]:
    definition = _definition_for_model(type_name)
    content = (
        {"application/json": {"schema": {"$ref": _REF_PREFIX + definition}}} if definition else {}
    )
    return {
        "200": {"description": "OK", "content": content},
        "401": {"description": "Unauthorized"},
    }


def _group_version_kind(type_name: str) -> dict[str, str] | None:
    definition = _definition_for_model(type_name)
    if not definition:
        return None
    if definition.endswith("List"):
        item = definition.removesuffix("List")
        definition = item if item in definitions() else definition
    gvks = definitions()[definition].get("x-kubernetes-group-version-kind", [])
    return dict(gvks[0]) if len(gvks) == 1 else None


def _give_deletes_the_kind_of_the_path(methods: dict[str, Any]) -> None:
    """A delete answers with a `Status`; upstream still tags it with the path's kind."""
    kind = methods.get("get", {}).get("x-kubernetes-group-version-kind")
    if "delete" in methods and kind:
        methods["delete"]["x-kubernetes-group-version-kind"] = kind


@functools.cache
def _model_definitions() -> dict[str, str]:
    """The client's model class names (`V1Pod`, `CoreV1Event`) mapped to definition names."""
    names: dict[str, str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            kind, version = gvk["kind"], gvk["version"].capitalize()
            group_word = (gvk["group"].split(".")[0] or "core").capitalize()
            names.setdefault(f"{version}{kind}", name)
            names[f"{group_word}{version}{kind}"] = name
    return names


def _definition_for_model(type_name: str) -> str | None:
    return _model_definitions().get(type_name)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)
