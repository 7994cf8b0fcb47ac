"""Readiness probes (pkg/kubelet/prober/worker.go): Ready only after the probe passes."""

from __future__ import annotations

from tests.sim.worlds import lab1_world, new_tenant, pod, run


def _probed_pod(delay: int = 5) -> dict:
    body = pod("web", policy="IfNotPresent", node="node-1")
    body["spec"]["containers"][0]["readinessProbe"] = {
        "httpGet": {"path": "/", "port": 8080},
        "initialDelaySeconds": delay,
        "periodSeconds": 10,
    }
    return body


def _ready(tenant) -> tuple[bool, str]:
    status = tenant.store.get("pods", "lab", "web")["status"]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    return status["containerStatuses"][0]["ready"], ready["status"]


def test_a_container_is_ready_only_after_its_initial_delay() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", _probed_pod(delay=5))
    run(simulator, clock, 3)
    assert _ready(tenant) == (False, "False")
    assert tenant.store.get("pods", "lab", "web")["status"]["phase"] == "Running"
    run(simulator, clock, 5)
    assert _ready(tenant) == (True, "True")


def test_a_failing_probe_keeps_it_unready_with_unhealthy_events() -> None:
    world = lab1_world()
    world["registries"][0]["repositories"][0]["tags"]["1.0"]["run"] = {"ready": False}
    simulator, clock, tenant = new_tenant(world)
    tenant.create("pods", "lab", _probed_pod(delay=0))
    run(simulator, clock, 35)
    assert _ready(tenant) == (False, "False")
    unhealthy = [e for e in tenant.store.list("events") if e["reason"] == "Unhealthy"]
    assert (
        unhealthy[0]["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    )
    assert unhealthy[0]["count"] == 4  # at 0, 10, 20 and 30 s


def test_a_failing_liveness_probe_restarts_the_container_and_always_needs_the_registry() -> None:
    """Brief area 15: a liveness restart under Always during a registry outage cannot start."""
    world = lab1_world(timeline=[{"after": "20s", "registry_down": "docker.io"}])
    world["registries"][0]["repositories"][0]["tags"]["1.0"]["run"] = {"healthy_for": 30}
    simulator, clock, tenant = new_tenant(world)
    body = pod("web", policy="Always", node="node-1")
    body["spec"]["containers"][0]["livenessProbe"] = {
        "httpGet": {"path": "/", "port": 8080},
        "periodSeconds": 10,
    }
    tenant.create("pods", "lab", body)
    run(simulator, clock, 70)
    events = [(e["reason"], e["message"]) for e in tenant.store.list("events")]
    assert ("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500") in events
    assert ("Killing", "Container web failed liveness probe, will be restarted") in events
    status = tenant.store.get("pods", "lab", "web")["status"]["containerStatuses"][0]
    assert status["lastState"]["terminated"]["exitCode"] == 137
    assert status["restartCount"] == 1
    assert status["state"]["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")
    assert "connection refused" in status["state"]["waiting"]["message"]
