"""The three patch formats of the API server, applied to plain JSON-like dicts.

JSON patch uses the `jsonpatch` library. Strategic merge patch follows
apimachinery/pkg/util/strategicpatch for the lists the labs touch: lists of objects merge by
their merge key (`name` for containers, volumes, env...), `$patch: delete|replace` and
`$setElementOrder/<list>` / `$retainKeys` directives are honoured or dropped as upstream does.
"""

from __future__ import annotations

from typing import Any

import jsonpatch

from clusters.sim import errors
from clusters.sim.store import deep_copy

# Merge keys of the list fields a Pod and friends carry (k8s.io/api types' patchMergeKey tags).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "env": "name",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "conditions": "type",
    "containerStatuses": "name",
    "tolerations": "",  # atomic in practice: replaced whole
}


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = deep_copy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def json_patch(target: Any, operations: Any) -> Any:
    try:
        return jsonpatch.JsonPatch(operations).apply(deep_copy(target))
    except (
        jsonpatch.JsonPatchException,
        jsonpatch.JsonPointerException,
        TypeError,
        KeyError,
    ) as err:
        raise errors.ApiError(
            errors.status_object(
                422,
                "Invalid",
                f"the server rejected our request due to an error in our request: {err}",
            )
        ) from err


def _merge_list(field: str, current: list[Any], patch: list[Any]) -> list[Any]:
    key = MERGE_KEYS.get(field)
    if not key or not all(isinstance(x, dict) for x in patch + current):
        return [deep_copy(x) for x in patch if not (isinstance(x, dict) and x.get("$patch"))]
    result = [deep_copy(x) for x in current]
    for item in patch:
        directive = item.get("$patch")
        if directive == "replace":
            return [
                deep_copy({k: v for k, v in x.items() if k != "$patch"})
                for x in patch
                if x is not item
            ]
        match = next((i for i, x in enumerate(result) if x.get(key) == item.get(key)), None)
        if directive == "delete":
            if match is not None:
                result.pop(match)
            continue
        if match is None:
            result.append(strategic_merge_patch({}, item))
        else:
            result[match] = strategic_merge_patch(result[match], item)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return deep_copy(patch)
    if patch.get("$patch") == "replace":
        return {k: deep_copy(v) for k, v in patch.items() if k != "$patch"}
    result = deep_copy(target) if isinstance(target, dict) else {}
    order: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            order[key.split("/", 1)[1]] = value
            continue
        if key.startswith("$") or key == "$retainKeys":
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_list(key, result[key], value)
        elif isinstance(value, list):
            result[key] = _merge_list(key, [], value)
        elif isinstance(value, dict):
            result[key] = strategic_merge_patch(result.get(key), value)
        else:
            result[key] = value
    for field, wanted in order.items():
        key = MERGE_KEYS.get(field)
        if key and isinstance(result.get(field), list):
            rank = {item.get(key): i for i, item in enumerate(wanted) if isinstance(item, dict)}
            result[field].sort(key=lambda x: rank.get(x.get(key), len(rank)))
    return result


PATCH_TYPES = {
    "application/merge-patch+json": json_merge_patch,
    "application/json-patch+json": json_patch,
    "application/strategic-merge-patch+json": strategic_merge_patch,
}


def apply_patch(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    kind = content_type.split(";")[0].strip()
    func = PATCH_TYPES.get(kind)
    if func is None:
        raise errors.unsupported_media_type(kind)
    result = func(target, patch)
    if not isinstance(result, dict):
        raise errors.bad_request("the patch must produce an object")
    return result
