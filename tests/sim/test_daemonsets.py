"""DaemonSets (pkg/controller/daemon): a pod per fitting node, bound by the scheduler.

The pre-pull pattern of the brief (area on optimisations): init containers that pull the big
image and exit, a pause main container, so every node caches the image before a rollout.
"""

from __future__ import annotations

from tests.sim.worlds import DIGEST_A, lab1_world, new_tenant, run

SETUP = "sha256:" + "5" * 64


def prepull(node_selector: dict | None = None) -> dict:
    spec = {
        "initContainers": [{"name": "pull", "image": "lab/web:1.0", "command": ["true"]}],
        "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}],
    }
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {
        "metadata": {"name": "prepull"},
        "spec": {
            "selector": {"matchLabels": {"app": "prepull"}},
            "template": {"metadata": {"labels": {"app": "prepull"}}, "spec": spec},
        },
    }


def world() -> dict:
    base = lab1_world()
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
