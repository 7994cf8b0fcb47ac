"""DaemonSets: one pod on every node that fits, the image pre-pull pattern's workload.

Upstream: pkg/controller/daemon (daemon_controller.go manage: a pod per eligible node, bound by
the default scheduler through a `matchFields metadata.name` node affinity; util/daemonset_util.go
AddOrUpdateDaemonPodTolerations; update.go rollingUpdate with maxUnavailable 1), and
pkg/apis/apps/v1/defaults.go SetDefaults_DaemonSet.

Which nodes: daemon_controller.go `NodeShouldRunDaemonPod` and `predicates`, on the template
with the daemon tolerations added (`NewPod`): the template's nodeName, its node selector and
required node affinity, and every `NoSchedule`/`NoExecute` taint tolerated. A node that fails
only on taints keeps a pod it already runs unless one of its untolerated taints is `NoExecute`
(shouldContinueRunning); `podsShouldBeOnNode` deletes the others. `updateDaemonSetStatus`
counts per node: desired where it should run, misscheduled where a pod runs but should not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim.nodes import selector_fits
from clusters.sim.store import deep_copy
from clusters.sim.taints import add_or_update_toleration, node_taints, untolerated_taint
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
# Added too when the pod uses the host's network (AddOrUpdateDaemonPodTolerations).
HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")


def default_daemonset(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {}).setdefault("maxUnavailable", 1)
        strategy["rollingUpdate"].setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)


def add_daemon_tolerations(spec: dict[str, Any]) -> None:
    """util.AddOrUpdateDaemonPodTolerations."""
    wanted = [*DAEMON_TOLERATIONS, *([HOST_NETWORK_TOLERATION] if spec.get("hostNetwork") else [])]
    for key, effect in wanted:
        add_or_update_toleration(spec, {"key": key, "operator": "Exists", "effect": effect})


def should_run(daemonset: dict[str, Any], node: dict[str, Any]) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning)."""
    spec = deep_copy(daemonset["spec"]["template"].get("spec") or {})
    if spec.get("nodeName") and spec["nodeName"] != node["metadata"]["name"]:
        return False, False
    add_daemon_tolerations(spec)
    if not selector_fits({"spec": spec}, node):
        return False, False
    taints, tolerations = node_taints(node), spec.get("tolerations") or []
    if untolerated_taint(taints, tolerations) is None:
        return True, True
    # Scheduled daemon pods should continue running if they tolerate NoExecute taints.
    return False, untolerated_taint(taints, tolerations, ("NoExecute",)) is None


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
    add_daemon_tolerations(spec)
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
    nodes = {n["metadata"]["name"]: should_run(daemonset, n) for n in t.store.list("nodes")}
    pods = active(owned_by(t, "pods", daemonset))
    by_node: dict[str, list[dict[str, Any]]] = {}
    for pod in pods:
        by_node.setdefault(_target_node(pod), []).append(pod)
    wanted = [n for n, (run, _) in nodes.items() if run and not by_node.get(n)]
    for node in wanted if may_create(t, daemonset) else []:
        if create_pod_for(t, daemonset, _daemon_pod(daemonset, node, hash_), CONTROLLER) is None:
            break
    # update.go: replace out-of-date pods, at most maxUnavailable (1) not ready at a time
    unavailable = sum(1 for p in pods if not is_ready(p))
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        stale = pod["metadata"].get("labels", {}).get(REVISION_LABEL) != hash_
        misplaced = not nodes.get(_target_node(pod), (False, False))[1]
        if misplaced or (stale and unavailable < 1):
            delete_pod_of(t, daemonset, pod, CONTROLLER)
            unavailable += 0 if misplaced else 1
    _status(t, daemonset, nodes, hash_)


def _status(
    t: Tenant, daemonset: dict[str, Any], nodes: dict[str, tuple[bool, bool]], hash_: str
) -> None:
    """updateDaemonSetStatus: per node, the oldest of its daemon pods counts."""
    meta = daemonset["metadata"]
    by_node: dict[str, list[dict[str, Any]]] = {}
    for pod in active(owned_by(t, "pods", daemonset)):
        by_node.setdefault(_target_node(pod), []).append(pod)
    desired = scheduled = misscheduled = ready = updated = 0
    for name, (run, _) in nodes.items():
        here = sorted(
            by_node.get(name, []),
            key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]),
        )
        if not run:
            misscheduled += 1 if here else 0
            continue
        desired += 1
        if not here:
            continue
        scheduled += 1
        ready += 1 if is_ready(here[0]) else 0
        updated += 1 if here[0]["metadata"].get("labels", {}).get(REVISION_LABEL) == hash_ else 0
    status = {
        "currentNumberScheduled": scheduled,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
        "observedGeneration": meta.get("generation", 1),
        "updatedNumberScheduled": updated,
        "numberAvailable": ready,
    }
    if desired - ready > 0:
        status["numberUnavailable"] = desired - ready
    if status != daemonset.get("status"):
        current = t.store.get("daemonsets", meta["namespace"], meta["name"])
        if current is not None:
            t.store.replace(
                "daemonsets", {**current, "metadata": dict(current["metadata"]), "status": status}
            )
