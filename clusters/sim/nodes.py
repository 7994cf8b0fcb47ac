"""Nodes: their API objects and their image caches (what `crictl images` would list).

A cache is a plain dict: {"images": {digest: {"repo", "names", "size", "last_used"}}}. Names
are normalised (`docker.io/lab/web:1.0`), as containerd stores them.
"""

from __future__ import annotations

from typing import Any

from clusters.sim.ids import rfc3339
from clusters.sim.reference import ImageReference

KUBELET_VERSION = "v1.35.2"
# The runtime whose pull error texts registry.py uses: containerd 1.6.20, as recorded in
# platform/recorded/containerd-1.6/*.json ("versions.containerd"). A node must not claim a
# runtime whose words differ from the ones its pulls print.
CONTAINER_RUNTIME_VERSION = "containerd://1.6.20"
NODE_STATUS_MAX_IMAGES = 50  # KubeletConfiguration nodeStatusMaxImages
MAX_NAMES_PER_IMAGE = 5  # pkg/kubelet/nodestatus/setters.go maxNamesPerImageInNodeStatus


def new_cache() -> dict[str, Any]:
    return {"images": {}}


def cached_digest(cache: dict[str, Any], ref: ImageReference) -> str | None:
    """What GetImageRef finds for `ref` on this node: by digest if given, else by tag name."""
    images = cache["images"]
    if ref.digest:
        entry = images.get(ref.digest)
        return ref.digest if entry is not None and entry["repo"] == ref.name else None
    wanted = f"{ref.name}:{ref.tag or 'latest'}"
    for digest, entry in images.items():
        if wanted in entry["names"]:
            return digest
    return None


def add_image(
    cache: dict[str, Any],
    ref: ImageReference,
    digest: str,
    size: int,
    now: float,
    credentials: str | None = None,
) -> None:
    """Store a pulled image; a tag name moves off any image it pointed to before.

    `credentials` records who pulled it for the KEP-2535 check: "" for an anonymous pull (any
    pod may use it), a key of the pod's credentials for a private one, None for an image that
    was preloaded on the node.
    """
    images = cache["images"]
    name = f"{ref.name}:{ref.tag}" if ref.tag else None
    if name:
        for entry in images.values():
            if name in entry["names"]:
                entry["names"].remove(name)
    entry = images.setdefault(
        digest, {"repo": ref.name, "names": [], "size": size, "last_used": now}
    )
    if name and name not in entry["names"]:
        entry["names"].append(name)
    entry["last_used"] = now
    if credentials is None:
        entry.setdefault("preloaded", True)
    elif credentials not in entry.setdefault("pulled_with", []):
        entry["pulled_with"].append(credentials)


def node_images_status(cache: dict[str, Any]) -> list[dict[str, Any]]:
    """node.status.images: largest first, capped, up to 5 names each (repo@digest first)."""
    rows = []
    for digest, entry in sorted(cache["images"].items(), key=lambda kv: (-kv[1]["size"], kv[0])):
        names = [f"{entry['repo']}@{digest}", *entry["names"]][:MAX_NAMES_PER_IMAGE]
        rows.append({"names": names, "sizeBytes": entry["size"]})
    return rows[:NODE_STATUS_MAX_IMAGES]


def node_object(
    spec: dict[str, Any], index: int, uid: str, now: float, cache: dict[str, Any]
) -> dict[str, Any]:
    name = spec["name"]
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        **(spec.get("labels") or {}),
    }
    address = f"172.18.0.{index + 2}"
    capacity = {
        "cpu": str(spec.get("cpu", "4")),
        "ephemeral-storage": str(spec.get("disk", "100Gi")),
        "hugepages-2Mi": "0",
        "memory": str(spec.get("memory", "8Gi")),
        "pods": str(spec.get("pods", "110")),
        # device plugins' resources (e.g. `example.com/dongle: 2`), as a node advertises them
        **{name: str(value) for name, value in (spec.get("extended_resources") or {}).items()},
    }
    stamp = rfc3339(now)
    conditions = [
        (
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": uid,
            "creationTimestamp": stamp,
            "labels": labels,
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {
            "podCIDR": f"10.244.{index + 1}.0/24",
            "podCIDRs": [f"10.244.{index + 1}.0/24"],
            "providerID": f"sim://{name}",
            **({"unschedulable": True} if spec.get("unschedulable") else {}),
            **({"taints": spec["taints"]} if spec.get("taints") else {}),
        },
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [
                {
                    "type": t,
                    "status": s,
                    "reason": r,
                    "message": m,
                    "lastHeartbeatTime": stamp,
                    "lastTransitionTime": stamp,
                }
                for t, s, r, m in conditions
            ],
            "addresses": [
                {"type": "InternalIP", "address": address},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": uid.replace("-", ""),
                "systemUUID": uid,
                "bootID": uid,
                "kernelVersion": "6.1.0-sim",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": node_images_status(cache),
        },
    }


def node_address(node: dict[str, Any]) -> str:
    return next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")


def _expression_matches(expression: dict[str, Any], value: str | None) -> bool:
    """A NodeSelectorRequirement (In, NotIn, Exists, DoesNotExist) against a label or field."""
    operator, values = expression.get("operator"), expression.get("values") or []
    if operator == "In":
        return value in values
    if operator == "NotIn":
        return value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    return False


def _affinity_matches(pod: dict[str, Any], node: dict[str, Any]) -> bool:
    """requiredDuringSchedulingIgnoredDuringExecution: any term, all its requirements."""
    affinity = ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    labels = node["metadata"].get("labels") or {}
    fields = {"metadata.name": node["metadata"]["name"]}
    return any(
        all(
            _expression_matches(e, labels.get(e.get("key")))
            for e in term.get("matchExpressions") or []
        )
        and all(
            _expression_matches(e, fields.get(e.get("key"))) for e in term.get("matchFields") or []
        )
        for term in terms
    )


def selector_fits(pod: dict[str, Any], node: dict[str, Any]) -> bool:
    """The NodeAffinity filter plugin: nodeSelector and required node affinity."""
    selector = (pod.get("spec") or {}).get("nodeSelector") or {}
    labels = node["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items()) and _affinity_matches(pod, node)
