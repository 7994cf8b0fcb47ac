"""A pod's status as the kubelet's status manager writes it.

Upstream: pkg/kubelet/kubelet_pods.go (generateAPIPodStatus, getPhase),
pkg/kubelet/status/generate.go (GeneratePodReadyCondition, GenerateContainersReadyCondition,
GeneratePodInitializedCondition) and the PodReadyToStartContainers condition.
"""

from __future__ import annotations

from typing import Any

from clusters.sim.ids import rfc3339

CONDITION_ORDER = [
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
]


def _condition(
    type_: str,
    status: str,
    now: float,
    previous: dict[str, dict],
    reason: str = "",
    message: str = "",
) -> dict:
    old = previous.get(type_)
    since = old["lastTransitionTime"] if old and old.get("status") == status else rfc3339(now)
    condition: dict[str, Any] = {
        "type": type_,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": since,
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def container_status(
    container: dict[str, Any], state: dict[str, Any], init: bool = False, waiting_for: str = ""
) -> dict[str, Any]:
    """One entry of status.containerStatuses from the kubelet's view of the container.

    An init container is ready once it has completed successfully; a regular container waits
    with `PodInitializing` (`waiting_for`) until then.
    """
    running = state["state"] == "running"
    completed = state["state"] == "terminated" and state["terminated"]["exitCode"] == 0
    if running:
        current = {"running": {"startedAt": rfc3339(state["started_at"])}}
    elif state.get("terminated"):
        current = {"terminated": state["terminated"]}
    else:
        waiting = {"reason": waiting_for or state.get("reason") or "ContainerCreating"}
        if state.get("message"):
            waiting["message"] = state["message"]
        current = {"waiting": waiting}
    status: dict[str, Any] = {
        "name": container["name"],
        "state": current,
        "lastState": state.get("last_state") or {},
        "ready": completed if init else running and state.get("ready", True),
        "restartCount": state.get("restarts", 0),
        "image": state.get("status_image") or container["image"],
        "imageID": state.get("image_id", "")
        if "waiting" not in current or state.get("last_state")
        else "",
        "started": running,
    }
    if state.get("container_id") and ("waiting" not in current or state.get("last_state")):
        status["containerID"] = state["container_id"]
    return status


def pod_phase(
    restart_policy: str, states: list[dict[str, Any]], inits: list[dict[str, Any]] = ()
) -> str:
    """kubelet_pods.go getPhase: Pending while initializing, Failed if an init container failed
    for good, else from the regular containers."""
    for init in inits:
        done = init.get("terminated") or {}
        if init["state"] == "terminated" and done.get("exitCode") != 0:
            return "Failed"
        if not (init["state"] == "terminated" and done.get("exitCode") == 0):
            return "Pending"
    if any(s["state"] == "running" for s in states):
        return "Running"
    if all(s["state"] == "terminated" for s in states):
        failed = any(s["terminated"]["exitCode"] != 0 for s in states)
        return "Failed" if failed else "Succeeded"
    started_before = any(
        s.get("last_state") or s["state"] in ("exited", "terminated") for s in states
    )
    return "Running" if started_before and restart_policy != "Never" else "Pending"


def pod_status(
    pod: dict[str, Any], kube: dict[str, Any], host_ip: str, now: float
) -> dict[str, Any]:
    """The whole status for a pod bound to a node, from the kubelet's state `kube`."""
    old = pod.get("status") or {}
    previous = {c["type"]: c for c in old.get("conditions") or []}
    containers = pod["spec"]["containers"]
    inits = pod["spec"].get("initContainers") or []
    ephemerals = pod["spec"].get("ephemeralContainers") or []
    states = kube["containers"]
    init_statuses = [container_status(c, states[c["name"]], init=True) for c in inits]
    incomplete = [s["name"] for s in init_statuses if not s["ready"]]
    waiting_for = "PodInitializing" if incomplete else ""
    statuses = [container_status(c, states[c["name"]], waiting_for=waiting_for) for c in containers]
    unready = [s["name"] for s in statuses if not s["ready"]]
    all_ready = not unready
    message = f"containers with unready status: [{' '.join(unready)}]" if unready else ""
    conditions = {
        "PodReadyToStartContainers": _condition(
            "PodReadyToStartContainers", "True" if kube["sandbox"] else "False", now, previous
        ),
        "Initialized": _condition(
            "Initialized",
            "False" if incomplete else "True",
            now,
            previous,
            "ContainersNotInitialized" if incomplete else "",
            f"containers with incomplete status: [{' '.join(incomplete)}]" if incomplete else "",
        ),
        "Ready": _condition(
            "Ready",
            "True" if all_ready else "False",
            now,
            previous,
            "" if all_ready else "ContainersNotReady",
            message,
        ),
        "ContainersReady": _condition(
            "ContainersReady",
            "True" if all_ready else "False",
            now,
            previous,
            "" if all_ready else "ContainersNotReady",
            message,
        ),
        "PodScheduled": previous.get("PodScheduled")
        or _condition("PodScheduled", "True", now, previous),
    }
    status: dict[str, Any] = {
        "observedGeneration": pod["metadata"].get("generation", 1),
        "phase": pod_phase(
            pod["spec"].get("restartPolicy", "Always"),
            [states[c["name"]] for c in containers],
            [states[c["name"]] for c in inits],
        ),
        "conditions": [conditions[t] for t in CONDITION_ORDER],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": rfc3339(kube["start_time"]),
        **({"initContainerStatuses": init_statuses} if inits else {}),
        "containerStatuses": statuses,
        **(
            {
                "ephemeralContainerStatuses": [
                    container_status(c, states[c["name"]])
                    for c in ephemerals
                    if c["name"] in states
                ]
            }
            if ephemerals
            else {}
        ),
        "qosClass": old.get("qosClass", "BestEffort"),
    }
    if kube.get("ip"):
        status["podIP"] = kube["ip"]
        status["podIPs"] = [{"ip": kube["ip"]}]
    return status


def pod_reason(pod: dict[str, Any]) -> tuple[str, int, int, int, str]:
    """What `kubectl get pods` prints as STATUS (pkg/printers/internalversion/printers.go
    printPod): (reason, ready, total, restarts, last restart stamp)."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    total = len(spec.get("containers") or [])
    ready = restarts = 0
    last_restart = ""
    initializing = False
    for index, init in enumerate(status.get("initContainerStatuses") or []):
        restarts += init.get("restartCount", 0)
        state = init.get("state") or {}
        terminated = state.get("terminated")
        if terminated and terminated.get("exitCode") == 0:
            continue
        if terminated:
            reason = "Init:" + (
                terminated.get("reason") or f"ExitCode:{terminated.get('exitCode')}"
            )
        elif (state.get("waiting") or {}).get("reason") and state["waiting"][
            "reason"
        ] != "PodInitializing":
            reason = "Init:" + state["waiting"]["reason"]
        else:
            reason = f"Init:{index}/{len(spec.get('initContainers') or [])}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount", 0)
            state = container.get("state") or {}
            last = (container.get("lastState") or {}).get("terminated") or {}
            if last.get("finishedAt") and last["finishedAt"] > last_restart:
                last_restart = last["finishedAt"]
            if (state.get("waiting") or {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif (state.get("terminated") or {}).get("reason"):
                reason = state["terminated"]["reason"]
            elif state.get("terminated"):
                term = state["terminated"]
                reason = (
                    f"Signal:{term['signal']}"
                    if term.get("signal")
                    else f"ExitCode:{term.get('exitCode', 0)}"
                )
            elif container.get("ready") and state.get("running"):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            conditions = {c["type"]: c["status"] for c in status.get("conditions") or []}
            reason = "Running" if conditions.get("Ready") == "True" else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, restarts, last_restart
