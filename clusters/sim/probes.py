"""Readiness and liveness probes.

Upstream: pkg/kubelet/prober/worker.go (the first probe after initialDelaySeconds, then every
periodSeconds; successThreshold passes make a container ready, failureThreshold failures of a
liveness probe kill it) and prober.go (the `Readiness probe failed: ...` / `Liveness probe
failed: ...` Unhealthy events, and `Container X failed liveness probe, will be restarted`).

What a probe finds comes from the image's `run`: `ready: false` fails readiness,
`healthy_for: N` fails liveness N seconds after the start (`live: false` at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim.registry import image_behaviour

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

SIGKILL_EXIT_CODE = 137


def start_probing(t: Tenant, uid: str, container: dict[str, Any], container_id: str) -> bool:
    """Arm the container's probes; True when a readiness probe must pass before it is ready."""
    for kind in ("readiness", "liveness"):
        spec = container.get(f"{kind}Probe")
        if spec:
            payload = {
                "uid": uid,
                "container": container["name"],
                "container_id": container_id,
                "kind": kind,
                "count": 0,
            }
            t.add_timer(float(spec.get("initialDelaySeconds", 0)), "kubelet_probe", payload)
    return bool(container.get("readinessProbe"))


def _failure_message(kind: str, probe: dict[str, Any]) -> str:
    prefix = f"{kind.capitalize()} probe failed: "
    if "httpGet" in probe:
        return prefix + f"HTTP probe failed with statuscode: {503 if kind == 'readiness' else 500}"
    if "tcpSocket" in probe:
        port = probe["tcpSocket"].get("port", "")
        return prefix + f"dial tcp 10.244.0.1:{port}: connect: connection refused"
    return prefix


def _passes(kind: str, run: dict[str, Any], age: float) -> bool:
    if kind == "readiness":
        return run.get("ready", True) is not False
    healthy_for = run.get("healthy_for")
    return run.get("live", True) is not False and (healthy_for is None or age < float(healthy_for))


def probe(t: Tenant, payload: dict[str, Any]) -> None:
    from clusters.sim import kubelet

    current = kubelet.current_pod(t, payload["uid"])
    if current is None:
        return
    pod, kube = current
    name, kind = payload["container"], payload.get("kind", "readiness")
    state = kube["containers"][name]
    if state["state"] != "running" or state.get("container_id") != payload["container_id"]:
        return
    container = next(c for c in kubelet.all_containers(pod) if c["name"] == name)
    spec = container.get(f"{kind}Probe") or {}
    period = float(spec.get("periodSeconds", 10))
    run = image_behaviour(t.registries, state.get("image_id", "").rpartition("@")[2])
    if not _passes(kind, run, t.clock.now() - state["started_at"]):
        message = _failure_message(kind, spec)
        kubelet.record(t, pod, name, "Warning", "Unhealthy", message, kube["node"])
        failures = payload["count"] + 1 if kind == "liveness" else 0
        if kind == "liveness" and failures >= int(spec.get("failureThreshold", 3)):
            message = f"Container {name} failed liveness probe, will be restarted"
            kubelet.record(t, pod, name, "Normal", "Killing", message, kube["node"])
            kubelet.exited(t, {**payload, "exit_code": SIGKILL_EXIT_CODE})
            return
        t.add_timer(period, "kubelet_probe", {**payload, "count": failures})
        return
    if kind == "liveness":
        t.add_timer(period, "kubelet_probe", {**payload, "count": 0})
        return
    passes = payload["count"] + 1
    if passes < int(spec.get("successThreshold", 1)):
        t.add_timer(period, "kubelet_probe", {**payload, "count": passes})
        return
    state["ready"] = True
    kubelet.write_status(t, payload["uid"])
