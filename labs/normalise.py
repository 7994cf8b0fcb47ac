"""Turn watched Kubernetes objects into session event payloads (pure functions, no I/O)."""

from typing import Any

# A pure function over the API's Pod JSON (no simulator state), so it holds for any cluster.
from clusters.sim.podstatus import pod_reason

# managedFields' field sets are large and no check needs them; who wrote the object (manager,
# operation) is kept, so a check can tell `kubectl apply` from `kubectl create`.
_MANAGED_FIELDS_KEPT = ("manager", "operation", "apiVersion")


def _managers(managed_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: entry[k] for k in _MANAGED_FIELDS_KEPT if k in entry} for entry in managed_fields]


def pod_display_status(pod: dict[str, Any]) -> str:
    """The STATUS column of `kubectl get pods` (printPod, shared with the simulator's Table)."""
    return pod_reason(pod)[0]


def pod_payload(watch_type: str, pod: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A `pod` event payload and its dedupe key from one watch event or list item."""
    metadata = dict(pod["metadata"])
    if metadata.get("managedFields"):
        metadata["managedFields"] = _managers(metadata["managedFields"])
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
