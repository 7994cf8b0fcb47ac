"""PATCH edge cases through the official client: apply creates, a stale resourceVersion conflicts.

- staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go: an apply patch of a missing
  object creates it (`applyPatcher.createNewObject`), answered 201;
- a patch carrying `metadata.resourceVersion` uses it as a precondition (the patched object's
  resourceVersion is compared in the update), so a stale one gets 409 Conflict with
  `Operation cannot be fulfilled on pods "x": the object has been modified; ...`
  (apimachinery/pkg/api/errors NewConflict, registry/generic/registry/store.go).
"""

from __future__ import annotations

import json

import pytest
from kubernetes.client.rest import ApiException

from tests.apiserver.conftest import pod_body

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


def test_server_side_apply_of_a_missing_pod_creates_it(learner) -> None:
    api, ns = learner
    pod, status, _ = api.patch_namespaced_pod_with_http_info(
        "applied", ns, pod_body("applied"), field_manager="test", _content_type=APPLY
    )
    assert status == 201
    assert pod.metadata.uid and pod.spec.containers[0].image == "lab/web:1.0"
    again, status, _ = api.patch_namespaced_pod_with_http_info(
        "applied", ns, pod_body("applied"), field_manager="test", _content_type=APPLY
    )
    assert status == 200 and again.metadata.uid == pod.metadata.uid


def test_apply_with_another_name_than_the_url_is_refused(learner) -> None:
    api, ns = learner
    with pytest.raises(ApiException) as refused:
        api.patch_namespaced_pod(
            "one", ns, pod_body("other"), field_manager="test", _content_type=APPLY
        )
    assert refused.value.status == 400
    assert "does not match the name on the URL" in json.loads(refused.value.body)["message"]


def test_a_merge_patch_of_a_missing_pod_is_404(learner) -> None:
    api, ns = learner
    with pytest.raises(ApiException) as missing:
        api.patch_namespaced_pod("absent", ns, {"metadata": {"labels": {"a": "b"}}})
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["message"] == 'pods "absent" not found'


@pytest.mark.parametrize("content_type", [MERGE, APPLY], ids=["merge-patch", "apply-patch"])
def test_a_stale_resource_version_in_a_patch_is_a_conflict(learner, content_type: str) -> None:
    api, ns = learner
    created = api.create_namespaced_pod(ns, pod_body("p"))
    api.patch_namespaced_pod("p", ns, {"metadata": {"labels": {"step": "1"}}})
    stale = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "resourceVersion": created.metadata.resource_version},
    }
    with pytest.raises(ApiException) as conflict:
        api.patch_namespaced_pod("p", ns, stale, field_manager="t", _content_type=content_type)
    assert conflict.value.status == 409
    status = json.loads(conflict.value.body)
    assert status["reason"] == "Conflict"
    assert status["message"] == (
        'Operation cannot be fulfilled on pods "p": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_the_current_resource_version_in_a_patch_applies(learner) -> None:
    api, ns = learner
    api.create_namespaced_pod(ns, pod_body("q"))
    current = api.read_namespaced_pod("q", ns).metadata.resource_version
    body = {"metadata": {"resourceVersion": current, "labels": {"fresh": "yes"}}}
    patched = api.patch_namespaced_pod("q", ns, body)
    assert patched.metadata.labels == {"fresh": "yes"}
    assert patched.metadata.resource_version != current
