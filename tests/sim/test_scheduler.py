"""Inter-pod anti-affinity and topology spread in the scheduler, with FailedScheduling texts.

Upstream: pkg/scheduler/framework/plugins/interpodaffinity/filtering.go (Filter,
ErrReasonAntiAffinityRulesNotMatch, ErrReasonExistingAntiAffinityRulesNotMatch),
podtopologyspread/filtering.go (Filter: skew = matchNum + selfMatchNum - minMatchNum,
ErrReasonConstraintsNotMatch, ErrReasonNodeLabelNotMatch; countPodsMatchSelector skips
terminating pods), framework/types.go FitError.Error (sorted "count reason" histogram),
defaultpreemption ("No preemption victims found for incoming pod" where preemption might help).

Taints (tainttoleration Filter, staging/src/k8s.io/api/core/v1/toleration.go ToleratesTaint,
kubernetes PR #134740 for the v1.35 reason text) and resources (noderesources/fit.go
fitsRequest, component-helpers resource/helpers.go PodRequests) are pinned further down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from clusters.sim.scheduler import choose_node, unschedulable_message
from tests.sim.worlds import new_tenant, run

APP = {"matchLabels": {"app": "web"}}
ANTI = {
    "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": APP, "topologyKey": "kubernetes.io/hostname"}
        ]
    }
}


ALLOCATABLE = {"cpu": "4", "memory": "8Gi", "ephemeral-storage": "100Gi", "pods": "110"}


def node(
    name: str,
    labels: dict[str, str] | None = None,
    cordoned: bool = False,
    taints: list[dict] | None = None,
    allocatable: dict[str, str] | None = None,
) -> dict:
    spec: dict[str, Any] = {"unschedulable": True} if cordoned else {}
    if taints:
        spec["taints"] = taints
    return {
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name} if labels is None else labels,
        },
        "spec": spec,
        "status": {"allocatable": {**ALLOCATABLE, **(allocatable or {})}},
    }


def placed(name: str, on: str, labels: dict[str, str] | None = None, **spec: Any) -> dict:
    return {
        "metadata": {"name": name, "namespace": "lab", "labels": labels or {"app": "web"}},
        "spec": {"nodeName": on, **spec},
        "status": {"phase": "Running"},
    }


def incoming(labels: dict[str, str] | None = None, **spec: Any) -> dict:
    return {
        "metadata": {"name": "new", "namespace": "lab", "labels": labels or {"app": "web"}},
        "spec": spec,
    }


def spread(max_skew: int = 1, when: str = "DoNotSchedule", **extra: Any) -> list[dict]:
    return [
        {
            "maxSkew": max_skew,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": when,
            "labelSelector": APP,
            **extra,
        }
    ]


@dataclass
class Case:
    id: str
    pod: dict
    nodes: list[dict]
    pods: list[dict] = field(default_factory=list)
    chosen: str | None = None
    message: str = ""


THREE = [node("node-1"), node("node-2"), node("node-3")]
CASES = [
    Case(
        "interpodaffinity Filter: anti-affinity keeps one replica per hostname",
        incoming(affinity=ANTI),
        THREE,
        [placed("a", "node-1"), placed("b", "node-3")],
        chosen="node-2",
    ),
    Case(
        "interpodaffinity: every hostname taken -> ErrReasonAntiAffinityRulesNotMatch",
        incoming(affinity=ANTI),
        THREE,
        [placed("a", "node-1"), placed("b", "node-2"), placed("c", "node-3")],
        message="0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    ),
    Case(
        "interpodaffinity: a pod of another namespace does not count (term namespaces default)",
        incoming(affinity=ANTI),
        [node("node-1")],
        [{**placed("a", "node-1"), "metadata": {"name": "a", "namespace": "other",
                                                "labels": {"app": "web"}}}],
        chosen="node-1",
    ),
    Case(
        "interpodaffinity: others' anti-affinity: ErrReasonExistingAntiAffinityRulesNotMatch",
        incoming(),
        [node("node-1"), node("node-2", cordoned=True)],
        [placed("guard", "node-1", {"app": "guard"}, affinity=ANTI)],
        message="0/2 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity "
        "rules, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: "
        "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for "
        "scheduling.",
    ),
    Case(
        "podtopologyspread: skew = 1 + 1 - 0 > maxSkew 1 on the node that has one",
        incoming(topologySpreadConstraints=spread()),
        [node("kind-worker"), node("kind-worker2")],
        [placed("a", "kind-worker")],
        chosen="kind-worker2",
    ),
    Case(
        "podtopologyspread: a node that fails node affinity is no domain (nodeAffinityPolicy)",
        incoming(topologySpreadConstraints=spread(),
                 nodeSelector={"kubernetes.io/hostname": "node-1"}),
        [node("node-1"), node("node-2")],
        [placed("a", "node-1")],
        chosen="node-1",  # node-2 is no domain (nodeAffinityPolicy Honor): min is node-1's own
    ),
    Case(
        "podtopologyspread: maxSkew exceeded on every node",
        incoming(topologySpreadConstraints=spread()),
        [node("node-1"), node("node-2", cordoned=True)],
        [placed("a", "node-1")],
        message="0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
        "1 node(s) were unschedulable. preemption: 0/2 nodes are available: 1 No preemption "
        "victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    ),
    Case(
        "podtopologyspread: a terminating pod is not counted (#87621)",
        incoming(topologySpreadConstraints=spread()),
        [node("node-1"), node("node-2", cordoned=True)],
        [{**placed("a", "node-1"), "metadata": {"name": "a", "namespace": "lab",
                                                "labels": {"app": "web"},
                                                "deletionTimestamp": "x"}}],
        chosen="node-1",
    ),
    Case(
        "podtopologyspread: a node without the key -> ErrReasonNodeLabelNotMatch (unresolvable)",
        incoming(topologySpreadConstraints=spread()),
        [node("bare", labels={})],
        message="0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints "
        "(missing required label). preemption: 0/1 nodes are available: 1 Preemption is not "
        "helpful for scheduling.",
    ),
    Case(
        "podtopologyspread: minDomains above the domains makes the minimum 0",
        incoming(topologySpreadConstraints=spread(minDomains=3)),
        [node("node-1"), node("node-2")],
        [placed("a", "node-1"), placed("b", "node-2")],
        message="0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints. "
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    ),
    Case(
        "podtopologyspread: ScheduleAnyway only scores (fewest matching pods first)",
        incoming(topologySpreadConstraints=spread(when="ScheduleAnyway")),
        [node("node-1"), node("node-2")],
        [placed("a", "node-1"), placed("b", "node-1"), placed("c", "node-2", {"app": "other"}),
         placed("d", "node-2", {"app": "other"}), placed("e", "node-2", {"app": "other"})],
        chosen="node-2",
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_filters(case: Case) -> None:
    load: dict[str, int] = {}
    for pod in case.pods:
        load[pod["spec"]["nodeName"]] = load.get(pod["spec"]["nodeName"], 0) + 1
    assert choose_node(case.pod, case.nodes, load, case.pods) == case.chosen
    if case.chosen is None:
        assert unschedulable_message(case.pod, case.nodes, case.pods) == case.message


def _deployment(replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": APP,
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"affinity": ANTI, "containers": [{"name": "web", "image": "lab/web:1.0"}]},
            },
        },
    }


def test_a_pending_replica_is_scheduled_once_a_pod_goes() -> None:
    # The scheduler moves unschedulable pods back to its queue when a pod is deleted.
    simulator, clock, tenant = new_tenant()  # two nodes
    tenant.create("deployments", "lab", _deployment(3))
    run(simulator, clock, 5)
    pods = tenant.store.list("pods", "lab")
    pending = [p for p in pods if not p["spec"].get("nodeName")]
    assert len(pending) == 1
    assert sorted(p["spec"]["nodeName"] for p in pods if p["spec"].get("nodeName")) == [
        "node-1",
        "node-2",
    ]
    [event] = [e for e in tenant.store.list("events") if e["reason"] == "FailedScheduling"]
    assert event["message"].startswith(
        "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."
    )
    on_node_1 = next(p for p in pods if p["spec"].get("nodeName") == "node-1")
    tenant.delete("pods", "lab", on_node_1["metadata"]["name"])
    run(simulator, clock, 5)
    waited = tenant.store.get("pods", "lab", pending[0]["metadata"]["name"])
    assert waited["spec"]["nodeName"] == "node-1"
    assert waited["status"]["phase"] == "Running"


def _cordon(tenant, node: str, cordoned: bool) -> None:
    tenant.patch(
        "nodes",
        None,
        node,
        "application/merge-patch+json",
        {"spec": {"unschedulable": cordoned or None}},
    )


def test_uncordon_moves_a_pending_pod_back_to_the_queue() -> None:
    # A node update that could make a pod fit (MoveAllToActiveOrBackoffQueue on NodeUpdate).
    simulator, clock, tenant = new_tenant()
    _cordon(tenant, "node-1", True)
    _cordon(tenant, "node-2", True)
    tenant.create("pods", "lab", {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "web", "image": "lab/web:1.0"}]}})  # fmt: skip
    run(simulator, clock, 5)
    assert not tenant.get("pods", "lab", "p")["spec"].get("nodeName")
    _cordon(tenant, "node-2", False)
    run(simulator, clock, 1)
    assert tenant.get("pods", "lab", "p")["spec"]["nodeName"] == "node-2"


def test_an_unschedulable_pod_is_tried_again_every_5_minutes() -> None:
    # podMaxInUnschedulablePodsDuration: nothing changed, the pod still goes back to the queue.
    simulator, clock, tenant = new_tenant()
    spec = {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "web", "image": "lab/web"}]}
    tenant.create("pods", "lab", {"metadata": {"name": "p"}, "spec": spec})
    run(simulator, clock, 299)
    [failed] = [e for e in tenant.store.list("events") if e["reason"] == "FailedScheduling"]
    assert failed["count"] == 1
    run(simulator, clock, 1100)  # tries at 0, 300, 600, 900 and 1200 s
    [failed] = [e for e in tenant.store.list("events") if e["reason"] == "FailedScheduling"]
    assert failed["count"] == 5
    assert failed["message"] == (
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )
