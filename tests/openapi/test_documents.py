"""The OpenAPI v3 documents: their shape, what kubectl reads from them, and their consistency."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pytest

from clusters.apiserver.openapi import (
    SERVED_GROUP_VERSIONS,
    openapi_schema,
    openapi_v3_document,
    openapi_v3_document_bytes,
    openapi_v3_root,
)

REF = "#/components/schemas/"


def test_the_root_lists_each_served_group_version_with_its_hash() -> None:
    root = openapi_v3_root()
    assert sorted(root["paths"]) == sorted(SERVED_GROUP_VERSIONS)
    for group_version, entry in root["paths"].items():
        url, _, hash_ = entry["serverRelativeURL"].partition("?hash=")
        assert url == f"/openapi/v3/{group_version}"
        # client-go caches a document by this hash, so it must change with the content.
        body = openapi_v3_document_bytes(group_version)
        assert hash_ == hashlib.sha512(body).hexdigest().upper()


def test_an_unserved_group_version_has_no_document() -> None:
    assert openapi_v3_document("apis/flowcontrol.apiserver.k8s.io/v1") is None
    assert openapi_v3_document_bytes("apis/nope/v1") is None


@dataclass(frozen=True)
class KindCase:
    group_version: str
    definition: str
    gvk: dict


KIND_CASES = [
    KindCase("api/v1", "io.k8s.api.core.v1.Pod", {"group": "", "kind": "Pod", "version": "v1"}),
    KindCase("api/v1", "io.k8s.api.core.v1.Event", {"group": "", "kind": "Event", "version": "v1"}),
    KindCase(
        "apis/apps/v1",
        "io.k8s.api.apps.v1.Deployment",
        {"group": "apps", "kind": "Deployment", "version": "v1"},
    ),
    KindCase(
        "apis/batch/v1",
        "io.k8s.api.batch.v1.CronJob",
        {"group": "batch", "kind": "CronJob", "version": "v1"},
    ),
    KindCase(
        "apis/admissionregistration.k8s.io/v1",
        "io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration",
        {
            "group": "admissionregistration.k8s.io",
            "kind": "ValidatingWebhookConfiguration",
            "version": "v1",
        },
    ),
    KindCase(
        "apis/events.k8s.io/v1",
        "io.k8s.api.events.v1.Event",
        {"group": "events.k8s.io", "kind": "Event", "version": "v1"},
    ),
]


@pytest.mark.parametrize("case", KIND_CASES, ids=[c.definition for c in KIND_CASES])
def test_each_kind_carries_its_group_version_kind(case: KindCase) -> None:
    """kubectl explain finds a kind's schema by `x-kubernetes-group-version-kind`."""
    schema = openapi_v3_document(case.group_version)["components"]["schemas"][case.definition]
    assert schema["x-kubernetes-group-version-kind"] == [case.gvk]
    assert schema["description"]


@pytest.mark.parametrize("group_version", SERVED_GROUP_VERSIONS)
def test_every_reference_resolves_inside_its_document(group_version: str) -> None:
    document = openapi_v3_document(group_version)
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    refs = {part.split('"', 1)[0] for part in text.split(f'"$ref": "{REF}')[1:]}
    assert refs, "a document with no references is not a Kubernetes document"
    assert refs <= set(schemas)
    assert '"null"' not in text  # the JSON Schema form's nullable types are undone


def test_a_container_keeps_its_required_fields_patch_extensions_and_descriptions() -> None:
    schemas = openapi_v3_document("api/v1")["components"]["schemas"]
    container = schemas["io.k8s.api.core.v1.Container"]
    assert container["required"] == ["name"]
    policy = container["properties"]["imagePullPolicy"]
    assert policy["type"] == "string"
    assert policy["description"].startswith(
        "Image pull policy. One of Always, Never, IfNotPresent."
    )
    # Restored by openapi_enums: the kept definitions lost the enum of PullPolicy.
    assert policy["enum"] == ["Always", "IfNotPresent", "Never"]
    assert policy["description"].endswith("Container will fail if the image isn't present")
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": REF + "io.k8s.api.core.v1.Container"}


def test_a_reference_with_a_description_is_wrapped_in_all_of_as_upstream_publishes_it() -> None:
    converted = openapi_schema({"$ref": "#/$defs/io.k8s.api.core.v1.PodSpec", "description": "d"})
    assert converted == {
        "allOf": [{"$ref": REF + "io.k8s.api.core.v1.PodSpec"}],
        "description": "d",
    }


@pytest.mark.parametrize(
    ("group_version", "path", "kind"),
    [
        ("api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "Pod"),
        ("apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "Deployment"),
        ("apis/batch/v1", "/apis/batch/v1/namespaces/{namespace}/jobs/{name}", "Job"),
    ],
)
def test_the_patch_operation_advertises_field_validation(
    group_version: str, path: str, kind: str
) -> None:
    """k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go: kubectl looks for the PATCH
    operation of the kind and its `fieldValidation` parameter."""
    patch = openapi_v3_document(group_version)["paths"][path]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == kind
    assert patch["x-kubernetes-action"] == "patch"
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
