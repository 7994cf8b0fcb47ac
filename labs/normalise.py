"""Turn watched Kubernetes objects into session event payloads (pure functions, no I/O)."""

from typing import Any

# Pods carry fields no check or page needs; dropping them keeps stored events small.
_POD_METADATA_DROPPED = ("managedFields",)


def pod_display_status(pod: dict[str, Any]) -> str:
    """The STATUS column of `kubectl get pods`.

    Follows printPod in kubernetes pkg/printers/internalversion/printers.go: the phase, replaced
    by the pod's reason, then by an init container's or a container's waiting or terminated
    reason, and "Terminating" once a deletion timestamp is set.
    """
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    init_statuses = status.get("initContainerStatuses") or []
    for index, container in enumerate(init_statuses):
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        if terminated:
            reason = "Init:" + (
                terminated.get("reason") or f"ExitCode:{terminated.get('exitCode')}"
            )
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_statuses)}"
        break
    else:
        for container in reversed(status.get("containerStatuses") or []):
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated:
                reason = f"ExitCode:{terminated.get('exitCode')}"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


def pod_payload(watch_type: str, pod: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A `pod` event payload and its dedupe key from one watch event or list item."""
    metadata = {k: v for k, v in pod["metadata"].items() if k not in _POD_METADATA_DROPPED}
    pod = {**pod, "metadata": metadata}
    uid, version = metadata.get("uid", ""), metadata.get("resourceVersion", "")
    payload = {
        "watch": watch_type,
        "object": pod,
        "summary": {
            "name": metadata["name"],
            "uid": uid,
            "status": "Deleted" if watch_type == "DELETED" else pod_display_status(pod),
            "node": (pod.get("spec") or {}).get("nodeName") or "",
        },
    }
    key = f"pod:{uid}:deleted" if watch_type == "DELETED" else f"pod:{uid}:{version}"
    return payload, key


def normalise_event(event: dict[str, Any]) -> dict[str, Any]:
    """The Event shape checks read (docs/lab-authoring.md)."""
    involved = event.get("involvedObject") or {}
    return {
        "type": event.get("type", ""),
        "reason": event.get("reason", ""),
        "message": event.get("message", ""),
        "kind": involved.get("kind", ""),
        "name": involved.get("name", ""),
        "uid": involved.get("uid", ""),
        "fieldPath": involved.get("fieldPath", ""),
        "count": event.get("count") or 1,
    }


def event_payload(watch_type: str, event: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """An `event` payload and its dedupe key, or None for a deleted (expired) Event."""
    if watch_type == "DELETED":
        # Events expire after the apiserver's --event-ttl; what happened still happened.
        return None
    metadata = event.get("metadata") or {}
    uid = metadata.get("uid", "")
    payload = {"watch": watch_type, "id": uid, "event": normalise_event(event)}
    return payload, f"event:{uid}:{metadata.get('resourceVersion', '')}"
