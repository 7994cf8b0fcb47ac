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

from clusters.sim.ids import rfc3339
from clusters.sim.noderesources import pod_requests
from clusters.sim.scheduler import choose_node, unschedulable_message
from clusters.sim.taints import tolerates
from tests.sim.worlds import lab1_world, new_tenant, run

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

# --- taints: tainttoleration/taint_toleration.go Filter and Score, toleration.go ToleratesTaint ---
GPU = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
NOT_HELPFUL_1 = "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
UNTOLERATED_1 = f"0/1 nodes are available: 1 node(s) had untolerated taint(s). {NOT_HELPFUL_1}"
TAINT_CASES = [
    Case(
        "PR #134740: untolerated taint beside node affinity, no key or value in the text",
        incoming(nodeSelector={"disk": "ssd"}),
        [node("node-1", taints=[GPU]), node("node-2"), node("node-3")],
        message="0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't "
        "match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption "
        "is not helpful for scheduling.",
    ),
    Case(
        "DoNotScheduleTaintsFilterFunc: a NoExecute taint keeps the pod off too",
        incoming(),
        [node("node-1", taints=[{**GPU, "effect": "NoExecute"}]), node("node-2")],
        chosen="node-2",
    ),
    Case(
        "DoNotScheduleTaintsFilterFunc: a PreferNoSchedule taint never filters",
        incoming(),
        [node("node-1", taints=[{**GPU, "effect": "PreferNoSchedule"}])],
        chosen="node-1",
    ),
    Case(
        "tainttoleration Score: an untolerated PreferNoSchedule taint is avoided when it can be",
        incoming(),
        [node("node-1", taints=[{**GPU, "effect": "PreferNoSchedule"}]), node("node-2")],
        chosen="node-2",
    ),
    Case(
        "ToleratesTaint: Exists matches every value of its key",
        incoming(tolerations=[{"key": "dedicated", "operator": "Exists"}]),
        [node("node-1", taints=[GPU]), node("node-2", cordoned=True)],
        chosen="node-1",
    ),
    Case(
        "ToleratesTaint: Equal (the default operator) with another value does not match",
        incoming(tolerations=[{"key": "dedicated", "value": "cpu", "effect": "NoSchedule"}]),
        [node("node-1", taints=[GPU])],
        message=UNTOLERATED_1,
    ),
    Case(
        "ToleratesTaint: a toleration for NoSchedule does not cover a NoExecute taint",
        incoming(tolerations=[{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]),
        [node("node-1", taints=[{**GPU, "effect": "NoExecute"}])],
        message=UNTOLERATED_1,
    ),
    Case(
        "FindMatchingUntoleratedTaint: every NoSchedule taint must be tolerated, not just one",
        incoming(tolerations=[{"key": "dedicated", "operator": "Exists"}]),
        [node("node-1", taints=[GPU, {"key": "team", "value": "a", "effect": "NoSchedule"}])],
        message=UNTOLERATED_1,
    ),
    Case(
        "DefaultTolerationSeconds: the defaulted not-ready toleration covers that NoExecute taint",
        incoming(tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                               "effect": "NoExecute", "tolerationSeconds": 300}]),
        [node("node-1", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}])],
        chosen="node-1",
    ),
    Case(
        "nodeunschedulable: an empty key with Exists tolerates the cordon as well",
        incoming(tolerations=[{"operator": "Exists"}]),
        [node("node-1", cordoned=True, taints=[GPU])],
        chosen="node-1",
    ),
    Case(
        "filter order: NodeUnschedulable runs before TaintToleration on a cordoned tainted node",
        incoming(),
        [node("node-1", cordoned=True, taints=[GPU])],
        message="0/1 nodes are available: 1 node(s) were unschedulable. " + NOT_HELPFUL_1,
    ),
]  # fmt: skip


# --- resources: noderesources/fit.go fitsRequest, resource/helpers.go PodRequests ---------------
def asks(**requests: str) -> list[dict]:
    """One container with these requests (`ephemeral_storage` for ephemeral-storage)."""
    wanted = {name.replace("_", "-"): value for name, value in requests.items()}
    return [{"name": "c", "image": "lab/web:1.0", "resources": {"requests": wanted}}]


def using(name: str, on: str, phase: str = "Running", **requests: str) -> dict:
    pod = placed(name, on, {"app": "other"}, containers=asks(**requests))
    return {**pod, "status": {"phase": phase}}


