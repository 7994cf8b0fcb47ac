"""The `scale` subresource of Deployments and ReplicaSets (autoscaling/v1 Scale), which
`kubectl scale` reads and patches."""

from __future__ import annotations

import json
from typing import Any

from clusters.sim import errors
from clusters.sim.patching import PatchError, apply_patch
from clusters.sim.tenant import Tenant


def scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        },
        "spec": {"replicas": obj["spec"].get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


def set_scale(
    tenant: Tenant, resource: str, namespace: str | None, name: str, scale: Any, dry_run: bool
) -> dict[str, Any]:
    replicas = (
        ((scale or {}).get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
    )
    if not isinstance(replicas, int) or replicas < 0:
        field = errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
        raise errors.invalid_object("Scale", name, [field], "autoscaling")
    patch = json.dumps({"spec": {"replicas": replicas}})
    updated = tenant.patch(
        resource, namespace, name, "application/merge-patch+json", patch, dry_run
    )
    return scale_of(updated)


def patch_scale(
    tenant: Tenant,
    resource: str,
    namespace: str | None,
    name: str,
    content_type: str,
    patch: bytes,
    dry_run: bool,
) -> dict[str, Any]:
    current = scale_of(tenant.get(resource, namespace, name))
    try:
        wanted = apply_patch(current, patch, content_type, "Scale")
    except PatchError as err:
        raise errors.ApiError(err.status()) from err
    return set_scale(tenant, resource, namespace, name, wanted, dry_run)
