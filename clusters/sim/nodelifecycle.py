"""The node lifecycle controller's NoSchedule taint for a cordoned node.

Upstream: pkg/controller/nodelifecycle/node_lifecycle_controller.go, `doNoScheduleTaintingPass`
(TaintNodesByCondition, GA): for each node it watches, the wanted NoSchedule taints are those of
its conditions plus `node.kubernetes.io/unschedulable` when `spec.unschedulable` is true; the
controller adds what is missing and removes what is no longer wanted (`TaintSetDiff`, taints
matched by key and effect), through `controller.SwapNodeControllerTaint`, which stamps each
added taint's `timeAdded` and appends it to the node's taints (`AddOrUpdateTaintOnNode`). So
`kubectl cordon` (a patch of spec.unschedulable) is followed at once by the taint, which
`kubectl describe node` lists under `Taints:`, and `kubectl uncordon` by its removal. A taint a
user adds or removes by hand is put back in line the same way.

The pass runs from the controller's node informer; here a node change that leaves the taint out
of line arms a timer due at once (`node_taints`), ahead of the scheduler's retries of that
change, so a retried pod already sees the node with its taint. Only the cordon taint is kept:
simulated nodes' conditions never change (no not-ready, pressure or network taints).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim.ids import rfc3339
from clusters.sim.taints import UNSCHEDULABLE_TAINT

if TYPE_CHECKING:
    from clusters.sim.store import Change
    from clusters.sim.tenant import Tenant

ACTION = "node_taints"


def _is_cordon_taint(taint: dict[str, Any]) -> bool:
    """Taint.MatchTaint against the controller's taint: same key and effect."""
    return (
        taint.get("key") == UNSCHEDULABLE_TAINT["key"]
        and taint.get("effect") == UNSCHEDULABLE_TAINT["effect"]
    )


def out_of_line(node: dict[str, Any]) -> bool:
    """Does the node's cordon taint disagree with its spec.unschedulable?"""
    spec = node.get("spec") or {}
    tainted = any(_is_cordon_taint(t) for t in spec.get("taints") or [])
    return bool(spec.get("unschedulable")) != tainted


def observe(t: Tenant, change: Change) -> None:
    """The controller's node informer: queue a pass for a node whose taint is out of line."""
    if change.type == "DELETED" or not out_of_line(change.object):
        return
    name = change.object["metadata"]["name"]
    if not any(timer[2] == ACTION and timer[3] == name for timer in t.timers):
        t.add_timer(0.0, ACTION, name)


def taint_pass(t: Tenant, name: str) -> None:
    """doNoScheduleTaintingPass for the cordon taint: add it (with timeAdded) or remove it."""
    node = t.store.get("nodes", "", name)
    if node is None or not out_of_line(node):
        return
    spec = dict(node.get("spec") or {})
    taints = spec.get("taints") or []
    if spec.get("unschedulable"):
        taints = [*taints, {**UNSCHEDULABLE_TAINT, "timeAdded": rfc3339(t.clock.now())}]
    else:
        taints = [taint for taint in taints if not _is_cordon_taint(taint)]
    if taints:
        spec["taints"] = taints
    else:
        spec.pop("taints", None)
    t.store.replace("nodes", {**node, "metadata": dict(node["metadata"]), "spec": spec})
