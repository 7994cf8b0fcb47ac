"""Server-side apply (`application/apply-patch+yaml`), knowingly simplified.

The applied configuration merges into the live object the way sigs.k8s.io/structured-merge-diff
merges two values: maps key by key, lists by their `x-kubernetes-list-type` (a `map` list by its
`x-kubernetes-list-map-keys`, a `set` as a union, an `atomic` or untyped list replaced whole).

What is left out, and why: real server-side apply records field ownership in
`metadata.managedFields`, removes the fields a manager applied before and no longer applies, and
answers 409 Conflict when another manager owns a changed field. The labs teach pull policies, not
field ownership, so the simulator applies the configuration as a merge: an apply can add and
change fields, and removes only what it sets to null.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from clusters.sim.patching_schema import FieldPatchMeta, PatchSchema


class ApplyError(ValueError):
    """An applied configuration the API server refuses with 400 BadRequest."""


def decode_apply_configuration(body: bytes | str | dict) -> dict:
    """The applied configuration: YAML (JSON is YAML too), and it must be an object."""
    if isinstance(body, dict):
        return body
    try:
        config = yaml.safe_load(body)
    except yaml.YAMLError as error:
        raise ApplyError(f"error decoding YAML: {error}") from error
    if not isinstance(config, dict):
        raise ApplyError("error decoding YAML: the applied configuration is not an object")
    return config


def server_side_apply(live: dict, config: dict, schema: PatchSchema | None) -> dict:
    """Merge the applied configuration into the live object (both left untouched)."""
    return _merge_map(copy.deepcopy(live), copy.deepcopy(config), schema)


def _merge_map(live: dict, config: dict, schema: PatchSchema | None) -> dict:
    for key, value in config.items():
        if value is None:
            live.pop(key, None)
            continue
        meta = schema.field(key) if schema else FieldPatchMeta()
        live[key] = _merge_value(live.get(key), value, meta)
    return live


def _merge_value(live: Any, value: Any, meta: FieldPatchMeta) -> Any:
    if isinstance(value, dict) and isinstance(live, dict):
        return _merge_map(live, value, meta.schema)
    if isinstance(value, list) and isinstance(live, list):
        if meta.list_type == "map" and meta.list_map_keys:
            return _merge_map_list(live, value, meta)
        if meta.list_type == "set":
            return live + [item for item in value if item not in live]
    return value


def _merge_map_list(live: list, value: list, meta: FieldPatchMeta) -> list:
    """Elements with the same key values merge; new ones are appended in the applied order."""

    merged = list(live)
    for item in value:
        index = next((i for i, old in enumerate(merged) if _same_element(old, item, meta)), None)
        if index is None:
            merged.append(item)
        else:
            merged[index] = _merge_map(merged[index], item, meta.schema)
    return merged


def _same_element(live: Any, applied: Any, meta: FieldPatchMeta) -> bool:
    """Same key values; a key the configuration leaves out matches the live (defaulted) one,
    as a port applied without `protocol` is the live port with the default `TCP`."""
    if not isinstance(live, dict) or not isinstance(applied, dict):
        return False
    return all(applied.get(k) in (None, live.get(k)) for k in meta.list_map_keys)
