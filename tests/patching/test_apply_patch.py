"""`apply_patch`: the patch type by Content-Type, and the API server's answers to bad patches.

Error cases pin k8s.io/apiserver/pkg/endpoints/handlers/patch.go (`applyJSPatch`,
`interpretStrategicMergePatchError`) and its test `TestJSONPatch` in rest_test.go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from clusters.sim.patching import (
    JSON_PATCH,
    MERGE_PATCH,
    REJECTED,
    STRATEGIC_MERGE_PATCH,
    PatchError,
    apply_patch,
    merge_patch,
)

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "podA", "labels": {"app": "web"}, "finalizers": ["foo"]},
    "spec": {
        "containers": [{"name": "app", "image": "lab/web:1.0"}, {"name": "side", "image": "s"}]
    },
}


@dataclass(frozen=True)
class RFC7386Case:
    target: object
    patch: object
    result: object


# RFC 7386, Appendix A: every example of the RFC.
RFC_7386_EXAMPLES = [
    RFC7386Case({"a": "b"}, {"a": "c"}, {"a": "c"}),
    RFC7386Case({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    RFC7386Case({"a": "b"}, {"a": None}, {}),
    RFC7386Case({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    RFC7386Case({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    RFC7386Case({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    RFC7386Case({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    RFC7386Case({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    RFC7386Case(["a", "b"], ["c", "d"], ["c", "d"]),
    RFC7386Case({"a": "b"}, ["c"], ["c"]),
    RFC7386Case({"a": "foo"}, None, None),
    RFC7386Case({"a": "foo"}, "bar", "bar"),
    RFC7386Case({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    RFC7386Case([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    RFC7386Case({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("case", RFC_7386_EXAMPLES, ids=[f"A.{i + 1}" for i in range(15)])
def test_merge_patch_follows_every_rfc_7386_example(case: RFC7386Case) -> None:
    assert merge_patch(case.target, case.patch) == case.result


def test_a_merge_patch_replaces_lists_whole() -> None:
    patch = b'{"metadata":{"labels":{"app":null,"tier":"x"}},"spec":{"containers":[{"name":"n"}]}}'
    result = apply_patch(POD, patch, MERGE_PATCH, "Pod")
    assert result["metadata"]["labels"] == {"tier": "x"}
    assert result["spec"]["containers"] == [{"name": "n"}]
    assert POD["metadata"]["labels"] == {"app": "web"}


def test_a_json_patch_applies_its_operations_in_order() -> None:
    patch = [
        {"op": "test", "path": "/metadata/name", "value": "podA"},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "lab/web:2.0"},
        {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
        {"op": "remove", "path": "/spec/containers/1"},
    ]
    result = apply_patch(POD, json.dumps(patch).encode(), JSON_PATCH, "Pod")
    assert result["spec"]["containers"] == [{"name": "app", "image": "lab/web:2.0"}]
    assert result["metadata"]["labels"] == {"app": "web", "tier": "front"}


@pytest.mark.parametrize(
    ("operation", "finalizers"),
    [
        # rest_test.go TestJSONPatch "valid-negative-index-patch"
        ({"op": "test", "value": "foo", "path": "/metadata/finalizers/-1"}, ["foo"]),
        ({"op": "replace", "value": "bar", "path": "/metadata/finalizers/-1"}, ["bar"]),
        # evanphx/json-patch partialArray.add: -1 inserts after the last element
        ({"op": "add", "value": "bar", "path": "/metadata/finalizers/-1"}, ["foo", "bar"]),
        ({"op": "remove", "path": "/metadata/finalizers/-1"}, []),
    ],
)
def test_a_json_patch_counts_negative_indices_from_the_end(
    operation: dict, finalizers: list[str]
) -> None:
    result = apply_patch(POD, json.dumps([operation]).encode(), JSON_PATCH, "Pod")
    assert result["metadata"]["finalizers"] == finalizers


def test_parameters_of_the_content_type_are_ignored() -> None:
    body = b'{"metadata":{"labels":{"a":"b"}}}'
    result = apply_patch(POD, body, "application/merge-patch+json; charset=utf-8", "Pod")
    assert result["metadata"]["labels"] == {"app": "web", "a": "b"}


@dataclass(frozen=True)
class ErrorCase:
    id: str
    body: bytes
    content_type: str
    kind: str
    code: int
    reason: str
    message: str
    cause: str = ""


ERROR_CASES = [
    # rest_test.go TestJSONPatch "invalid-syntax"
    ErrorCase(
        "json patch invalid syntax",
        b"invalid json patch",
        JSON_PATCH,
        "Pod",
        400,
        "BadRequest",
        "invalid character 'i' looking for beginning of value",
    ),
    # rest_test.go TestJSONPatch "invalid-semantics"
    ErrorCase(
        "json patch test op on a missing path",
        b'[{"op": "test", "value": "podA", "path": "/invalid/path"}]',
        JSON_PATCH,
        "Pod",
        422,
        "Invalid",
        REJECTED,
        cause="invalid",
    ),
    ErrorCase(
        "json patch removing a missing key",
        b'[{"op": "remove", "path": "/spec/nodeName"}]',
        JSON_PATCH,
        "Pod",
        422,
        "Invalid",
        REJECTED,
        cause="nodeName",
    ),
    ErrorCase(
        "json patch that is an object, not a list",
        b'{"op": "remove"}',
        JSON_PATCH,
        "Pod",
        400,
        "BadRequest",
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    ),
    ErrorCase(
        "merge patch that is null",
        b"null",
        MERGE_PATCH,
        "Pod",
        400,
        "BadRequest",
        "Invalid JSON Patch",
    ),
    ErrorCase(
        "strategic merge patch cut short",
        b'{"spec": {',
        STRATEGIC_MERGE_PATCH,
        "Pod",
        400,
        "BadRequest",
        "unexpected end of JSON input",
    ),
    ErrorCase(
        "strategic merge patch that is a list",
        b"[]",
        STRATEGIC_MERGE_PATCH,
        "Pod",
        400,
        "BadRequest",
        "json: cannot unmarshal array into Go value of type map[string]interface {}",
    ),
    # interpretStrategicMergePatchError: ErrBadPatchFormatForSetElementOrderList is a 400.
    ErrorCase(
        "strategic merge patch with a bad $setElementOrder key",
        b'{"spec": {"$setElementOrder": [{"name": "app"}]}}',
        STRATEGIC_MERGE_PATCH,
        "Pod",
        400,
        "BadRequest",
        "invalid patch format of setElementOrder list",
    ),
    ErrorCase(
        "strategic merge patch element without its merge key",
        b'{"spec": {"containers": [{"image": "x"}]}}',
        STRATEGIC_MERGE_PATCH,
        "Pod",
        422,
        "Invalid",
        REJECTED,
        cause="does not contain declared merge key: name",
    ),
    ErrorCase(
        "an unknown patch type",
        b"{}",
        "application/json",
        "Pod",
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json, application/apply-patch+yaml",
    ),
    # Custom resources have no Go struct, so no strategic merge patch.
    ErrorCase(
        "strategic merge patch on a custom resource",
        b"{}",
        STRATEGIC_MERGE_PATCH,
        "LabWorld",
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml",
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_it_refuses_a_bad_patch_in_the_api_servers_words(case: ErrorCase) -> None:
    obj = dict(POD) if case.kind == "Pod" else {"apiVersion": "sim.pullpolicylabs.dev/v1"}
    with pytest.raises(PatchError) as raised:
        apply_patch(obj, case.body, case.content_type, case.kind)
    status = raised.value.status()
    assert (status["kind"], status["status"]) == ("Status", "Failure")
    assert (status["code"], status["reason"], status["message"]) == (
        case.code,
        case.reason,
        case.message,
    )
    # NewGenericServerResponse(422, ...) answers empty details; the cause stays server-side.
    assert status.get("details", {}) == {}
    assert case.cause in raised.value.cause
