"""`pods/log`: a few lines per running container, and the kubelet's refusals otherwise.

Upstream: pkg/kubelet/kubelet_pods.go validateContainerLogStatus (the "is waiting to start"
wording) and pkg/registry/core/pod/strategy.go (a container name is needed with several).
"""

from __future__ import annotations

from typing import Any

from clusters.sim import errors
from clusters.sim.ids import parse_rfc3339, rfc3339


def pod_log(pod: dict[str, Any], query: Any, now: float) -> str:
    name = pod["metadata"]["name"]
    containers = [c["name"] for c in pod["spec"]["containers"]]
    wanted = query.get("container")
    if not wanted:
        if len(containers) > 1:
            choices = " ".join(containers)
            raise errors.bad_request(
                f"a container name must be specified for pod {name}, choose one of: [{choices}]"
            )
        wanted = containers[0]
    if wanted not in containers:
        raise errors.bad_request(f"container {wanted} is not valid for pod {name}")
    status = next(
        (
            s
            for s in (pod.get("status") or {}).get("containerStatuses") or []
            if s["name"] == wanted
        ),
        None,
    )
    running = (status or {}).get("state", {}).get("running")
    if not running:
        reason = ((status or {}).get("state", {}).get("waiting") or {}).get(
            "reason", "ContainerCreating"
        )
        if reason in ("ErrImagePull", "ImagePullBackOff"):
            reason = "trying and failing to pull image"
        raise errors.bad_request(
            f'container "{wanted}" in pod "{name}" is waiting to start: {reason}'
        )
    started = parse_rfc3339(running["startedAt"])
    image = status.get("image", "")
    lines = [
        (started, f"starting {wanted} from {image}"),
        (started, f"image digest {status.get('imageID', '').split('@')[-1]}"),
        (started + 0.1, "listening on :8080"),
    ]
    tail = query.get("tailLines")
    if tail is not None and tail.isdigit():
        lines = lines[-int(tail) :] if int(tail) else []
    stamps = (query.get("timestamps") or "").lower() == "true"
    del now
    return "".join(f"{rfc3339(t)} {text}\n" if stamps else f"{text}\n" for t, text in lines)
