"""World actions an operator does on a node's container runtime: `rmi`, `load_image`, `disk`.

- `rmi: {node, ref}` is `crictl rmi REF` (cri-tools cmd/crictl/image.go): CRI RemoveImage
  removes the image with all its tags and prints `Deleted: <tag>` for each; a name the runtime
  does not have is `no such image REF`. containerd's CRI does not refuse an image a container
  uses (containerd/containerd#6192; the check proposed in containerd/cri#994 was never merged;
  CRI-O refuses with "image is in use by a container"). The running container goes on, but
  the image is gone from the node: the next start of that image pulls it again.
- `load_image: {nodes, ref, digest, size}` is `kind load docker-image` / `ctr -n k8s.io images
  import`: the image is on the node without the kubelet having pulled it, so KEP-2535 treats it
  as preloaded (no pull record).
- `disk: {node, imagefs_used_percent}` fills or frees the image filesystem with other files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim.imagegc import usage, usage_percent
from clusters.sim.noderegistry import target_nodes
from clusters.sim.nodes import cached_digest
from clusters.sim.reference import InvalidReference, parse_normalized_named

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def rmi(t: Tenant, spec: dict[str, Any]) -> str:
    from clusters.sim.world import WorldChangeRefused

    (node,) = target_nodes(t, spec["node"])
    text = spec["ref"]
    images = t.caches[node]["images"]
    try:
        ref = parse_normalized_named(text)
        digest = cached_digest(t.caches[node], ref)
    except InvalidReference:
        digest = None
    if digest is None:
        raise WorldChangeRefused(f"{node}: no such image {text}")
    entry = images.pop(digest)
    t.refresh_node_images(node)
    deleted = entry["names"] or [f"{entry['repo']}@{digest}"]
    return f"{node}: " + ", ".join(f"Deleted: {name}" for name in deleted)


def load_image(t: Tenant, spec: dict[str, Any]) -> str:
    from clusters.sim.world import seed_cache

    nodes = target_nodes(t, spec["nodes"])
    image = {k: spec[k] for k in ("ref", "digest", "size") if k in spec}
    if "ref" not in image:
        raise KeyError("ref")
    for node in nodes:
        seed_cache(t, node, image)
        t.refresh_node_images(node)
    return f'Image: "{spec["ref"]}" loaded onto {", ".join(nodes)} (preloaded, no pull record)'


def disk(t: Tenant, spec: dict[str, Any]) -> str:
    from clusters.sim.world import WorldChangeRefused

    (node,) = target_nodes(t, spec["node"])
    percent = spec["imagefs_used_percent"]
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValueError("imagefs_used_percent must be a whole number from 0 to 100")
    used, capacity = usage(t, node)
    images = used - int(t.node_disk_used.get(node, 0))
    other = capacity * percent // 100 - images
    if other < 0:
        raise WorldChangeRefused(
            f"{node}: its images alone use {usage_percent(images, capacity)} % of the image "
            "filesystem; remove images instead"
        )
    t.node_disk_used[node] = other
    return f"{node}: image filesystem {usage_percent(other + images, capacity)} % used"
