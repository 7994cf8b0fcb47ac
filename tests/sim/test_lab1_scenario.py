"""Scenario L1.1 of the curriculum brief ("Three policies, one image"), its wrong path, and the
pod lifecycle around it (scheduler, status, events aggregation, image updates, deletion)."""

from __future__ import annotations

from clusters.sim.errors import ApiError
from tests.sim.worlds import DIGEST_A, events_of, new_tenant, pod, run, waiting


def _lab1(simulator, clock, tenant, never_2_node: str = "node-2") -> None:
    for name, policy, node in [
        ("p-always", "Always", "node-1"),
        ("p-ifnp", "IfNotPresent", "node-1"),
        ("p-never", "Never", "node-1"),
        ("p-never-2", "Never", never_2_node),
    ]:
        tenant.create("pods", "lab", pod(name, policy=policy, node=node))
    run(simulator, clock, 30)


def test_l1_1_three_policies_one_image() -> None:
    simulator, clock, tenant = new_tenant()
    _lab1(simulator, clock, tenant)
    ifnp = events_of(tenant, "p-ifnp")
    assert (
        "Normal",
        "Pulled",
        'Container image "lab/web:1.0" already present on machine and can be accessed by the pod',
    ) in ifnp
    assert not any(reason == "Pulling" for _, reason, _ in ifnp)
    always = [reason for _, reason, _ in events_of(tenant, "p-always")]
    assert always[:2] == ["Pulling", "Pulled"]
    assert any(
        m.startswith('Successfully pulled image "lab/web:1.0" in 300ms')
        for _, _, m in events_of(tenant, "p-always")
    )
    assert waiting(tenant, "p-never-2")["reason"] == "ErrImageNeverPull"
    assert (
        "Warning",
        "ErrImageNeverPull",
        'Container image "lab/web:1.0" is not present with pull policy of Never',
    ) in events_of(tenant, "p-never-2")
    for name in ("p-always", "p-ifnp", "p-never"):
        current = tenant.store.get("pods", "lab", name)
        assert current["status"]["phase"] == "Running"
        assert (
            current["status"]["containerStatuses"][0]["imageID"] == f"docker.io/lab/web@{DIGEST_A}"
        )
    assert tenant.store.get("pods", "lab", "p-never-2")["status"]["phase"] == "Pending"


def test_l1_1_wrong_path_all_on_node_1_lets_p_never_2_run() -> None:
    simulator, clock, tenant = new_tenant()
    _lab1(simulator, clock, tenant, never_2_node="node-1")
    current = tenant.store.get("pods", "lab", "p-never-2")
    assert current["status"]["phase"] == "Running"
    assert current["spec"]["nodeName"] == "node-1"


def test_a_running_pod_has_the_conditions_and_addresses_of_a_real_one() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create(
        "pods",
        "lab",
        pod("web", policy="IfNotPresent", nodeSelector={"kubernetes.io/hostname": "node-1"}),
    )
    run(simulator, clock, 5)
    current = tenant.store.get("pods", "lab", "web")
    status = current["status"]
    assert current["spec"]["nodeName"] == "node-1"
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert all(c["status"] == "True" for c in status["conditions"])
    assert status["hostIP"] == "172.18.0.2" and status["podIP"].startswith("10.244.1.")
    assert status["containerStatuses"][0]["image"] == "docker.io/lab/web:1.0"
    assert status["containerStatuses"][0]["containerID"].startswith("containerd://")
    scheduled = events_of(tenant, "web")[0]
    assert scheduled == ("Normal", "Scheduled", "Successfully assigned lab/web to node-1")


def test_a_pod_that_fits_no_node_gets_failed_scheduling() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("web", nodeSelector={"disk": "ssd"}))
    run(simulator, clock, 2)
    assert events_of(tenant, "web") == [
        (
            "Warning",
            "FailedScheduling",
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
        )
    ]
    condition = tenant.store.get("pods", "lab", "web")["status"]["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )


def test_repeated_events_are_aggregated_with_count_and_timestamps() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", policy="Never", node="node-2"))
    run(simulator, clock, 35)
    never = [e for e in tenant.store.list("events") if e["reason"] == "ErrImageNeverPull"]
    assert len(never) == 1
    assert never[0]["count"] == 4
    assert never[0]["firstTimestamp"] < never[0]["lastTimestamp"]
    assert never[0]["source"] == {"component": "kubelet", "host": "node-2"}
    assert never[0]["involvedObject"]["fieldPath"] == "spec.containers{web}"


def test_changing_the_image_restarts_the_container_with_the_new_one() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", policy="IfNotPresent", node="node-1"))
    run(simulator, clock, 5)
    current = tenant.store.get("pods", "lab", "p")
    changed = {
        **current,
        "spec": {
            **current["spec"],
            "containers": [{**current["spec"]["containers"][0], "image": "lab/web:9.9"}],
        },
    }
    tenant.update("pods", "lab", "p", changed)
    run(simulator, clock, 5)
    status = tenant.store.get("pods", "lab", "p")["status"]["containerStatuses"][0]
    assert status["restartCount"] == 1
    assert status["state"]["waiting"]["reason"] == "ErrImagePull"
    assert (
        "Normal",
        "Killing",
        "Container web definition changed, will be restarted",
    ) in events_of(tenant, "p")


def test_the_pull_policy_cannot_be_changed_on_a_pod() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", policy="IfNotPresent", node="node-1"))
    current = tenant.store.get("pods", "lab", "p")
    changed = {
        **current,
        "spec": {
            **current["spec"],
            "containers": [{**current["spec"]["containers"][0], "imagePullPolicy": "Always"}],
        },
    }
    try:
        tenant.update("pods", "lab", "p", changed)
    except ApiError as err:
        assert err.code == 422
        assert "spec: Forbidden: pod updates may not change fields" in err.status["message"]
    else:
        raise AssertionError("the update was accepted")


def test_deleting_a_running_pod_kills_it_then_removes_it() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", policy="IfNotPresent", node="node-1"))
    run(simulator, clock, 5)
    marked = tenant.delete("pods", "lab", "p")
    assert marked["metadata"]["deletionTimestamp"]
    assert ("Normal", "Killing", "Stopping container web") in events_of(tenant, "p")
    run(simulator, clock, 2)
    assert tenant.store.get("pods", "lab", "p") is None
