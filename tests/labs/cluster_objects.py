"""Pods and Events in the API's JSON, as the watch delivers them, for check and pipeline tests."""

import itertools
from typing import Any

IMAGE = "lab/web:1.0"
_versions = itertools.count(100)


def pod(
    name: str,
    node: str = "node-1",
    policy: str = "IfNotPresent",
    phase: str = "Pending",
    waiting: str | None = None,
    uid: str | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {"running": {"startedAt": "2026-11-28T12:00:00Z"}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": f"{waiting} for {IMAGE}"}}
    container_statuses = (
        [] if phase == "Pending" and not waiting else [{"name": "web", "state": state}]
    )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "lab-x",
            "uid": uid or f"uid-{name}",
            "resourceVersion": str(next(_versions)),
            "managedFields": [{"manager": "kubectl"}],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": "web", "image": IMAGE, "imagePullPolicy": policy}],
        },
        "status": {"phase": phase, "containerStatuses": container_statuses},
    }


def kubelet_event(
    of_pod: dict[str, Any], reason: str, message: str, type_: str = "Normal", count: int = 1
) -> dict[str, Any]:
    """An Event as the kubelet records it (pkg/kubelet/events/event.go reasons)."""
    meta = of_pod["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{reason.lower()}",
            "uid": f"ev-{meta['uid']}-{reason}",
            "resourceVersion": str(next(_versions)),
        },
        "involvedObject": {
            "kind": "Pod",
            "name": meta["name"],
            "uid": meta["uid"],
            "fieldPath": "spec.containers{web}",
        },
        "type": type_,
        "reason": reason,
        "message": message,
        "count": count,
    }


def already_present(of_pod):
    return kubelet_event(of_pod, "Pulled", f'Container image "{IMAGE}" already present on machine')


def pulling(of_pod):
    return kubelet_event(of_pod, "Pulling", f'Pulling image "{IMAGE}"')


def pulled(of_pod):
    message = (
        f'Successfully pulled image "{IMAGE}" in 112ms (112ms including waiting). '
        "Image size: 7340032 bytes."
    )
    return kubelet_event(of_pod, "Pulled", message)


def never_pull(of_pod):
    message = f'Container image "{IMAGE}" is not present with pull policy of Never'
    return kubelet_event(of_pod, "ErrImageNeverPull", message, type_="Warning")
