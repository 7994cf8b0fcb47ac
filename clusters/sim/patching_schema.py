"""The Kubernetes type definitions, and the patch metadata a strategic merge patch reads from them.

The definitions come from the kept `kubernetes-validate` package, which ships the official
OpenAPI definitions of each Kubernetes release as JSON Schema, with the `x-kubernetes-*`
extensions intact. The strategic merge patch (merge keys, patch strategies) and the OpenAPI
documents the API server serves are both derived from this one source, so they cannot disagree,
and nothing here is a hand-typed table.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

# Matches the pinned kubectl (v1.35) and the API version the simulator speaks.
KUBERNETES_VERSION = "v1.35.0"

JSONSchema = dict[str, Any]


@functools.cache
def definitions() -> dict[str, JSONSchema]:
    """Every definition of the release, by its OpenAPI name (`io.k8s.api.core.v1.Pod`)."""
    folder = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    path = folder / f"{KUBERNETES_VERSION}-local" / "_definitions.json"
    return json.loads(path.read_text(encoding="utf-8"))["$defs"]


def ref_name(schema: JSONSchema) -> str | None:
    """The definition a schema points at (`#/$defs/NAME`), if it is a reference."""
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


@functools.cache
def definition_name_for(kind: str, api_version: str = "") -> str | None:
    """The definition name of a kind, e.g. `Deployment` -> `io.k8s.api.apps.v1.Deployment`.

    With no `api_version`, the core group wins, then a stable version: `Event` is the core
    `v1` Event, as `kubectl` and the kubelet use it.
    """
    group, _, version = api_version.rpartition("/")
    candidates: list[tuple[int, str]] = []
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            if gvk["kind"] != kind or name.endswith("List"):
                continue
            if api_version and (gvk["group"], gvk["version"]) != (group, version):
                continue
            stable = gvk["version"].startswith("v") and gvk["version"][1:].isdigit()
            candidates.append(((gvk["group"] != "") * 2 + (not stable), name))
    return min(candidates)[1] if candidates else None


@dataclass(frozen=True)
class FieldPatchMeta:
    """How a strategic merge patch treats one field (the struct tags of the Go type).

    `strategies` holds `merge`, `replace` and/or `retainKeys`; `merge_key` names the key that
    identifies an element of a merging list; `schema` describes the field's value (for a list,
    its elements).
    """

    strategies: tuple[str, ...] = ()
    merge_key: str = ""
    schema: PatchSchema | None = None
    # What server-side apply reads instead: `x-kubernetes-list-type` (atomic, set, map) and,
    # for a map list, the keys that identify an element.
    list_type: str = ""
    list_map_keys: tuple[str, ...] = ()


class PatchSchema:
    """Looks up patch metadata of the fields of one definition (or of a map's values).

    Mirrors `PatchMetaFromOpenAPI` in k8s.io/apimachinery/pkg/util/strategicpatch/meta.go: a
    field with no metadata merges as a map or replaces as a list.
    """

    def __init__(self, schema: JSONSchema, all_definitions: dict[str, JSONSchema]) -> None:
        self._schema = schema
        self._definitions = all_definitions

    @classmethod
    def named(cls, name: str, all_definitions: dict[str, JSONSchema] | None = None) -> PatchSchema:
        all_definitions = definitions() if all_definitions is None else all_definitions
        return cls(all_definitions[name], all_definitions)

    def _resolve(self, schema: JSONSchema) -> PatchSchema:
        name = ref_name(schema)
        return PatchSchema(self._definitions[name] if name else schema, self._definitions)

    def field(self, key: str) -> FieldPatchMeta:
        prop = self._schema.get("properties", {}).get(key)
        if prop is None:
            values = self._schema.get("additionalProperties")
            schema = self._resolve(values) if isinstance(values, dict) else None
            return FieldPatchMeta(schema=schema)
        strategy = prop.get("x-kubernetes-patch-strategy", "")
        value_schema = prop.get("items", prop)
        return FieldPatchMeta(
            strategies=tuple(s for s in strategy.split(",") if s),
            merge_key=prop.get("x-kubernetes-patch-merge-key", ""),
            schema=self._resolve(value_schema),
            list_type=prop.get("x-kubernetes-list-type", ""),
            list_map_keys=tuple(prop.get("x-kubernetes-list-map-keys", ())),
        )
