"""Strategic merge patch against the cases of k8s.io/apimachinery's own tests.

Each case is a case of `pkg/util/strategicpatch/patch_test.go`, under its upstream description:
an object, the patch applied to it (`twoWay` applied to `original`, or `threeWay` to `current`),
and the expected result or error. The schema is upstream's `MergeItem` test type
(`testdata/swagger-merge-item.json`), written in the same form as the Kubernetes definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml

from clusters.sim.patching_schema import PatchSchema
from clusters.sim.patching_strategic import StrategicMergeError, strategic_merge_patch

_MERGE_ITEM_LIST = {"type": "array", "items": {"$ref": "#/$defs/mergeItem"}}
_INT_LIST = {"type": "array", "items": {"type": "integer"}}
_MERGING = {"x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}
_SCALARS = {"name": {"type": "string"}, "value": {"type": "string"}, "other": {"type": "string"}}
_SIMPLE_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

MERGE_ITEM_DEFINITIONS = {
    "mergeItem": {
        "properties": {
            **_SCALARS,
            "mergingList": {**_MERGE_ITEM_LIST, **_MERGING},
            "nonMergingList": _MERGE_ITEM_LIST,
            "mergingIntList": {**_INT_LIST, "x-kubernetes-patch-strategy": "merge"},
            "nonMergingIntList": _INT_LIST,
            "mergeItemPtr": {**_MERGE_ITEM_LIST, **_MERGING},
            "simpleMap": _SIMPLE_MAP,
            "replacingItem": {"type": "object", "x-kubernetes-patch-strategy": "replace"},
            "retainKeysMap": {
                "$ref": "#/$defs/retainKeysMergeItem",
                "x-kubernetes-patch-strategy": "retainKeys",
            },
            "retainKeysMergingList": {
                **_MERGE_ITEM_LIST,
                **_MERGING,
                "x-kubernetes-patch-strategy": "merge,retainKeys",
            },
        }
    },
    "retainKeysMergeItem": {
        "properties": {
            **_SCALARS,
            "simpleMap": _SIMPLE_MAP,
            "mergingIntList": {**_INT_LIST, "x-kubernetes-patch-strategy": "merge"},
            "mergingList": {**_MERGE_ITEM_LIST, **_MERGING},
            "nonMergingList": _MERGE_ITEM_LIST,
        }
    },
}


@dataclass(frozen=True)
class Case:
    description: str  # upstream's, so the case can be found in patch_test.go
    original: str
    patch: str
    expected: str = ""
    error: str = ""


CASES = [
    # customStrategicMergePatchTestCaseData
    Case(
        "unique scalars when merging lists",
        original="mergingIntList: [1, 2]",
        patch="mergingIntList: [2, 3]",
        expected="mergingIntList: [1, 2, 3]",
    ),
    Case(
        "delete map from nested map",
        original="simpleMap: {key1: 1, key2: 1}",
        patch="simpleMap: {$patch: delete}",
        expected="simpleMap: {}",
    ),
    Case(
        "delete all items from merging list",
        original="mergingList: [{name: 1}, {name: 2}]",
        patch="mergingList: [{$patch: replace}]",
        expected="mergingList: []",
    ),
    Case(
        "merge empty merging lists",
        original="mergingList: []",
        patch="mergingList: []",
        expected="mergingList: []",
    ),
    Case(
        "delete all keys from map",
        original="{name: 1, value: 1}",
        patch="{$patch: replace}",
        expected="{}",
    ),
    Case(
        "add key and delete all keys from map",
        original="{name: 1, value: 1}",
        patch="{other: a, $patch: replace}",
        expected="{other: a}",
    ),
    Case(
        "delete all duplicate entries in a merging list",
        original="mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]",
        patch="mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]",
        expected="mergingList: [{name: 2, value: a}]",
    ),
    Case(
        "retainKeys map can delete a field when no retainKeys directive present",
        original="retainKeysMap: {name: foo, value: a}",
        patch="retainKeysMap: {value: null}",
        expected="retainKeysMap: {name: foo}",
    ),
    Case(
        "retainKeys list can add a field when no retainKeys directive present",
        original="retainKeysMergingList: [{name: bar}, {name: foo}]",
        patch="retainKeysMergingList: [{name: foo, value: a}]",
        expected="retainKeysMergingList: [{name: bar}, {name: foo, value: a}]",
    ),
    Case(
        "preserve the order from the patch in a merging list",
        original="mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]",
        patch="mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]",
        expected="mergingList: [{name: 3, value: c}, {name: 1, value: a}, "
        "{name: 2, value: b, other: x}]",
    ),
    Case(
        "preserve the order from the patch in a merging list 2",
        original="mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]",
        patch="mergingList: [{name: 3, value: c}, {name: 1, value: a}]",
        expected="mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]",
    ),
    Case(
        "preserve the order from the patch in a merging int list",
        original="mergingIntList: [1, 2, 3]",
        patch="mergingIntList: [3, 1]",
        expected="mergingIntList: [2, 3, 1]",
    ),
    # customStrategicMergePatchRawTestCases
    Case(
        "$setElementOrder contains item that is not present in the list to be merged",
        original="mergingList: [{name: 1}, {name: 3}]",
        patch="{$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}], "
        "mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}",
        expected="mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]",
    ),
    Case(
        "$setElementOrder contains item that is not present in the int list to be merged",
        original="mergingIntList: [1, 3]",
        patch="$setElementOrder/mergingIntList: [3, 2, 1]",
        expected="mergingIntList: [3, 1]",
    ),
    Case(
        "should check if order in $setElementOrder and patch list match",
        original="mergingList: [{name: 1}, {name: 3}, {name: 2}]",
        patch="{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}], "
        "mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}",
        error="doesn't match",
    ),
    Case(
        "missing merge key should error out",
        original="mergingList: [{name: 1, value: a}]",
        patch="mergingList: [{value: b}]",
        error="does not contain declared merge key",
    ),
    Case(
        "$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item",
        original="mergingIntList: [1, 2]",
        patch="$deleteFromPrimitiveList/mergingIntList: [3]",
        expected="mergingIntList: [1, 2]",
    ),
    Case(
        "$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list",
        original="foo: [bar]",
        patch="$deleteFromPrimitiveList/mergingIntList: [3]",
        expected="foo: [bar]",
    ),
    Case(
        "$deleteFromPrimitiveList should delete item from a list without merge patch strategy",
        original="nonMergingIntList: [1, 2, 3]",
        patch="$deleteFromPrimitiveList/nonMergingIntList: [2]",
        expected="nonMergingIntList: [1, 3]",
    ),
    # mergeMap on a key the original lacks: discardNullValuesFromPatch, then removeDirectives
    Case(
        "a new key whose map carries $patch is left out (removeDirectives)",
        original="name: a",
        patch="simpleMap: {$patch: replace, key1: x}",
        expected="name: a",
    ),
    Case(
        "nulls inside a new key's value are discarded (discardNullValuesFromPatch)",
        original="name: a",
        patch="mergingList: [{name: b, value: null}]",
        expected="{name: a, mergingList: [{name: b}]}",
    ),
    Case(
        "a list added with $setElementOrder loses its directives (removeDirectives)",
        original="name: a",
        patch="{$setElementOrder/mergingList: [{name: 2}, {name: 1}], "
        "mergingList: [{name: 2}, {name: 1}, {name: 3, $patch: delete}]}",
        expected="{name: a, mergingList: [{name: 2}, {name: 1}]}",
    ),
    # createStrategicMergePatchTestCaseData (threeWay applied to current)
    Case(
        "add field and delete field from map with conflict",
        original="{name: a, other: a}",
        patch="{name: null, value: 1}",
        expected="{value: 1, other: a}",
    ),
    Case(
        "delete field from nested map",
        original="simpleMap: {key1: 1, key2: 1, other: a}",
        patch="simpleMap: {key2: null}",
        expected="simpleMap: {key1: 1, other: a}",
    ),
    Case(
        "replace list of scalars with conflict",
        original="nonMergingIntList: [1, 4]",
        patch="nonMergingIntList: [2, 3]",
        expected="nonMergingIntList: [2, 3]",
    ),
    Case(
        "delete all maps from merging list with conflict",
        original="mergingList: [{name: 1, other: a}, {name: 2, other: b}]",
        patch="mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]",
        expected="mergingList: []",
    ),
    Case(
        "defined null values should propagate overwrite current fields (with conflict)",
        original="{name: a, other: a}",
        patch="{name: 1, value: 1, other: null}",
        expected="{name: 1, value: 1}",
    ),
    # strategicMergePatchRawTestCases (threeWay applied to current)
    Case(
        "nested patch merge with empty list",
        original="{name: hi, mergingList: [{name: hello2}]}",
        patch="{$setElementOrder/mergingList: [{name: hello}, {name: doesntexist}], "
        "mergingList: [{name: hello}, {$patch: delete, name: doesntexist}]}",
        expected="{name: hi, mergingList: [{name: hello}, {name: hello2}]}",
    ),
    Case(
        "nested patch merge with empty list (twoWay applied to original)",
        original="name: hi",
        patch="mergingList: [{name: hello}, {$patch: delete, name: doesntexist}]",
        expected="{name: hi, mergingList: [{name: hello}]}",
    ),
    Case(
        "delete items in lists of scalars",
        original="mergingIntList: [1, 2, 3, 4]",
        patch="{$setElementOrder/mergingIntList: [1, 2], "
        "$deleteFromPrimitiveList/mergingIntList: [3]}",
        expected="mergingIntList: [1, 2, 4]",
    ),
    Case(
        "add and delete items in lists of scalars",
        original="mergingIntList: [1, 2, 3]",
        patch="{$setElementOrder/mergingIntList: [1, 2, 4], "
        "$deleteFromPrimitiveList/mergingIntList: [3], mergingIntList: [4]}",
        expected="mergingIntList: [1, 2, 4]",
    ),
    Case(
        "merge lists of maps",
        original="mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]",
        patch="{$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}], "
        "mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]}",
        expected="mergingList: [{name: 4, value: 4}, {name: 1, other: a}, "
        "{name: 2, value: 2, other: b}, {name: 3, value: 3}]",
    ),
]


# strategicMergePatchRawTestCases, $retainKeys and several lists (threeWay applied to current)
RETAIN_KEYS_CASES = [
    Case(
        "retainKeys list of maps changes a field and clear a field with conflict",
        original="retainKeysMergingList: [{name: bar}, {name: foo, value: modified, other: x}]",
        patch="{$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}], "
        "retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: new}]}",
        expected="retainKeysMergingList: [{name: bar}, {name: foo, value: new}]",
    ),
    Case(
        "retainKeys list of maps deletes a field and clear a field",
        original="retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]",
        patch="{$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}], "
        "retainKeysMergingList: [{$retainKeys: [name], name: foo, value: null}]}",
        expected="retainKeysMergingList: [{name: bar}, {name: foo}]",
    ),
    Case(
        "delete and reorder in one list, reorder in another",
        original="{mergingList: [{name: a, value: a}, {name: b, value: b}], "
        "mergeItemPtr: [{name: c, value: c}, {name: d, value: d}]}",
        patch="{$setElementOrder/mergingList: [{name: b}], "
        "$setElementOrder/mergeItemPtr: [{name: d}, {name: c}], "
        "mergingList: [{$patch: delete, name: a}]}",
        expected="{mergingList: [{name: b, value: b}], "
        "mergeItemPtr: [{name: d, value: d}, {name: c, value: c}]}",
    ),
    Case(
        "a key outside the $retainKeys list is refused (applyRetainKeysDirective)",
        original="retainKeysMap: {name: foo}",
        patch="retainKeysMap: {$retainKeys: [name], value: b}",
        error="invalid patch format of retainKeys",
    ),
]
CASES += RETAIN_KEYS_CASES


def _merge_item_schema() -> PatchSchema:
    return PatchSchema.named("mergeItem", MERGE_ITEM_DEFINITIONS)


@pytest.mark.parametrize("case", CASES, ids=[c.description for c in CASES])
def test_it_applies_the_upstream_case(case: Case) -> None:
    original = yaml.safe_load(case.original)
    patch = yaml.safe_load(case.patch)
    if case.error:
        with pytest.raises(StrategicMergeError, match=case.error):
            strategic_merge_patch(original, patch, _merge_item_schema())
        return
    result = strategic_merge_patch(original, patch, _merge_item_schema())
    assert result == yaml.safe_load(case.expected)


def test_it_leaves_its_inputs_untouched() -> None:
    original = {"mergingList": [{"name": 1}]}
    patch = {"mergingList": [{"name": 1, "$patch": "delete"}]}
    strategic_merge_patch(original, patch, _merge_item_schema())
    assert original == {"mergingList": [{"name": 1}]}
    assert patch == {"mergingList": [{"name": 1, "$patch": "delete"}]}
