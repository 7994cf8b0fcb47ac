"""Readiness probes: a started container is Ready only once its probe passes.

Upstream: pkg/kubelet/prober/worker.go (the first probe after initialDelaySeconds, then every
periodSeconds; successThreshold successes make it ready) and prober.go (the `Readiness probe
failed: ...` Unhealthy events). A probe passes unless the image's `run` says `ready: false`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim.registry import image_behaviour

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def start_probing(t: Tenant, uid: str, container: dict[str, Any], container_id: str) -> bool:
    """Arm the readiness probe; False when the container has none (it is ready at once)."""
    probe = container.get("readinessProbe")
    if not probe:
        return False
    payload = {
        "uid": uid,
        "container": container["name"],
        "container_id": container_id,
        "passes": 0,
    }
    t.add_timer(float(probe.get("initialDelaySeconds", 0)), "kubelet_probe", payload)
    return True


def _failure_message(probe: dict[str, Any]) -> str:
    if "httpGet" in probe:
        return "Readiness probe failed: HTTP probe failed with statuscode: 503"
    if "tcpSocket" in probe:
        port = probe["tcpSocket"].get("port", "")
        return f"Readiness probe failed: dial tcp 10.244.0.1:{port}: connect: connection refused"
    return "Readiness probe failed: "


def probe(t: Tenant, payload: dict[str, Any]) -> None:
    from clusters.sim import kubelet

    current = kubelet.current_pod(t, payload["uid"])
    if current is None:
        return
    pod, kube = current
    name = payload["container"]
    state = kube["containers"][name]
    if state["state"] != "running" or state.get("container_id") != payload["container_id"]:
        return
    container = next(c for c in kubelet.all_containers(pod) if c["name"] == name)
    spec = container.get("readinessProbe") or {}
    period = float(spec.get("periodSeconds", 10))
    run = image_behaviour(t.registries, state.get("image_id", "").rpartition("@")[2])
    if run.get("ready", True) is False:
        kubelet.record(t, pod, name, "Warning", "Unhealthy", _failure_message(spec), kube["node"])
        t.add_timer(period, "kubelet_probe", {**payload, "passes": 0})
        return
    passes = payload["passes"] + 1
    if passes < int(spec.get("successThreshold", 1)):
        t.add_timer(period, "kubelet_probe", {**payload, "passes": passes})
        return
    state["ready"] = True
    kubelet.write_status(t, payload["uid"])