SMALL = {"cpu": "1", "memory": "1Gi"}
VICTIMS_1 = "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
FIT_CASES = [
    Case(
        "fitsRequest: Insufficient cpu (allocatable minus what placed pods request)",
        incoming(containers=asks(cpu="300m")),
        [node("node-1", allocatable=SMALL)],
        [using("a", "node-1", cpu="800m")],
        message=f"0/1 nodes are available: 1 Insufficient cpu. {VICTIMS_1}",
    ),
    Case(
        "fitsRequest: Insufficient memory",
        incoming(containers=asks(memory="512Mi")),
        [node("node-1", allocatable=SMALL)],
        [using("a", "node-1", memory="768Mi")],
        message=f"0/1 nodes are available: 1 Insufficient memory. {VICTIMS_1}",
    ),
    Case(
        "fitsRequest: Insufficient ephemeral-storage",
        incoming(containers=asks(ephemeral_storage="2Gi")),
        [node("node-1", allocatable={"ephemeral-storage": "1Gi"})],
        message=f"0/1 nodes are available: 1 Insufficient ephemeral-storage. {VICTIMS_1}",
    ),
    Case(
        "fitsRequest: an extended resource the node does not offer",
        incoming(containers=[{"name": "c", "image": "x", "resources": {
            "requests": {"example.com/dongle": "1"}}}]),
        [node("node-1")],
        message=f"0/1 nodes are available: 1 Insufficient example.com/dongle. {VICTIMS_1}",
    ),
    Case(
        "fitsRequest: an extended resource goes where allocatable has it",
        incoming(containers=[{"name": "c", "image": "x", "resources": {
            "requests": {"example.com/dongle": "1"}}}]),
        [node("node-1"), node("node-2", allocatable={"example.com/dongle": "2"})],
        chosen="node-2",
    ),
    Case(
        "fitsRequest: Too many pods once the node holds allocatable.pods pods",
        incoming(),
        [node("node-1", allocatable={"pods": "1"})],
        [using("a", "node-1")],
        message=f"0/1 nodes are available: 1 Too many pods. {VICTIMS_1}",
    ),
    Case(
        "Filter keeps every reason and FitError counts each: 2 nodes short of cpu and memory",
        incoming(containers=asks(cpu="2", memory="2Gi")),
        [node("node-1", allocatable=SMALL), node("node-2", allocatable=SMALL)],
        message="0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: "
        "0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    ),
    Case(
        "filter order: NodeAffinity before NodeResourcesFit; preemption only where it might help",
        incoming(containers=asks(cpu="2"), nodeSelector={"disk": "ssd"}),
        [node("node-1", {"disk": "ssd"}, allocatable=SMALL), node("node-2")],
        message="0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node "
        "affinity/selector. preemption: 0/2 nodes are available: 1 No preemption victims found "
        "for incoming pod, 1 Preemption is not helpful for scheduling.",
    ),
    Case(
        "filter order: TaintToleration before NodeResourcesFit reports only the taint",
        incoming(containers=asks(cpu="2")),
        [node("node-1", taints=[GPU], allocatable=SMALL)],
        message=UNTOLERATED_1,
    ),
    Case(
        "PodRequests: init containers run one by one, so the max counts, not the sum",
        incoming(containers=asks(cpu="100m") * 2,
                 initContainers=[{**asks(cpu="300m")[0], "name": "i"}]),
        [node("node-1", allocatable={"cpu": "350m"})],
        chosen="node-1",  # max(100m + 100m, 300m) = 300m; a sum would be 500m
    ),
    Case(
        "PodRequests: an init container above the containers' sum sets the request",
        incoming(containers=asks(cpu="100m"),
                 initContainers=[{**asks(cpu="400m")[0], "name": "i"}]),
        [node("node-1", allocatable={"cpu": "350m"})],
        message=f"0/1 nodes are available: 1 Insufficient cpu. {VICTIMS_1}",
    ),
    Case(
        "PodRequests: a sidecar (init container with restartPolicy Always) adds to the sum",
        incoming(containers=asks(cpu="200m"),
                 initContainers=[{**asks(cpu="200m")[0], "name": "i", "restartPolicy": "Always"}]),
        [node("node-1", allocatable={"cpu": "350m"})],
        message=f"0/1 nodes are available: 1 Insufficient cpu. {VICTIMS_1}",
    ),
    Case(
        "PodRequests: spec.overhead is added to the containers' requests",
        incoming(containers=asks(cpu="300m"), overhead={"cpu": "100m"}),
        [node("node-1", allocatable={"cpu": "350m"})],
        message=f"0/1 nodes are available: 1 Insufficient cpu. {VICTIMS_1}",
    ),
    Case(
        "newPodInformer: Succeeded and Failed pods request nothing",
        incoming(containers=asks(cpu="500m")),
        [node("node-1", allocatable={"cpu": "1", "pods": "2"})],
        [using("done", "node-1", "Succeeded", cpu="1"), using("gone", "node-1", "Failed", cpu="1")],
        chosen="node-1",
    ),
    Case(
        "scheduler cache: a terminating pod still requests until it is deleted",
        incoming(containers=asks(cpu="500m")),
        [node("node-1", allocatable={"cpu": "1"})],
        [{**using("leaving", "node-1", cpu="800m"), "metadata": {
            "name": "leaving", "namespace": "lab", "deletionTimestamp": "x"}}],
        message=f"0/1 nodes are available: 1 Insufficient cpu. {VICTIMS_1}",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "case", CASES + TAINT_CASES + FIT_CASES, ids=[c.id for c in CASES + TAINT_CASES + FIT_CASES]
)
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


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        pytest.param({"key": "k", "operator": "Exists"}, {"key": "k", "value": "v",
                     "effect": "NoSchedule"}, True, id="ToleratesTaint: Exists ignores the value"),
        pytest.param({"key": "k", "value": "v"}, {"key": "k", "value": "v", "effect": "NoSchedule"},
                     True, id="ToleratesTaint: an empty operator is Equal, same value"),
        pytest.param({"key": "k", "operator": "Equal", "value": "w"}, {"key": "k", "value": "v",
                     "effect": "NoSchedule"}, False, id="ToleratesTaint: Equal, another value"),
        pytest.param({"key": "k", "operator": "Equal"}, {"key": "k", "effect": "NoSchedule"},
                     True, id="ToleratesTaint: Equal, both values empty"),
        pytest.param({"operator": "Exists"}, {"key": "any", "value": "v", "effect": "NoExecute"},
                     True, id="ToleratesTaint: an empty key with Exists matches every taint"),
        pytest.param({"key": "k", "operator": "Exists"}, {"key": "k", "effect": "NoExecute"},
                     True, id="ToleratesTaint: an empty effect matches every effect"),
        pytest.param({"key": "k", "operator": "Exists", "effect": "NoSchedule"},
                     {"key": "k", "effect": "NoExecute"}, False,
                     id="ToleratesTaint: NoSchedule does not match a NoExecute taint"),
        pytest.param({"key": "other", "operator": "Exists"}, {"key": "k", "effect": "NoSchedule"},
                     False, id="ToleratesTaint: another key"),
        pytest.param({"key": "k", "operator": "Lt", "value": "5"}, {"key": "k", "value": "3",
                     "effect": "NoSchedule"}, False,
                     id="Lt/Gt: alpha TaintTolerationComparisonOperators, off in v1.35"),
    ],
)  # fmt: skip
def test_toleration_matching(toleration: dict, taint: dict, expected: bool) -> None:
    assert tolerates(toleration, taint) is expected


