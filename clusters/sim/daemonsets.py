"""DaemonSets: one pod on every node that fits, the image pre-pull pattern's workload.

Upstream: pkg/controller/daemon (daemon_controller.go manage: a pod per eligible node, bound by
the default scheduler through a `matchFields metadata.name` node affinity; util/daemonset_util.go
AddOrUpdateDaemonPodTolerations; update.go rollingUpdate with maxUnavailable 1), and
pkg/apis/apps/v1/defaults.go SetDefaults_DaemonSet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim.nodes import selector_fits
from clusters.sim.store import deep_copy
from clusters.sim.workloads import (
    active,
    create_pod_for,
    delete_pod_of,
    is_ready,
    may_create,
    owned_by,
    owner_ref,
    pod_template_hash,
)

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

REVISION_LABEL = "controller-revision-hash"
CONTROLLER = "daemonset-controller"
DAEMON_TOLERATIONS = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
]


def default_daemonset(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {}).setdefault("maxUnavailable", 1)
        strategy["rollingUpdate"].setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)


def _daemon_pod(daemonset: dict[str, Any], node: str, hash_: str) -> dict[str, Any]:
    meta = daemonset["metadata"]
    template = deep_copy(daemonset["spec"]["template"])
    labels = {
        **(template.get("metadata") or {}).get("labels", {}),
        REVISION_LABEL: hash_,
        "pod-template-generation": str(meta.get("generation", 1)),
    }
    spec = template["spec"]
    spec["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
    }
    present = {t.get("key") for t in spec.get("tolerations") or []}
    spec["tolerations"] = [
        *(spec.get("tolerations") or []),
        *(
            {"key": key, "operator": "Exists", "effect": effect}
            for key, effect in DAEMON_TOLERATIONS
            if key not in present
        ),
    ]
    return {
        "metadata": {
            **(template.get("metadata") or {}),
            "labels": labels,
            "generateName": f"{meta['name']}-",
            "ownerReferences": [owner_ref(daemonset)],
        },
        "spec": spec,
    }


def _target_node(pod: dict[str, Any]) -> str:
    """The node a daemon pod is for (its nodeName, or its matchFields affinity)."""
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    terms = (
        ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or [{}]
    fields = terms[0].get("matchFields") or [{}]
    return (fields[0].get("values") or [""])[0]


def sync_daemonset(t: Tenant, daemonset: dict[str, Any]) -> None:
    hash_ = pod_template_hash(daemonset["spec"]["template"])
    template_probe = {"spec": daemonset["spec"]["template"].get("spec") or {}}
    eligible = [
        n["metadata"]["name"] for n in t.store.list("nodes") if selector_fits(template_probe, n)
    ]
    pods = active(owned_by(t, "pods", daemonset))
    by_node: dict[str, list[dict[str, Any]]] = {}
    for pod in pods:
        by_node.setdefault(_target_node(pod), []).append(pod)
    missing = [n for n in eligible if not by_node.get(n)] if may_create(t, daemonset) else []
    for node in missing:
        if create_pod_for(t, daemonset, _daemon_pod(daemonset, node, hash_), CONTROLLER) is None:
            break
    # update.go: replace out-of-date pods, at most maxUnavailable (1) not ready at a time
    unavailable = sum(1 for p in pods if not is_ready(p))
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        stale = pod["metadata"].get("labels", {}).get(REVISION_LABEL) != hash_
        misplaced = _target_node(pod) not in eligible
        if misplaced or (stale and unavailable < 1):
            delete_pod_of(t, daemonset, pod, CONTROLLER)
            unavailable += 0 if misplaced else 1
    _status(t, daemonset, eligible, hash_)


def _status(t: Tenant, daemonset: dict[str, Any], eligible: list[str], hash_: str) -> None:
    meta = daemonset["metadata"]
    pods = active(owned_by(t, "pods", daemonset))
    scheduled = [p for p in pods if p["spec"].get("nodeName")]
    ready = sum(1 for p in pods if is_ready(p))
    updated = sum(
        1 for p in scheduled if p["metadata"].get("labels", {}).get(REVISION_LABEL) == hash_
    )
    status = {
        "currentNumberScheduled": len(scheduled),
        "numberMisscheduled": 0,
        "desiredNumberScheduled": len(eligible),
        "numberReady": ready,
        "observedGeneration": meta.get("generation", 1),
        "updatedNumberScheduled": updated,
        "numberAvailable": ready,
    }
    if len(eligible) - ready > 0:
        status["numberUnavailable"] = len(eligible) - ready
    if status != daemonset.get("status"):
        current = t.store.get("daemonsets", meta["namespace"], meta["name"])
        if current is not None:
            t.store.replace(
                "daemonsets", {**current, "metadata": dict(current["metadata"]), "status": status}
            )
