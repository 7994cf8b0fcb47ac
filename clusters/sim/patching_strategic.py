"""Strategic merge patch, as the API server applies it.

Follows `StrategicMergeMapPatch` in k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (merge
options `MergeParallelList` and `IgnoreUnmatchedNulls`, as the API server sets them), function by
function, so each behaviour can be checked against its upstream counterpart:

- a list whose field has `patchStrategy: merge` merges element by element on its merge key;
  any other list is replaced; maps merge key by key; `null` deletes a key;
- `$patch: replace | delete` on a map or a list element, `$patch: replace` in a list;
- `$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`.

No Python library does this, so it is written here; the merge keys and strategies come from the
Kubernetes definitions (`patching_schema`), never from a hand-typed table.
"""

from __future__ import annotations

import copy
from typing import Any

from clusters.sim.patching_schema import FieldPatchMeta, PatchSchema

DIRECTIVE = "$patch"
REPLACE = "replace"
DELETE = "delete"
MERGE = "merge"
RETAIN_KEYS = "$retainKeys"
RETAIN_KEYS_STRATEGY = "retainKeys"
SET_ELEMENT_ORDER = "$setElementOrder"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"


class StrategicMergeError(ValueError):
    """A patch the merge refuses. `bad_request` marks the formats upstream answers with 400.

    The messages are those of k8s.io/apimachinery/pkg/util/mergepatch/errors.go.
    """

    def __init__(self, message: str, bad_request: bool = False) -> None:
        super().__init__(message)
        self.bad_request = bad_request


def _bad_format(what: str) -> StrategicMergeError:
    return StrategicMergeError(f"invalid patch format of {what}", bad_request=True)