def _container(name: str = "c", restart: str | None = None, **requests: str) -> dict:
    container = {"name": name, "image": "x", "resources": {"requests": requests}}
    return {**container, "restartPolicy": restart} if restart else container


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"containers": [_container(cpu="100m"), _container(cpu="0.5")]},
                     {"cpu": 600}, id="PodRequests: containers sum; 0.5 cpu is 500m"),
        pytest.param({"containers": [_container(memory="128Mi"), _container(memory="1G")]},
                     {"memory": 134_217_728 + 1_000_000_000}, id="quantity: 128Mi + 1G in bytes"),
        pytest.param({"containers": [_container(**{"example.com/dongle": "1e3"})]},
                     {"example.com/dongle": 1000}, id="quantity: 1e3, an extended resource"),
        pytest.param({"containers": [_container(cpu="1m", memory="1.5")]},
                     {"cpu": 1, "memory": 2}, id="Resource.Add: MilliValue / Value round up"),
        pytest.param({"containers": [_container(cpu="200m", memory="1Gi")],
                      "initContainers": [_container("i", cpu="500m", memory="64Mi")]},
                     {"cpu": 500, "memory": 1 << 30}, id="PodRequests: each resource's own max"),
        pytest.param({"containers": [_container(cpu="200m")],
                      "initContainers": [_container("s", "Always", cpu="100m"),
                                         _container("i", cpu="250m")]},
                     {"cpu": 350}, id="PodRequests: an init container runs beside the sidecars"),
        pytest.param({"containers": [_container(cpu="100m")], "overhead": {"cpu": "250m"}},
                     {"cpu": 350}, id="PodRequests: overhead added"),
        pytest.param({"containers": [_container(cpu="100m", memory="1Gi")],
                      "resources": {"requests": {"cpu": "2"}}},
                     {"cpu": 2000, "memory": 1 << 30}, id="PodRequests: pod-level requests win"),
        pytest.param({"containers": [{"name": "c", "image": "x",
                                      "resources": {"limits": {"cpu": "1"}}}]},
                     {}, id="limits are not requests (the API server's defaulting copies them)"),
        pytest.param({"containers": [_container(cpu="lots")]}, {},
                     id="a quantity the decoder would refuse counts as nothing"),
    ],
)  # fmt: skip
def test_pod_requests(spec: dict, expected: dict) -> None:
    assert pod_requests({"spec": spec}) == expected


