"""The tenancy contract (docs/architecture.md): labworlds for the admin, 401 without a token."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest
from kubernetes import client

from tests.apiserver.conftest import admin_api, create_labworld, pod_body


def test_creating_a_labworld_returns_its_token_namespace_and_ready(sim) -> None:
    world = create_labworld(sim)
    status = world["status"]
    assert status["phase"] == "Ready"
    assert status["namespace"] == world["metadata"]["name"]
    assert status["token"]
    assert status["certificateAuthorityData"]
    fetched = admin_api(sim).get_cluster_custom_object(
        "sim.pullpolicylabs.dev", "v1", "labworlds", world["metadata"]["name"]
    )
    assert fetched["status"]["token"] == status["token"]
    listed = admin_api(sim).list_cluster_custom_object("sim.pullpolicylabs.dev", "v1", "labworlds")
    assert world["metadata"]["name"] in [i["metadata"]["name"] for i in listed["items"]]


def test_a_labworld_name_is_taken_only_once(sim) -> None:
    world = create_labworld(sim)
    body = {
        "apiVersion": "sim.pullpolicylabs.dev/v1",
        "kind": "LabWorld",
        "metadata": {"name": world["metadata"]["name"]},
        "spec": {},
    }
    with pytest.raises(client.ApiException) as caught:
        admin_api(sim).create_cluster_custom_object(
            "sim.pullpolicylabs.dev", "v1", "labworlds", body
        )
    assert caught.value.status == 409
    message = json.loads(caught.value.body)["message"]
    assert (
        message == f'labworlds.sim.pullpolicylabs.dev "{world["metadata"]["name"]}" already exists'
    )


def test_deleting_a_labworld_revokes_its_token(sim) -> None:
    world = create_labworld(sim)
    core = client.CoreV1Api(sim.api_client(world["status"]["token"]))
    core.list_namespaced_pod(world["status"]["namespace"])
    admin_api(sim).delete_cluster_custom_object(
        "sim.pullpolicylabs.dev", "v1", "labworlds", world["metadata"]["name"]
    )
    with pytest.raises(client.ApiException) as caught:
        core.list_namespaced_pod(world["status"]["namespace"])
    assert caught.value.status == 401
    with pytest.raises(client.ApiException) as missing:
        admin_api(sim).get_cluster_custom_object(
            "sim.pullpolicylabs.dev", "v1", "labworlds", world["metadata"]["name"]
        )
    assert missing.value.status == 404


def test_no_token_or_an_unknown_token_is_401_in_status_shape(sim) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = httpx.get(
            f"{sim.url}/api/v1/namespaces/default/pods",
            headers=headers,
            verify=ssl.create_default_context(cafile=str(sim.ca_file)),
        )
        assert response.status_code == 401
        assert response.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        }


def test_a_tenant_cannot_manage_labworlds_and_the_admin_cannot_touch_pods(sim) -> None:
    world = create_labworld(sim)
    tenant_custom = client.CustomObjectsApi(sim.api_client(world["status"]["token"]))
    with pytest.raises(client.ApiException) as caught:
        tenant_custom.list_cluster_custom_object("sim.pullpolicylabs.dev", "v1", "labworlds")
    assert caught.value.status == 403
    admin_core = client.CoreV1Api(sim.api_client(sim.admin_token))
    with pytest.raises(client.ApiException) as admin:
        admin_core.create_namespaced_pod(world["status"]["namespace"], pod_body("x"))
    assert admin.value.status == 403


def test_an_invalid_world_is_refused_without_creating_a_tenant(sim) -> None:
    body = {
        "apiVersion": "sim.pullpolicylabs.dev/v1",
        "kind": "LabWorld",
        "metadata": {"name": "broken"},
        "spec": {"nodes": [{"name": "node-1", "cache": ["lab/missing:1.0"]}]},
    }
    with pytest.raises(client.ApiException) as caught:
        admin_api(sim).create_cluster_custom_object(
            "sim.pullpolicylabs.dev", "v1", "labworlds", body
        )
    assert caught.value.status == 422
    assert "lab/missing:1.0" in json.loads(caught.value.body)["message"]
    assert "broken" not in sim.simulator.tenants
