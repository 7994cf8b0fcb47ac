"""Init containers: run one by one to completion before the regular containers.

Upstream: kuberuntime_manager.go computeInitContainerActions, kubelet_pods.go getPhase,
status/generate.go GeneratePodInitializedCondition; the STATUS column's `Init:` prefix comes
from printers.go printPod.
"""

from __future__ import annotations

from clusters.sim.podstatus import pod_reason
from tests.sim.worlds import lab1_world, new_tenant, run

SETUP = "sha256:" + "5" * 64


def world() -> dict:
    base = lab1_world()
    base["registries"][0]["repositories"].append(
        {
            "name": "lab/setup",
            "tags": {
                "1.0": {"digest": SETUP, "size": 1000, "run": {"exit_after": 2, "exit_code": 0}}
            },
        }
    )
    return base


def init_pod(init_image: str) -> dict:
    return {
        "metadata": {"name": "p"},
        "spec": {
            "nodeName": "node-1",
            "initContainers": [
                {"name": "setup", "image": init_image, "imagePullPolicy": "IfNotPresent"}
            ],
            "containers": [
                {"name": "web", "image": "lab/web:1.0", "imagePullPolicy": "IfNotPresent"}
            ],
        },
    }


def test_the_init_container_completes_then_the_app_starts() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("pods", "lab", init_pod("lab/setup:1.0"))
    run(simulator, clock, 2)
    pod = tenant.store.get("pods", "lab", "p")
    assert pod_reason(pod)[0] == "Init:0/1"
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    initialized = next(c for c in pod["status"]["conditions"] if c["type"] == "Initialized")
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")
    assert initialized["message"] == "containers with incomplete status: [setup]"
    run(simulator, clock, 10)
    pod = tenant.store.get("pods", "lab", "p")
    init = pod["status"]["initContainerStatuses"][0]
    assert init["state"]["terminated"]["reason"] == "Completed" and init["ready"] is True
    assert pod["status"]["phase"] == "Running"
    assert pod_reason(pod)[0] == "Running"
    fields = [
        e["involvedObject"].get("fieldPath")
        for e in tenant.store.list("events")
        if e["reason"] == "Started"
    ]
    assert sorted(fields) == ["spec.containers{web}", "spec.initContainers{setup}"]


def test_an_init_image_that_cannot_be_pulled_shows_init_err_image_pull() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("pods", "lab", init_pod("lab/setup:9.9"))
    run(simulator, clock, 5)
    pod = tenant.store.get("pods", "lab", "p")
    assert pod_reason(pod)[0] == "Init:ErrImagePull"
    run(simulator, clock, 20)
    assert pod_reason(tenant.store.get("pods", "lab", "p"))[0] == "Init:ImagePullBackOff"
    assert not [
        e
        for e in tenant.store.list("events")
        if e["involvedObject"].get("fieldPath") == "spec.containers{web}"
    ]
