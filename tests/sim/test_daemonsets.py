"""DaemonSets (pkg/controller/daemon): a pod per fitting node, bound by the scheduler.

The pre-pull pattern of the brief (area on optimisations): init containers that pull the big
image and exit, a pause main container, so every node caches the image before a rollout.

Which nodes: daemon_controller.go NodeShouldRunDaemonPod / predicates on NewPod (the template
plus util/daemonset_util.go AddOrUpdateDaemonPodTolerations), podsShouldBeOnNode and
updateDaemonSetStatus.
"""

from __future__ import annotations

import pytest

from clusters.sim.daemonsets import should_run
from tests.sim.worlds import DIGEST_A, lab1_world, new_tenant, run

SETUP = "sha256:" + "5" * 64


def prepull(node_selector: dict | None = None, tolerations: list | None = None) -> dict:
    spec: dict = {
        "initContainers": [{"name": "pull", "image": "lab/web:1.0", "command": ["true"]}],
        "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}],
    }
    if node_selector:
        spec["nodeSelector"] = node_selector
    if tolerations:
        spec["tolerations"] = tolerations
    return {
        "metadata": {"name": "prepull"},
        "spec": {
            "selector": {"matchLabels": {"app": "prepull"}},
            "template": {"metadata": {"labels": {"app": "prepull"}}, "spec": spec},
        },
    }


def world(**extra) -> dict:
    base = lab1_world(**extra)
    base["registries"][0]["repositories"][0]["tags"]["1.0"]["run"] = {
        "exit_after": 0.1,
        "exit_code": 0,
    }
    base["registries"].append(
        {
            "host": "registry.k8s.io",
            "repositories": [
                {"name": "pause", "tags": {"3.10": {"digest": SETUP, "size": 300_000}}}
            ],
        }
    )
    return base


def test_a_prepull_daemonset_puts_the_image_on_every_node() -> None:
    simulator, clock, tenant = new_tenant(world())
    assert DIGEST_A not in tenant.caches["node-2"]["images"]
    tenant.create("daemonsets", "lab", prepull())
    run(simulator, clock, 20)
    pods = tenant.store.list("pods", "lab")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["node-1", "node-2"]
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert DIGEST_A in tenant.caches["node-2"]["images"]
    scheduled = [e["message"] for e in tenant.store.list("events") if e["reason"] == "Scheduled"]
    assert len(scheduled) == 2  # bound by the default scheduler through node affinity
    status = tenant.store.get("daemonsets", "lab", "prepull")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"]) == (2, 2)


def test_a_node_selector_limits_the_nodes() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("daemonsets", "lab", prepull({"kubernetes.io/hostname": "node-2"}))
    run(simulator, clock, 20)
    assert [p["spec"]["nodeName"] for p in tenant.store.list("pods", "lab")] == ["node-2"]


def test_deleting_the_daemonset_removes_its_pods() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("daemonsets", "lab", prepull())
    run(simulator, clock, 20)
    tenant.delete("daemonsets", "lab", "prepull")
    run(simulator, clock, 5)
    assert tenant.store.list("pods", "lab") == []


GPU = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
TOLERATE_GPU = [{"key": "dedicated", "operator": "Exists"}]
NETWORK = [{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]
HOST_NETWORK = prepull()
HOST_NETWORK["spec"]["template"]["spec"]["hostNetwork"] = True


def _node(taints: list | None = None, labels: dict | None = None) -> dict:
    return {"metadata": {"name": "node-1", "labels": labels or {}},
            "spec": {"taints": taints} if taints else {}}  # fmt: skip


@pytest.mark.parametrize(
    ("daemonset", "node", "expected"),
    [
        pytest.param(prepull(), _node(), (True, True), id="predicates: an untainted node"),
        pytest.param(prepull(), _node([GPU]), (False, True),
                     id="NodeShouldRunDaemonPod: untolerated NoSchedule: no new pod, one stays"),
        pytest.param(prepull(), _node([{**GPU, "effect": "NoExecute"}]), (False, False),
                     id="NodeShouldRunDaemonPod: untolerated NoExecute: the pod goes too"),
        pytest.param(prepull(tolerations=TOLERATE_GPU), _node([GPU]), (True, True),
                     id="predicates: the template tolerates the taint"),
        pytest.param(prepull(), _node([{**GPU, "effect": "PreferNoSchedule"}]), (True, True),
                     id="predicates: PreferNoSchedule is not a NoSchedule/NoExecute taint"),
        pytest.param(prepull(), _node([{"key": "node.kubernetes.io/unschedulable",
                                        "effect": "NoSchedule"}]), (True, True),
                     id="AddOrUpdateDaemonPodTolerations: the cordon taint is tolerated"),
        pytest.param(prepull(), _node(NETWORK), (False, True),
                     id="AddOrUpdateDaemonPodTolerations: network-unavailable is for hostNetwork"),
        pytest.param(HOST_NETWORK, _node(NETWORK), (True, True),
                     id="AddOrUpdateDaemonPodTolerations: a hostNetwork pod tolerates it"),
        pytest.param(prepull({"disk": "ssd"}), _node(), (False, False),
                     id="predicates: the node selector does not match"),
    ],
)  # fmt: skip
def test_which_nodes_a_daemonset_runs_on(daemonset: dict, node: dict, expected: tuple) -> None:
    assert should_run(daemonset, node) == expected


def test_a_tainted_node_gets_no_daemon_pod_unless_the_template_tolerates_it() -> None:
    simulator, clock, tenant = new_tenant(
        world(
            nodes=[
                {"name": "node-1", "cache": ["lab/web:1.0"]},
                {"name": "node-2", "taints": [GPU]},
            ]
        )  # fmt: skip
    )
    tenant.create("daemonsets", "lab", prepull())
    run(simulator, clock, 20)
    assert [p["spec"]["nodeName"] for p in tenant.store.list("pods", "lab")] == ["node-1"]
    status = tenant.store.get("daemonsets", "lab", "prepull")["status"]
    assert (status["desiredNumberScheduled"], status["currentNumberScheduled"]) == (1, 1)
    tolerant = prepull(tolerations=TOLERATE_GPU)
    tenant.create("daemonsets", "lab", {**tolerant, "metadata": {"name": "tolerant"}})
    run(simulator, clock, 20)
    tolerant_pods = [
        p for p in tenant.store.list("pods", "lab") if "tolerant" in p["metadata"]["name"]
    ]
    assert sorted(p["spec"]["nodeName"] for p in tolerant_pods) == ["node-1", "node-2"]


@pytest.mark.parametrize(
    ("effect", "kept", "misscheduled"),
    [
        pytest.param("NoSchedule", True, 1,
                     id="shouldContinueRunning: the pod stays, counted numberMisscheduled"),
        pytest.param("NoExecute", False, 0,
                     id="podsShouldBeOnNode: an untolerated NoExecute taint deletes the pod"),
    ],
)  # fmt: skip
def test_a_taint_added_later(effect: str, kept: bool, misscheduled: int) -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("daemonsets", "lab", prepull())
    run(simulator, clock, 20)
    taint = {"spec": {"taints": [{**GPU, "effect": effect}]}}
    tenant.patch("nodes", None, "node-2", "application/merge-patch+json", taint)
    run(simulator, clock, 5)
    nodes = sorted(p["spec"]["nodeName"] for p in tenant.store.list("pods", "lab"))
    assert nodes == (["node-1", "node-2"] if kept else ["node-1"])
    status = tenant.store.get("daemonsets", "lab", "prepull")["status"]
    assert (status["desiredNumberScheduled"], status["numberMisscheduled"]) == (1, misscheduled)
