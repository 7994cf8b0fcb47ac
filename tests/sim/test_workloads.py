"""Deployments and ReplicaSets (pkg/controller/deployment, pkg/controller/replicaset)."""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from clusters.sim.workloads import pod_template_hash
from tests.sim.worlds import events_of, new_tenant, run


def deployment(
    name: str = "web", image: str = "lab/web:1.0", replicas: int = 2, **spec: object
) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
            **spec,
        },
    }


def _with_image(current: dict, image: str) -> dict:
    template = current["spec"]["template"]
    containers = [{**template["spec"]["containers"][0], "image": image}]
    spec = {
        **current["spec"],
        "template": {**template, "spec": {**template["spec"], "containers": containers}},
    }
    # no resourceVersion: the controllers write status between our read and our update
    metadata = {k: v for k, v in current["metadata"].items() if k != "resourceVersion"}
    return {**current, "metadata": metadata, "spec": spec}


def _set_image(tenant, image: str) -> None:
    """`kubectl set image deployment/web web=IMAGE`, as an update of the template."""
    current = tenant.store.get("deployments", "lab", "web")
    tenant.update("deployments", "lab", "web", _with_image(current, image))


def _pods(tenant) -> list[dict]:
    return [
        p for p in tenant.store.list("pods", "lab") if not p["metadata"].get("deletionTimestamp")
    ]


def test_a_deployment_gets_a_replicaset_and_running_pods() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("deployments", "lab", deployment())
    run(simulator, clock, 10)
    created = tenant.store.get("deployments", "lab", "web")
    hash_ = pod_template_hash(created["spec"]["template"])
    rs = tenant.store.get("replicasets", "lab", f"web-{hash_}")
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": hash_}
    pods = _pods(tenant)
    assert len(pods) == 2 and all(p["metadata"]["name"].startswith(f"web-{hash_}-") for p in pods)
    assert all(p["status"]["phase"] == "Running" for p in pods)
    # SetDefaults_Deployment and the template's own pod defaults
    assert created["spec"]["strategy"]["rollingUpdate"] == {
        "maxUnavailable": "25%",
        "maxSurge": "25%",
    }
    assert created["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert created["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    status = created["status"]
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (2, 2, 2)
    assert status["conditions"][1]["reason"] == "NewReplicaSetAvailable"
    assert (
        "Normal",
        "ScalingReplicaSet",
        f"Scaled up replica set web-{hash_} from 0 to 2",
    ) in events_of(tenant, "web")


def test_a_rollout_whose_image_cannot_be_pulled_keeps_the_old_pods() -> None:
    """rolling.go: with 2 replicas maxUnavailable rounds down to 0, so no old pod goes."""
    simulator, clock, tenant = new_tenant()
    tenant.create("deployments", "lab", deployment())
    run(simulator, clock, 10)
    _set_image(tenant, "lab/web:9.9")
    run(simulator, clock, 60)
    pods = _pods(tenant)
    phases = sorted(p["status"]["phase"] for p in pods)
    assert phases == ["Pending", "Running", "Running"]  # maxSurge 1: one new pod, stuck
    stuck = next(p for p in pods if p["status"]["phase"] == "Pending")
    assert (
        stuck["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff"
    )
    status = tenant.store.get("deployments", "lab", "web")["status"]
    assert (status["updatedReplicas"], status["availableReplicas"]) == (1, 2)
    run(simulator, clock, 600)
    progressing = tenant.store.get("deployments", "lab", "web")["status"]["conditions"][1]
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")


def test_a_good_rollout_replaces_every_pod() -> None:
    world_tag = {"2.0": {"digest": "sha256:" + "c" * 64, "size": 1000}}
    simulator, clock, tenant = new_tenant()
    tenant.registries["docker.io"]["repositories"][0]["tags"].update(world_tag)
    tenant.create("deployments", "lab", deployment())
    run(simulator, clock, 10)
    _set_image(tenant, "lab/web:2.0")
    run(simulator, clock, 30)
    pods = _pods(tenant)
    assert [p["spec"]["containers"][0]["image"] for p in pods] == ["lab/web:2.0", "lab/web:2.0"]
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert (
        tenant.store.get("deployments", "lab", "web")["metadata"]["annotations"][
            "deployment.kubernetes.io/revision"
        ]
        == "2"
    )


def test_a_deleted_pod_is_replaced_and_a_deleted_deployment_takes_its_pods() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("deployments", "lab", deployment(replicas=1))
    run(simulator, clock, 10)
    first = _pods(tenant)[0]["metadata"]["name"]
    tenant.delete("pods", "lab", first)
    run(simulator, clock, 10)
    assert [p["metadata"]["name"] for p in _pods(tenant)] != [first] and len(_pods(tenant)) == 1
    tenant.delete("deployments", "lab", "web")
    run(simulator, clock, 10)
    assert tenant.store.list("replicasets", "lab") == [] and tenant.store.list("pods", "lab") == []


def test_the_selector_must_match_the_template_labels() -> None:
    _, _, tenant = new_tenant()
    body = deployment()
    body["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(ApiError) as caught:
        tenant.create("deployments", "lab", body)
    assert caught.value.status["message"] == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"web"}: `selector` does not match template `labels`'
    )


def test_defaulting_happens_once_a_later_latest_tag_keeps_if_not_present() -> None:
    """Brief area 2, L2.2: the policy is defaulted at creation and not when the image changes."""
    simulator, clock, tenant = new_tenant()
    tenant.create("deployments", "lab", deployment())
    current = tenant.store.get("deployments", "lab", "web")
    updated = tenant.update("deployments", "lab", "web", _with_image(current, "lab/web:latest"))
    assert updated["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_a_new_replicaset_shows_its_required_status_fields_before_any_sync() -> None:
    """ReplicaSetStatus.replicas has no omitempty (k8s.io/api apps/v1 types.go), so the API
    server answers `status: {replicas: 0}` for a ReplicaSet its controller has not synced."""
    _, _, tenant = new_tenant()
    body = {
        "metadata": {"name": "rs"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "rs"}},
            "template": {
                "metadata": {"labels": {"app": "rs"}},
                "spec": {"containers": [{"name": "c", "image": "lab/web:1.0"}]},
            },
        },
    }
    created = tenant.create(
        "replicasets", "lab", {"apiVersion": "apps/v1", "kind": "ReplicaSet", **body}
    )
    assert created["status"] == {"replicas": 0}