def _tainted_world() -> dict:
    """The brief's three nodes: node-1 tainted for a GPU team, the two others without the label."""
    return lab1_world(
        nodes=[{"name": "node-1", "taints": [GPU]}, {"name": "node-2"}, {"name": "node-3"}]
    )


def _failed_scheduling(tenant, name: str) -> list[str]:
    return [
        e["message"]
        for e in tenant.store.list("events", "lab")
        if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == name
    ]


@pytest.mark.parametrize(
    "fix",
    [
        pytest.param(("nodes", None, "node-1", {"spec": {"taints": None}}),
                     id="UpdateNodeTaint: removing the taint requeues the pod"),
        pytest.param(("pods", "lab", "p", {"spec": {"tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]}}),
            id="isSchedulableAfterPodTolerationChange: a new toleration requeues the pod"),
    ],
)  # fmt: skip
def test_a_tainted_node_through_the_engine(fix: tuple) -> None:
    # kubernetes PR #134740: the Event and the PodScheduled condition carry no key or value.
    simulator, clock, tenant = new_tenant(_tainted_world())
    spec = {"nodeSelector": {"kubernetes.io/hostname": "node-1"},
            "containers": [{"name": "web", "image": "lab/web:1.0"}]}  # fmt: skip
    tenant.create("pods", "lab", {"metadata": {"name": "p"}, "spec": spec})
    run(simulator, clock, 5)
    text = (
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match "
        "Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not "
        "helpful for scheduling."
    )
    assert _failed_scheduling(tenant, "p") == [text]
    pod = tenant.get("pods", "lab", "p")
    [condition] = pod["status"]["conditions"]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )
    assert condition["message"] == text
    if fix[0] == "pods":  # a toleration may only be added: keep the defaulted ones
        fix[3]["spec"]["tolerations"] = pod["spec"]["tolerations"] + fix[3]["spec"]["tolerations"]
    tenant.patch(fix[0], fix[1], fix[2], "application/merge-patch+json", fix[3])
    run(simulator, clock, 5)
    pod = tenant.get("pods", "lab", "p")
    assert pod["spec"]["nodeName"] == "node-1"
    assert pod["status"]["phase"] == "Running"


def test_a_pod_waits_for_cpu_and_gets_it_when_a_pod_finishes() -> None:
    # SetDefaults_Pod (requests from limits), fitsRequest, and the scheduler's informer dropping
    # a Succeeded pod (a delete for the queue: the pending pod is tried at once, not in 5 min).
    world = lab1_world(nodes=[{"name": "node-1", "cpu": "1"}])
    world["registries"][0]["repositories"][0]["tags"]["1.0"]["run"] = {
        "exit_after": 30,
        "exit_code": 0,
    }
    simulator, clock, tenant = new_tenant(world)

    def pod(name: str, cpu: str) -> dict:
        container = {"name": "web", "image": "lab/web:1.0", "resources": {"limits": {"cpu": cpu}}}
        return {"metadata": {"name": name},
                "spec": {"restartPolicy": "Never", "containers": [container]}}  # fmt: skip

    tenant.create("pods", "lab", pod("first", "800m"))
    run(simulator, clock, 1)
    second = tenant.create("pods", "lab", pod("second", "500m"))
    assert second["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "500m"}
    run(simulator, clock, 5)
    assert _failed_scheduling(tenant, "second") == [
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    ]
    run(simulator, clock, 40)  # `first` exits 0 after 30 s: Succeeded
    assert tenant.get("pods", "lab", "first")["status"]["phase"] == "Succeeded"
    assert tenant.get("pods", "lab", "second")["spec"]["nodeName"] == "node-1"


# The node lifecycle controller (node_lifecycle_controller.go doNoScheduleTaintingPass, with
# controller_utils.go SwapNodeControllerTaint stamping timeAdded): the cordon taint follows
# spec.unschedulable, matched by key and effect, other taints untouched.
CORDON_KEY = "node.kubernetes.io/unschedulable"


def _taints(tenant, node: str) -> list[dict]:
    return tenant.get("nodes", None, node)["spec"].get("taints") or []


def _patch_node(tenant, node: str, spec: dict) -> None:
    tenant.patch("nodes", None, node, "application/merge-patch+json", {"spec": spec})


@pytest.mark.parametrize(
    ("before", "change", "after"),
    [
        pytest.param([], {"unschedulable": True},
                     [{"key": CORDON_KEY, "effect": "NoSchedule", "timeAdded": "@"}],
                     id="doNoScheduleTaintingPass: cordon adds the taint with timeAdded"),
        pytest.param([GPU], {"unschedulable": True},
                     [GPU, {"key": CORDON_KEY, "effect": "NoSchedule", "timeAdded": "@"}],
                     id="AddOrUpdateTaintOnNode: appended after the node's own taints"),
        pytest.param([GPU, {"key": CORDON_KEY, "effect": "NoSchedule"}], {}, [GPU],
                     id="TaintSetDiff: a cordon taint on a schedulable node is removed"),
        pytest.param([{"key": CORDON_KEY, "effect": "NoExecute"}], {},
                     [{"key": CORDON_KEY, "effect": "NoExecute"}],
                     id="MatchTaint: key and effect; a NoExecute taint of that key is not its"),
    ],
)  # fmt: skip
def test_the_cordon_taint_follows_spec_unschedulable(
    before: list, change: dict, after: list
) -> None:
    simulator, clock, tenant = new_tenant(lab1_world(nodes=[{"name": "node-1", "taints": before}]))
    run(simulator, clock, 1)
    clock.advance(9)
    stamp = rfc3339(clock.now())  # the pass runs at once, at the time of the change
    if change:
        _patch_node(tenant, "node-1", change)
    run(simulator, clock, 1)
    assert _taints(tenant, "node-1") == [
        {**t, "timeAdded": stamp} if t.get("timeAdded") == "@" else t for t in after
    ]


def test_uncordon_removes_the_taint_and_a_removed_taint_comes_back() -> None:
    simulator, clock, tenant = new_tenant()
    _cordon(tenant, "node-1", True)
    run(simulator, clock, 1)
    [taint] = _taints(tenant, "node-1")
    assert (taint["key"], taint["effect"]) == (CORDON_KEY, "NoSchedule")
    _patch_node(tenant, "node-1", {"taints": None})  # by hand, still cordoned
    run(simulator, clock, 1)
    assert [t["key"] for t in _taints(tenant, "node-1")] == [CORDON_KEY]
    _cordon(tenant, "node-1", False)
    run(simulator, clock, 1)
    assert "taints" not in tenant.get("nodes", None, "node-1")["spec"]


def test_a_world_node_made_unschedulable_gets_the_taint() -> None:
    simulator, clock, tenant = new_tenant(
        lab1_world(nodes=[{"name": "node-1", "unschedulable": True}, {"name": "node-2"}])
    )
    run(simulator, clock, 1)
    assert [t["key"] for t in _taints(tenant, "node-1")] == [CORDON_KEY]
    assert _taints(tenant, "node-2") == []


@pytest.mark.parametrize(
    ("tolerations", "placed_on", "message"),
    [
        pytest.param([], None,
                     "0/2 nodes are available: 2 node(s) were unschedulable. preemption: 0/2 "
                     "nodes are available: 2 Preemption is not helpful for scheduling.",
                     id="nodeunschedulable runs first: one reason per node, not the taint too"),
        pytest.param([{"key": CORDON_KEY, "operator": "Exists", "effect": "NoSchedule"}],
                     "node-1", None,
                     id="tolerating the cordon taint passes NodeUnschedulable and TaintToleration"),
    ],
)  # fmt: skip
def test_cordoned_nodes_with_their_taint_through_the_engine(
    tolerations: list, placed_on: str | None, message: str | None
) -> None:
    simulator, clock, tenant = new_tenant()
    _cordon(tenant, "node-1", True)
    _cordon(tenant, "node-2", True)
    run(simulator, clock, 1)
    spec = {"tolerations": tolerations, "containers": [{"name": "web", "image": "lab/web:1.0"}]}
    tenant.create("pods", "lab", {"metadata": {"name": "p"}, "spec": spec})
    run(simulator, clock, 5)
    assert tenant.get("pods", "lab", "p")["spec"].get("nodeName") == placed_on
    assert _failed_scheduling(tenant, "p") == ([message] if message else [])
