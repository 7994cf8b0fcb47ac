"""Registry world actions over the API and what the LabWorld GET then says (interfaces.md items
1 and 2): a node's `trust`, `hosts`, `credential_providers`, and each registry's log."""

from __future__ import annotations

from kubernetes import client

from tests.apiserver.conftest import admin_api, create_labworld
from tests.apiserver.test_labworld_changes import post_change

D = "sha256:" + "e" * 64
HOST = "reg.lab:5443"
WORLD = {
    "registries": [
        {
            "host": HOST,
            "tls": "self-signed",
            "repositories": [{"name": "team/web", "tags": {"1.0": {"digest": D, "size": 10}}}],
        }
    ],
    "nodes": [{"name": "node-1"}],
}


def _status(sim, name: str) -> dict:
    world = admin_api(sim).get_cluster_custom_object(
        "sim.pullpolicylabs.dev", "v1", "labworlds", name
    )
    return world["status"]


def test_node_changes_and_the_pull_log_show_in_the_labworld_status(sim) -> None:
    created = create_labworld(sim, WORLD)
    name = created["metadata"]["name"]
    accepted = post_change(sim, sim.admin_token, name, {"trust_ca": {"nodes": "all", "host": HOST}})
    assert accepted.json()["status"] == {"accepted": True, "message": f"CA installed for {HOST}"}
    provider = {"name": "ecr-credential-provider", "matchImages": ["*.dkr.ecr.*.amazonaws.com"]}
    post_change(sim, sim.admin_token, name, {"credential_provider": {"nodes": "all", **provider}})
    core = client.CoreV1Api(sim.api_client(created["status"]["token"]))
    body = {
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": f"{HOST}/team/web:1.0"}]},
    }
    core.create_namespaced_pod(name, body)
    sim.advance(10)
    status = _status(sim, name)
    node = status["nodes"]["node-1"]
    assert (node["trust"], node["hosts"], node["credential_providers"]) == ([HOST], [], [provider])
    assert status["registries"][HOST] == {
        "down": False,
        "requests": {"anonymous": 2, "authenticated": 0},  # HEAD, then GET by digest
        "pulls": [{"ref": f"{HOST}/team/web:1.0", "digest": D, "node": "node-1", "pod": "web"}],
    }


def test_a_refused_provider_is_accepted_false_with_the_kubelet_reason(sim) -> None:
    name = create_labworld(sim, WORLD)["metadata"]["name"]
    change = {"credential_provider": {"nodes": "all", "name": "ecr", "matchImages": []}}
    answer = post_change(sim, sim.admin_token, name, change).json()["status"]
    assert answer == {
        "accepted": False,
        "message": "providers.matchImages: Required value: "
        "at least 1 item in matchImages is required",
    }
    assert _status(sim, name)["nodes"]["node-1"]["credential_providers"] == []