def json_kind(value: Any) -> str:
    """The JSON kind of a decoded value, as Go's decoder names it in its type errors."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "null"


# The Go type a decoded JSON value has, as upstream error messages print it.
_GO_TYPES = {
    "object": "map[string]interface {}",
    "array": "[]interface {}",
    "bool": "bool",
    "number": "float64",
    "string": "string",
    "null": "<nil>",
}


def _go_type(value: Any) -> str:
    return _GO_TYPES[json_kind(value)]


def _bad_arg_type(expected: str, actual: Any) -> StrategicMergeError:
    return StrategicMergeError(f"expected a {expected}, but received a {_go_type(actual)}")


def _no_merge_key(item: Any, merge_key: str) -> StrategicMergeError:
    return StrategicMergeError(f"map: {item} does not contain declared merge key: {merge_key}")


def strategic_merge_patch(original: dict, patch: dict, schema: PatchSchema) -> dict:
    """Apply `patch` to `original` (both left untouched) and return the result."""
    return _merge_map(copy.deepcopy(original), copy.deepcopy(patch), schema)


def _strategy_besides_retain_keys(strategies: tuple[str, ...]) -> str:
    """The non-retainKeys strategy (`extractRetainKeysPatchStrategy`)."""
    others = [s for s in strategies if s != RETAIN_KEYS_STRATEGY]
    if len(strategies) > 2 or len(others) > 1:
        raise StrategicMergeError(f"unexpected patch strategy: {list(strategies)}")
    return others[0] if others else ""


def _merge_map(original: dict | None, patch: dict, schema: PatchSchema | None) -> dict:
    """`mergeMap`: merge `patch` into `original` in place and return it."""
    if DIRECTIVE in patch:
        return _directive_in_map(patch[DIRECTIVE], patch)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_set_element_order_lists(original, patch, schema)

    for key, patch_value in list(patch.items()):
        is_delete_list = key.startswith(DELETE_FROM_PRIMITIVE_LIST)
        if is_delete_list:
            key = _directive_target(key, DELETE_FROM_PRIMITIVE_LIST)
        if patch_value is None:
            original.pop(key, None)
            continue
        meta = schema.field(key) if schema else None
        if key not in original or _go_type(original[key]) != _go_type(patch_value):
            fresh = _DROPPED if is_delete_list else _fresh_value(patch_value)
            if fresh is not _DROPPED:
                original[key] = fresh
            elif not is_delete_list:
                original.pop(key, None)
            continue
        strategy = _strategy_besides_retain_keys(meta.strategies) if meta else ""
        if isinstance(patch_value, dict):
            if strategy != REPLACE:
                original[key] = _merge_map(original[key], patch_value, meta and meta.schema)
            else:
                original[key] = patch_value
        elif isinstance(patch_value, list):
            merge_key = meta.merge_key if meta else ""
            original[key] = _merge_list_field(
                original[key], patch_value, meta, strategy, merge_key, is_delete_list
            )
        else:
            original[key] = patch_value
    return original


_DROPPED = object()  # a fresh value that upstream leaves out entirely


def _fresh_value(value: Any) -> Any:
    """A patch value for a key the original lacks, as upstream stores it.

    `mergeMap` takes it after `discardNullValuesFromPatch` and `removeDirectives`: nulls go, and
    so does any map carrying `$patch` (the key itself when the value is one). The other directive
    keys (`$setElementOrder/...`, `$retainKeys`, `$deleteFromPrimitiveList/...`) go too: upstream
    keeps them here, but the typed decode of the result drops them, and the simulator stores the
    result as it is.
    """
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return _DROPPED
        fresh = {
            k: _fresh_value(v)
            for k, v in value.items()
            if v is not None
            and not k.startswith((SET_ELEMENT_ORDER, RETAIN_KEYS, DELETE_FROM_PRIMITIVE_LIST))
        }
        return {k: v for k, v in fresh.items() if v is not _DROPPED}
    if isinstance(value, list):
        fresh_items = [_fresh_value(item) for item in value]
        return [item for item in fresh_items if item is not _DROPPED]
    return value


def _merge_list_field(
    original: list,
    patch: list,
    meta: FieldPatchMeta | None,
    strategy: str,
    merge_key: str,
    is_delete_list: bool,
) -> list:
    """`mergeSliceHandler`: merge lists with the merge strategy, replace the others.

    A `$deleteFromPrimitiveList` deletes from any list (patch_test.go: "$deleteFromPrimitiveList
    should delete item from a list without merge patch strategy").
    """
    if strategy != MERGE and not is_delete_list:
        return patch
    return _merge_list(original, patch, meta and meta.schema, merge_key, is_delete_list)


def _directive_in_map(directive: Any, patch: dict) -> dict:
    """`handleDirectiveInMergeMap`."""
    if directive == REPLACE:
        return {k: v for k, v in patch.items() if k != DIRECTIVE}
    if directive == DELETE:
        return {}
    raise StrategicMergeError(f"unknown patch type: {directive} in map: {patch}")


def _directive_target(key: str, prefix: str) -> str:
    """`extractKey`: the list a `$prefix/<list>` directive applies to."""
    head, _, tail = key.partition("/")
    if head != prefix or not tail:
        what = "primitive list" if prefix == DELETE_FROM_PRIMITIVE_LIST else "setElementOrder list"
        raise _bad_format(what)
    return tail


def _apply_retain_keys(original: dict, patch: dict) -> None:
    """`applyRetainKeysDirective`: drop the original's keys that the directive does not list."""
    if RETAIN_KEYS not in patch:
        return
    retain = patch.pop(RETAIN_KEYS)
    if not isinstance(retain, list):
        raise _bad_format("retainKeys")
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if key not in retain:
            raise _bad_format("retainKeys")
    for key in [k for k in original if k not in retain]:
        del original[key]


def _merge_set_element_order_lists(original: dict, patch: dict, schema: PatchSchema | None) -> None:
    """`mergePatchIntoOriginal`: merge each list that has a `$setElementOrder`, in that order.

    The order's precedence is `$setElementOrder` > the patch list > the live list. Each list
    handled here leaves the patch, so the main merge does not see it twice.
    """
    for directive_key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(directive_key)
        if not isinstance(order, list):
            raise _bad_arg_type("[]interface {}", order)
        key = _directive_target(directive_key, SET_ELEMENT_ORDER)
        found_original, found_patch = key in original, key in patch
        original_list = original.get(key) if found_original else []
        patch_list = patch.get(key) if found_patch else []
        for value in (original_list, patch_list):
            if not isinstance(value, list):
                raise _bad_arg_type("[]interface {}", value)
        meta = schema.field(key) if schema else None
        strategy = _strategy_besides_retain_keys(meta.strategies) if meta else ""
        merge_key = meta.merge_key if meta else ""
        _check_order_matches_patch(patch_list, order, merge_key)

        if found_original and found_patch:
            merged = _merge_list_field(
                original_list, patch_list, meta, strategy, merge_key, is_delete_list=False
            )
        elif found_original:
            merged = original_list
        elif found_patch:
            merged = _fresh_value(patch_list)
        else:
            continue
        in_order, server_only = _partition(merged, order, merge_key)
        is_map = _element_kind(original_list, patch_list) == "map"
        original[key] = _normalize_element_order(
            in_order, server_only, order, original_list, merge_key, is_map
        )
        patch.pop(key, None)


def _check_order_matches_patch(patch_list: list, order: list, merge_key: str) -> None:
    """`validatePatchWithSetOrderList`: the patch list's order must agree with the directive."""
    if not order or not patch_list:
        return
    kept = [i for i in patch_list if not _is_delete(i)] if merge_key else patch_list
    patch_index = order_index = 0
    while patch_index < len(kept) and order_index < len(order):
        item = kept[patch_index]
        if isinstance(item, dict) and DIRECTIVE in item:
            patch_index += 1
            continue
        if _merge_key_equal(item, order[order_index], merge_key):
            patch_index += 1
        order_index += 1
    if patch_index < len(kept) and order_index >= len(order):
        raise StrategicMergeError(
            f"The order in patch list:\n{patch_list}\n doesn't match "
            f"{SET_ELEMENT_ORDER} list:\n{order}\n"
        )


def _merge_key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return left == right
    for item in (left, right):
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
    return left[merge_key] == right[merge_key]


def _is_delete(item: Any) -> bool:
    return isinstance(item, dict) and item.get(DIRECTIVE) == DELETE


def _element_kind(*lists: list) -> str:
    """`sliceElementType`: every element must have one type, and not be a list."""
    kinds = {_go_type(v) for values in lists for v in values}
    if not kinds:
        raise StrategicMergeError("no elements in any of the given slices")
    if "[]interface {}" in kinds:
        raise StrategicMergeError("lists of lists are not supported")
    if len(kinds) > 1:
        raise StrategicMergeError(f"list element types are not identical: {list(lists)}")
    return "map" if kinds == {"map[string]interface {}"} else "scalar"


def _merge_list(
    original: list, patch: list, schema: PatchSchema | None, merge_key: str, is_delete_list: bool
) -> list:
    """`mergeSlice`: merge a list with the merge strategy."""
    if not original and not patch:
        return original
    is_map = _element_kind(original, patch) == "map"
    if not is_map:
        if is_delete_list:
            return [v for v in original if v not in patch]
        merged = _deduplicate(original + patch)
    else:
        if not merge_key:
            raise StrategicMergeError("cannot merge lists without merge key for type map")
        original, patch = _apply_list_directives(original, patch, merge_key)
        merged = _merge_elements(original, patch, merge_key, schema)
    in_patch, server_only = _partition(merged, patch, merge_key)
    return _normalize_element_order(in_patch, server_only, patch, original, merge_key, is_map)


def _deduplicate(values: list) -> list:
    unique: list = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return unique


def _apply_list_directives(original: list, patch: list, merge_key: str) -> tuple[list, list]:
    """`mergeSliceWithSpecialElements`: `$patch: delete` elements and `$patch: replace`."""
    plain: list = []
    replace = False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
        elif item[DIRECTIVE] == DELETE:
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            original = [o for o in original if o.get(merge_key) != item[merge_key]]
        elif item[DIRECTIVE] == REPLACE:
            replace = True
        elif item[DIRECTIVE] == MERGE:
            raise StrategicMergeError("merging lists cannot yet be specified in the patch")
        else:
            raise StrategicMergeError(f"unknown patch type: {item[DIRECTIVE]} in map: {item}")
    return (plain, []) if replace else (original, plain)


def _merge_elements(
    original: list, patch: list, merge_key: str, schema: PatchSchema | None
) -> list:
    """`mergeSliceWithoutSpecialElements`: merge matching elements, append new ones."""
    merged = list(original)
    for item in patch:
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        position = _index(merged, item, merge_key, is_map=True)
        if position >= 0:
            merged[position] = _merge_map(merged[position], item, schema)
        else:
            merged.append(item)
    return merged


def _index(values: list, item: Any, merge_key: str, is_map: bool) -> int:
    """`index`: where an element with the same merge key value (or scalar) sits, or -1."""
    wanted = item.get(merge_key) if is_map else item
    for position, value in enumerate(values):
        if not isinstance(value, dict) and is_map:
            raise StrategicMergeError(f"value for key {position} is not a map.")
        if (value.get(merge_key) if is_map else value) == wanted:
            return position
    return -1


def _partition(values: list, by: list, merge_key: str) -> tuple[list, list]:
    """`partitionMapsByPresentInList` / `partitionPrimitivesByPresentInList`."""
    present: list = []
    absent: list = []
    for value in values:
        if merge_key:
            if not isinstance(value, dict):
                raise _bad_arg_type("map[string]interface {}", value)
            if merge_key not in value:
                raise _no_merge_key(value, merge_key)
        found = _index(by, value, merge_key, is_map=bool(merge_key)) >= 0
        (present if found else absent).append(value)
    return present, absent


def _normalize_element_order(
    patch_items: list,
    server_only: list,
    patch_order: list,
    server_order: list,
    merge_key: str,
    is_map: bool,
) -> list:
    """`normalizeElementOrder`: sort both parts, then interleave them by the live order."""
    patch_items = _sort_by(patch_items, patch_order, merge_key, is_map)
    server_only = _sort_by(server_only, server_order, merge_key, is_map)
    return _merge_sorted(server_only, patch_items, server_order, merge_key, is_map)


def _sort_by(values: list, order: list, merge_key: str, is_map: bool) -> list:
    """`normalizeSliceOrder`: stable sort by position in `order`; deletions go last."""
    deletions: list = []
    if is_map:
        for item in values + order:
            if not isinstance(item, dict):
                raise _bad_arg_type("map[string]interface {}", item)
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
        deletions = [v for v in values if _is_delete(v)]
        values = [v for v in values if not _is_delete(v)]

    def position(value: Any) -> int:
        found = _index(order, value, merge_key, is_map)
        return found if found >= 0 else len(order)

    return sorted(values, key=position) + deletions


def _merge_sorted(
    left: list, right: list, server_order: list, merge_key: str, is_map: bool
) -> list:
    """`mergeSortedSlice`: insert each server-only item before the first patch item that the
    live list has after it, keeping both lists' own order."""
    result: list = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            result.append(left[i])
            i += 1
        elif i >= len(left):
            result.append(right[j])
            j += 1
        else:
            li = _index(server_order, left[i], merge_key, is_map)
            ri = _index(server_order, right[j], merge_key, is_map)
            if li >= 0 and ri >= 0 and li < ri:
                result.append(left[i])
                i += 1
            else:
                result.append(right[j])
                j += 1
    return result
