"""A lab world's live status: what a real cluster would tell through a node agent (`crictl
images`, the kubelet's /configz, `df` of the image filesystem) and the API server's flags.

Served in the LabWorld's `status` (docs/architecture.md, "World status"), with the keys of
clusters/sim/noderegistry.py (trust, hosts, credential_providers) and registrylog.py
(`registries`: down, requests, pulls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import noderegistry
from clusters.sim.ids import rfc3339
from clusters.sim.imagegc import usage, usage_percent
from clusters.sim.kubeletconfig import effective
from clusters.sim.registrylog import registries_status

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def world_status(t: Tenant) -> dict[str, Any]:
    return {
        "nodes": {node: node_status(t, node) for node in sorted(t.caches)},
        "registries": registries_status(t.registries),
        "apiserver": {"enableAdmissionPlugins": list(t.apiserver["enableAdmissionPlugins"])},
    }


def node_status(t: Tenant, node: str) -> dict[str, Any]:
    used, capacity = usage(t, node)
    return {
        "cache": cache_rows(t.caches[node]),
        "kubelet": effective(t, node),
        "kubelet_error": t.kubelet_errors.get(node),
        "imagefs_used_percent": usage_percent(used, capacity),
        **noderegistry.node_status(t, node),  # trust, hosts, credential_providers
    }


def cache_rows(cache: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per image name on the node, as `crictl images` lists them (an untagged image
    once, by repository@digest); `preloaded` when the kubelet never pulled it (KEP-2535)."""
    rows = []
    for digest, entry in sorted(cache["images"].items()):
        for ref in entry["names"] or [f"{entry['repo']}@{digest}"]:
            rows.append(
                {
                    "ref": ref,
                    "digest": digest,
                    "size": entry["size"],
                    "last_used": rfc3339(entry["last_used"]),
                    "preloaded": bool(entry.get("preloaded")) and not entry.get("pulled_with"),
                }
            )
    return sorted(rows, key=lambda row: row["ref"])
