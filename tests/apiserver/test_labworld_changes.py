"""`POST labworlds/{name}/changes`: one world action, for the admin only (interfaces item 1)."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from tests.apiserver.conftest import admin_api, create_labworld
from tests.sim.worlds import DIGEST_B

CHANGE_BODY = {"apiVersion": "sim.pullpolicylabs.dev/v1", "kind": "LabWorldChange"}


def post_change(sim, token: str, name: str, change) -> httpx.Response:
    return httpx.post(
        f"{sim.url}/apis/sim.pullpolicylabs.dev/v1/labworlds/{name}/changes",
        json={**CHANGE_BODY, "change": change},
        headers={"Authorization": f"Bearer {token}"},
        verify=ssl.create_default_context(cafile=str(sim.ca_file)),
    )


def test_the_admin_changes_a_world_and_gets_the_change_back_accepted(sim) -> None:
    name = create_labworld(sim)["metadata"]["name"]
    change = {"move_tag": {"ref": "docker.io/lab/web:1.0", "digest": DIGEST_B, "size": 5}}
    response = post_change(sim, sim.admin_token, name, change)
    assert response.status_code == 200
    assert response.json() == {
        **CHANGE_BODY,
        "metadata": {"name": name},
        "change": change,
        "status": {
            "accepted": True,
            "message": f"docker.io/lab/web:1.0 now points at {DIGEST_B}",
        },
    }
    tags = sim.simulator.tenants[name].registries["docker.io"]["repositories"][0]["tags"]
    assert tags["1.0"]["digest"] == DIGEST_B


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(None, "change: Required value", id="no-change"),
        pytest.param({}, "change: Required value", id="empty"),
        pytest.param(
            {"registry_down": "docker.io", "registry_up": "docker.io"},
            "change: Invalid value",
            id="two-actions",
        ),
        pytest.param({"reboot": {}}, 'change: Unsupported value: "reboot"', id="unknown"),
        pytest.param({"move_tag": {"digest": DIGEST_B}}, "change.move_tag.ref: Required value"),
    ],
)
def test_a_malformed_change_is_a_422_naming_the_field(sim, change, message: str) -> None:
    name = create_labworld(sim)["metadata"]["name"]
    response = post_change(sim, sim.admin_token, name, change)
    assert response.status_code == 422
    status = response.json()
    assert status["reason"] == "Invalid"
    assert status["message"].startswith(
        f'LabWorldChange.sim.pullpolicylabs.dev "{name}" is invalid: {message}'
    )


def test_a_learner_gets_the_403_of_other_labworlds_requests(sim) -> None:
    world = create_labworld(sim)
    name = world["metadata"]["name"]
    response = post_change(sim, world["status"]["token"], name, {"registry_down": "docker.io"})
    assert response.status_code == 403
    # apiserver responsewriters.forbiddenMessage: resource/subresource, and the object's name
    assert json.loads(response.text)["message"] == (
        f'labworlds.sim.pullpolicylabs.dev "{name}" is forbidden: User '
        '"system:serviceaccount:lab:learner" cannot create resource "labworlds/changes" in API '
        'group "sim.pullpolicylabs.dev" at the cluster scope'
    )
    assert "down" not in sim.simulator.tenants[name].registries["docker.io"]


def test_a_change_to_a_missing_world_is_404(sim) -> None:
    response = post_change(sim, sim.admin_token, "no-such-world", {"registry_down": "docker.io"})
    assert response.status_code == 404
    assert response.json()["message"] == (
        'labworlds.sim.pullpolicylabs.dev "no-such-world" not found'
    )


def test_a_refused_kubelet_config_is_accepted_false_and_the_world_status_shows_why(sim) -> None:
    name = create_labworld(sim)["metadata"]["name"]
    bad = {"node": "node-1", "set": {"serializeImagePulls": True, "maxParallelImagePulls": 2}}
    response = post_change(sim, sim.admin_token, name, {"kubelet": bad})
    assert response.status_code == 200
    assert response.json()["status"]["accepted"] is False
    error = (
        "failed to validate kubelet configuration, error: invalid configuration: "
        "maxParallelImagePulls cannot be larger than 1 unless SerializeImagePulls "
        "(--serialize-image-pulls) is set to false"
    )
    assert error in response.json()["status"]["message"]
    world = admin_api(sim).get_cluster_custom_object(
        "sim.pullpolicylabs.dev", "v1", "labworlds", name
    )
    node = world["status"]["nodes"]["node-1"]
    assert node["kubelet_error"] == error
    assert node["kubelet"]["serializeImagePulls"] is True
    assert "maxParallelImagePulls" not in node["kubelet"]
    assert [row["ref"] for row in node["cache"]] == ["docker.io/lab/web:1.0"]
    assert world["status"]["nodes"]["node-2"]["cache"] == []
    assert world["status"]["apiserver"] == {"enableAdmissionPlugins": []}
    assert (node["trust"], node["hosts"], node["credential_providers"]) == ([], [], [])
    assert world["status"]["registries"]["docker.io"]["down"] is False
