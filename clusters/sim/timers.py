"""What a tenant's timers do when they fall due: the scheduler, the kubelet's steps, the
controllers, Event expiry and etcd compaction, by the action name a timer carries.

Timers are plain lists `[due, seq, action, argument]` (Tenant.add_timer), so a tenant saves to
JSON; this table turns the name back into the function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import kubelet, nodelifecycle
from clusters.sim.cronjobs import fire as fire_cronjob
from clusters.sim.events import involved_pod
from clusters.sim.gatekeeper import audit as gatekeeper_audit
from clusters.sim.ids import rfc3339
from clusters.sim.imagegc import collect
from clusters.sim.probes import probe
from clusters.sim.scheduler import UNSCHEDULABLE_FLUSH, choose_node, unschedulable_message
from clusters.sim.session_admission import sync_quota_status
from clusters.sim.workloads import reconcile

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

COMPACTION_INTERVAL = 300.0  # kube-apiserver --etcd-compaction-interval


def _expire_event(t: Tenant, argument: list[str]) -> None:
    """The Event's lease ran out, unless a later write (a higher count) renewed it."""
    namespace, name, rv = argument
    event = t.store.get("events", namespace, name)
    if event is not None and event["metadata"]["resourceVersion"] == rv:
        t.store.delete("events", namespace, name)


def _schedule(t: Tenant, argument: list[str]) -> None:
    namespace, name, uid = argument
    pod = t.store.get("pods", namespace, name)
    if (
        pod is None
        or pod["metadata"]["uid"] != uid
        or pod["spec"].get("nodeName")
        or pod["metadata"].get("deletionTimestamp")
    ):
        return
    nodes = t.store.list("nodes")
    spec = pod["spec"]
    # Other pods matter only for inter-pod rules; listing them for every pod would cost
    # thousands of pods squared.
    needs_pods = spec.get("affinity") or spec.get("topologySpreadConstraints")
    pods = t.store.list("pods") if needs_pods or t.anti_affinity_pods else []
    chosen = choose_node(pod, nodes, t.load, pods, t.placed.by_node)
    now = rfc3339(t.clock.now())
    if chosen is None:
        message = unschedulable_message(pod, nodes, pods, t.placed.by_node)
        t.recorder.record(
            t.clock.now(),
            involved_pod(pod),
            "Warning",
            "FailedScheduling",
            message,
            "default-scheduler",
        )
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": now,
            "reason": "Unschedulable",
            "message": message,
        }
        status = {**pod["status"], "conditions": [condition]}
        t.store.replace("pods", {**pod, "metadata": dict(pod["metadata"]), "status": status})
        # flushUnschedulablePodsLeftover: back to the active queue after 5 minutes at most.
        t.retry_scheduling(pod, UNSCHEDULABLE_FLUSH, t.clock.now() + UNSCHEDULABLE_FLUSH)
        return
    meta = pod["metadata"]
    bound = {
        **pod,
        "metadata": dict(meta),
        "spec": {**pod["spec"], "nodeName": chosen},
        "status": {
            **pod["status"],
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                }
            ],
        },
    }
    bound = t.store.replace("pods", bound)
    t.recorder.record(
        t.clock.now(),
        involved_pod(bound),
        "Normal",
        "Scheduled",
        f"Successfully assigned {meta['namespace']}/{meta['name']} to {chosen}",
        "default-scheduler",
    )
    kubelet.admit(t, bound)


def _finish_delete(t: Tenant, argument: list[str]) -> None:
    namespace, name, uid = argument
    pod = t.store.get("pods", namespace, name)
    kubelet.forget(t, uid)
    if pod is not None and pod["metadata"]["uid"] == uid:
        t.store.delete("pods", namespace, name)


def _compact(t: Tenant, _: Any) -> None:
    """Every 5 minutes compact to the version seen 5 minutes earlier, as kube-apiserver does."""
    t.store.compact(t.last_compaction_rv)
    t.last_compaction_rv = t.store.rv
    t.add_timer(COMPACTION_INTERVAL, "compact")


def _timeline(t: Tenant, index: int) -> None:
    from clusters.sim.world import apply_change

    apply_change(t, t.timeline[index])


ACTIONS = {
    "schedule": _schedule,
    "expire_event": _expire_event,
    "kubelet_sync": kubelet.sync,
    "kubelet_pull_done": kubelet.pull_done,
    "kubelet_start": kubelet.start,
    "kubelet_exit": kubelet.exited,
    "kubelet_probe": probe,
    "finish_delete": _finish_delete,
    "compact": _compact,
    "timeline": _timeline,
    "reconcile": reconcile,
    "image_gc": collect,
    "cronjob": fire_cronjob,
    "quota_sync": sync_quota_status,
    "gatekeeper_audit": gatekeeper_audit,
    nodelifecycle.ACTION: nodelifecycle.taint_pass,
}
