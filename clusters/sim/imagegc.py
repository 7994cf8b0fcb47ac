"""Image garbage collection on each node, as the kubelet's image GC manager does it.

Upstream: pkg/kubelet/images/image_gc_manager.go (GarbageCollect: above
imageGCHighThresholdPercent free down to imageGCLowThresholdPercent, least recently used first,
never an image in use or younger than imageMinimumGCAge; imageMaximumGCAge removes old unused
images whatever the disk), run every ImageGCPeriod (5 min, pkg/kubelet/kubelet.go).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

IMAGE_GC_PERIOD = 300.0
_QUANTITY_RE = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_UNITS = {
    None: 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def parse_quantity(text: str | int) -> int:
    """A resource.Quantity in bytes (`100Gi`, `500M`, a plain number)."""
    match = _QUANTITY_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"invalid quantity {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def in_use(t: Tenant, node: str) -> set[str]:
    """Digests of containers on the node that are not gone (running, starting or exited)."""
    used = set()
    for kube in t.kube_pods.values():
        if kube["node"] != node:
            continue
        for state in kube["containers"].values():
            if state.get("image_id"):
                used.add(state["image_id"].rpartition("@")[2])
    return used


def usage(t: Tenant, node: str) -> tuple[int, int]:
    """(bytes used on the image filesystem, its capacity)."""
    obj = t.store.get("nodes", "", node)
    capacity = parse_quantity(obj["status"]["capacity"]["ephemeral-storage"]) if obj else 1
    images = sum(e["size"] for e in t.caches[node]["images"].values())
    return images + int(t.node_disk_used.get(node, 0)), capacity


def usage_percent(used: int, capacity: int) -> int:
    """image_gc_manager.go: usagePercent := 100 - int(available*100/capacity)."""
    return 100 - int((capacity - used) * 100 / capacity)


def collect(t: Tenant, _: Any = None) -> None:
    """One GC pass over every node, then the next one in five minutes."""
    from clusters.sim.kubeletconfig import duration_seconds, effective

    now = t.clock.now()
    for node in sorted(t.caches):
        config = effective(t, node)
        min_age = duration_seconds(config["imageMinimumGCAge"])
        max_age = duration_seconds(config["imageMaximumGCAge"])
        images = t.caches[node]["images"]
        used_now = in_use(t, node)
        removed = False
        if max_age > 0:
            for digest in [
                d for d, e in images.items() if d not in used_now and now - e["last_used"] > max_age
            ]:
                del images[digest]
                removed = True
        used, capacity = usage(t, node)
        if usage_percent(used, capacity) >= config["imageGCHighThresholdPercent"]:
            to_free = used - capacity * config["imageGCLowThresholdPercent"] // 100
            freed = 0
            candidates = sorted(
                (e["last_used"], d)
                for d, e in images.items()
                if d not in used_now and now - e["last_used"] >= min_age
            )
            for _, digest in candidates:
                if freed >= to_free:
                    break
                freed += images.pop(digest)["size"]
                removed = True
            if freed < to_free:
                message = (
                    "Failed to garbage collect required amount of images. Attempted to free "
                    f"{to_free} bytes, but only found {freed} bytes eligible to free."
                )
                node_obj = t.store.get("nodes", "", node)
                involved = {
                    "kind": "Node",
                    "name": node,
                    "uid": node,
                    "apiVersion": "v1",
                    "namespace": "",
                }
                if node_obj is not None:
                    involved["uid"] = node_obj["metadata"]["uid"]
                t.recorder.record(
                    now, involved, "Warning", "ImageGCFailed", message, "kubelet", node
                )
        if removed:
            t.refresh_node_images(node)
    t.add_timer(IMAGE_GC_PERIOD, "image_gc")
