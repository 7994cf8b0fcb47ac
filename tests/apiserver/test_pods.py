"""Pods through the official client: create, list, get, update, patch, delete, dry run, 422s."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from tests.apiserver.conftest import pod_body


def test_lab1_pods_show_the_kubelets_behaviour(sim, learner) -> None:
    core, ns = learner
    for name, policy, node in [
        ("p-always", "Always", "node-1"),
        ("p-ifnp", "IfNotPresent", "node-1"),
        ("p-never", "Never", "node-1"),
        ("p-never-2", "Never", "node-2"),
    ]:
        created = core.create_namespaced_pod(ns, pod_body(name, policy, node))
        assert created.status.phase == "Pending"
    sim.advance(30)
    pods = {p.metadata.name: p for p in core.list_namespaced_pod(ns).items}
    assert {n: p.status.phase for n, p in pods.items()} == {
        "p-always": "Running",
        "p-ifnp": "Running",
        "p-never": "Running",
        "p-never-2": "Pending",
    }
    waiting = pods["p-never-2"].status.container_statuses[0].state.waiting
    assert waiting.reason == "ErrImageNeverPull"
    assert (
        waiting.message == 'Container image "lab/web:1.0" is not present with pull policy of Never'
    )
    events = core.list_namespaced_event(
        ns, field_selector=f"involvedObject.uid={pods['p-ifnp'].metadata.uid}"
    ).items
    assert [e.reason for e in events] == ["Pulled", "Created", "Started"]
    assert events[0].message.endswith("already present on machine and can be accessed by the pod")
    assert events[0].source.component == "kubelet"


def test_an_unsupported_policy_is_422_naming_the_field(learner) -> None:
    core, ns = learner
    with pytest.raises(client.ApiException) as caught:
        core.create_namespaced_pod(ns, pod_body("bad", policy="always"))
    body = json.loads(caught.value.body)
    assert caught.value.status == 422
    assert body["message"] == (
        'Pod "bad" is invalid: spec.containers[0].imagePullPolicy: Unsupported value: '
        '"always": supported values: "Always", "IfNotPresent", "Never"'
    )
    assert body["details"]["causes"][0]["field"] == "spec.containers[0].imagePullPolicy"


def test_a_body_that_is_not_json_is_a_400_status(sim, learner) -> None:
    import ssl

    import httpx

    _, ns = learner
    token = core_token(learner)
    response = httpx.post(
        f"{sim.url}/api/v1/namespaces/{ns}/pods",
        content=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        verify=ssl.create_default_context(cafile=str(sim.ca_file)),
    )
    assert response.status_code == 400
    assert response.json()["kind"] == "Status"
    assert response.json()["message"].startswith("couldn't get version/kind; json parse error")


def core_token(learner) -> str:
    core, _ = learner
    return core.api_client.configuration.api_key["authorization"].split(" ", 1)[1]


def test_server_side_dry_run_defaults_without_storing(learner) -> None:
    core, ns = learner
    body = pod_body("probe", policy="")
    body["spec"]["containers"][0].pop("imagePullPolicy")
    body["spec"]["containers"][0]["image"] = "nginx"
    result = core.create_namespaced_pod(ns, body, dry_run="All")
    assert result.spec.containers[0].image_pull_policy == "Always"
    assert core.list_namespaced_pod(ns, field_selector="metadata.name=probe").items == []


def test_get_patch_and_put_change_the_image_but_not_the_policy(sim, learner) -> None:
    core, ns = learner
    core.create_namespaced_pod(ns, pod_body("web"))
    sim.advance(5)
    patched = core.patch_namespaced_pod("web", ns, {"metadata": {"labels": {"tier": "front"}}})
    assert patched.metadata.labels == {"tier": "front"}
    current = core.read_namespaced_pod("web", ns)
    current.spec.containers[0].image = "lab/web:1.1"
    replaced = core.replace_namespaced_pod("web", ns, current)
    assert replaced.spec.containers[0].image == "lab/web:1.1"
    assert replaced.metadata.generation == 2
    with pytest.raises(client.ApiException) as caught:
        core.patch_namespaced_pod(
            "web",
            ns,
            [{"op": "replace", "path": "/spec/containers/0/imagePullPolicy", "value": "Always"}],
        )
    assert caught.value.status == 422
    assert (
        "spec: Forbidden: pod updates may not change fields"
        in json.loads(caught.value.body)["message"]
    )


def test_a_stale_resource_version_on_put_is_a_conflict(sim, learner) -> None:
    core, ns = learner
    core.create_namespaced_pod(ns, pod_body("web"))
    stale = core.read_namespaced_pod("web", ns)
    core.patch_namespaced_pod("web", ns, {"metadata": {"labels": {"a": "b"}}})
    with pytest.raises(client.ApiException) as caught:
        core.replace_namespaced_pod("web", ns, stale)
    assert caught.value.status == 409
    assert json.loads(caught.value.body)["reason"] == "Conflict"


def test_deleting_a_pod_marks_it_then_it_is_gone(sim, learner) -> None:
    core, ns = learner
    core.create_namespaced_pod(ns, pod_body("web"))
    sim.advance(5)
    deleted = core.delete_namespaced_pod("web", ns)
    assert deleted.metadata.deletion_timestamp is not None
    sim.advance(2)
    with pytest.raises(client.ApiException) as caught:
        core.read_namespaced_pod("web", ns)
    assert caught.value.status == 404
    assert json.loads(caught.value.body)["message"] == 'pods "web" not found'


def test_pod_logs_and_the_kubelets_refusal_while_waiting(sim, learner) -> None:
    core, ns = learner
    core.create_namespaced_pod(ns, pod_body("web"))
    core.create_namespaced_pod(ns, pod_body("never", "Never", "node-2"))
    sim.advance(15)
    assert "listening on :8080" in core.read_namespaced_pod_log("web", ns)
    with pytest.raises(client.ApiException) as caught:
        core.read_namespaced_pod_log("never", ns)
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["message"] == (
        'container "web" in pod "never" is waiting to start: ErrImageNeverPull'
    )


def test_nodes_and_namespaces_are_listed(learner) -> None:
    core, ns = learner
    assert [n.metadata.name for n in core.list_node().items] == ["node-1", "node-2"]
    assert ns in [n.metadata.name for n in core.list_namespace().items]
