"""Containers that exit: restarts, CrashLoopBackOff, and the image re-resolved on each start.

Upstream: kuberuntime_manager.go doBackOff (IsInBackOffSince the last finish; 10 s doubling to
MaxContainerBackOff 300 s), kuberuntime_container.go startContainer (EnsureImageExists before
every start, restarts included), kubelet_pods.go getPhase. Scenario L1.2 of the brief.
"""

from __future__ import annotations

from clusters.sim.reference import parse_normalized_named
from tests.sim.worlds import events_of, new_tenant, pod, run

A = "sha256:" + "a" * 64
B = "sha256:" + "e" * 64


def crash_world(exit_after: float = 30, moves: bool = True, exit_code: int = 1) -> dict:
    """L1.2: lab/crash:1.0 -> A exits every 30 s; the lab re-pushes the tag to B after 60 s."""
    tag = {"digest": A, "size": 1000, "run": {"exit_after": exit_after, "exit_code": exit_code}}
    world = {
        "registries": [
            {"host": "docker.io", "repositories": [{"name": "lab/crash", "tags": {"1.0": tag}}]}
        ],
        "nodes": [{"name": "node-1"}],
    }
    if moves:
        world["timeline"] = [
            {"after": "60s", "move_tag": {"ref": "lab/crash:1.0", "digest": B, "size": 1000}}
        ]
    return world


def _status(tenant, name: str = "crash") -> dict:
    return tenant.store.get("pods", "lab", name)["status"]["containerStatuses"][0]


def test_l1_2_always_picks_up_the_moved_tag_on_restart_within_the_same_pod() -> None:
    simulator, clock, tenant = new_tenant(crash_world())
    uid = tenant.create("pods", "lab", pod("crash", "lab/crash:1.0", "Always", "node-1"))[
        "metadata"
    ]["uid"]
    run(simulator, clock, 20)
    assert _status(tenant)["imageID"].endswith(A)
    run(simulator, clock, 100)
    status = _status(tenant)
    assert status["imageID"] == f"docker.io/lab/crash@{B}"
    assert status["restartCount"] >= 1
    assert tenant.store.get("pods", "lab", "crash")["metadata"]["uid"] == uid
    pulling = [e for e in tenant.store.list("events") if e["reason"] == "Pulling"]
    assert pulling[0]["count"] >= 2  # EnsureImageExists ran again before the restart


def test_l1_2_wrong_path_if_not_present_keeps_the_old_digest() -> None:
    simulator, clock, tenant = new_tenant(crash_world())
    tenant.create("pods", "lab", pod("crash", "lab/crash:1.0", "IfNotPresent", "node-1"))
    run(simulator, clock, 120)
    status = _status(tenant)
    assert status["restartCount"] >= 2
    assert status["imageID"].endswith(A)
    assert any(
        m.startswith('Container image "lab/crash:1.0" already present')
        for _, _, m in events_of(tenant, "crash")
    )


def test_restarts_back_off_10_20_40_seconds_with_crash_loop_back_off() -> None:
    simulator, clock, tenant = new_tenant(crash_world(exit_after=1, moves=False))
    starts: list[float] = []
    tenant.store.subscribe(
        lambda change: (
            starts.append(tenant.clock.now())
            if change.resource == "events" and change.object["reason"] == "Started"
            else None
        )
    )
    tenant.create("pods", "lab", pod("crash", "lab/crash:1.0", "IfNotPresent", "node-1"))
    run(simulator, clock, 200)
    # each container runs 1 s; the first restart is immediate, then 10, 20, 40 s after a finish
    gaps = [round(b - a) for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps[:4] == [1, 11, 21, 41], gaps
    status = _status(tenant)
    waiting = status["state"].get("waiting") or {}
    if waiting:
        assert waiting["reason"] == "CrashLoopBackOff"
        assert waiting["message"].startswith("back-off ")
        assert "restarting failed container=web pod=crash_lab(" in waiting["message"]
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["lastState"]["terminated"]["reason"] == "Error"
    assert tenant.store.get("pods", "lab", "crash")["status"]["phase"] == "Running"
    back_off = [e for e in tenant.store.list("events") if e["reason"] == "BackOff"]
    assert back_off[0]["type"] == "Warning"
    assert back_off[0]["message"].startswith(
        "Back-off restarting failed container web in pod crash_lab("
    )


def test_restart_policy_never_leaves_the_pod_failed_or_succeeded() -> None:
    for code, phase, reason in ((1, "Failed", "Error"), (0, "Succeeded", "Completed")):
        simulator, clock, tenant = new_tenant(
            crash_world(exit_after=5, moves=False, exit_code=code)
        )
        tenant.create(
            "pods",
            "lab",
            pod("once", "lab/crash:1.0", "IfNotPresent", "node-1", restartPolicy="Never"),
        )
        run(simulator, clock, 30)
        status = _status(tenant, "once")
        assert status["state"]["terminated"]["reason"] == reason
        assert status["restartCount"] == 0
        assert tenant.store.get("pods", "lab", "once")["status"]["phase"] == phase


def test_the_moved_tag_is_visible_in_the_registry() -> None:
    simulator, clock, tenant = new_tenant(crash_world())
    run(simulator, clock, 61)
    from clusters.sim.registry import lookup_tag

    assert lookup_tag(tenant.registries, parse_normalized_named("lab/crash:1.0"))["digest"] == B


def test_behaviour_keys_may_sit_on_the_tag_entry_with_durations() -> None:
    """The lab drafts' form: `exit_after: 30s, exit_message: ...` directly on the tag."""
    tag = {"digest": A, "size": 1000, "exit_after": "30s", "exit_message": "build 1.0"}
    world = {
        "registries": [
            {"host": "docker.io", "repositories": [{"name": "lab/crash", "tags": {"1.0": tag}}]}
        ],
        "nodes": [{"name": "node-1"}],
    }
    simulator, clock, tenant = new_tenant(world)
    tenant.create("pods", "lab", pod("crash", "lab/crash:1.0", "IfNotPresent", "node-1"))
    run(simulator, clock, 40)
    last = _status(tenant)["lastState"]["terminated"]
    assert (last["exitCode"], last["message"]) == (1, "build 1.0")
