"""The default scheduler's filters, its pick, and its FailedScheduling text.

Upstream, pkg/scheduler/framework/plugins, in the filter order of the default profile (a node
is rejected by the first plugin that fails; only NodeResourcesFit gives a node several reasons):
- nodeunschedulable: a cordoned node, unless the pod tolerates
  `node.kubernetes.io/unschedulable:NoSchedule` (unresolvable);
- tainttoleration: the first `NoSchedule`/`NoExecute` taint no toleration of the pod matches
  (taints.py; unresolvable). Since kubernetes PR #134740 (v1.35, cherry-picked to 1.34 as
  #135023) the reason names no key or value: `node(s) had untolerated taint(s)`.
  `PreferNoSchedule` taints only score;
- nodeaffinity: nodeSelector and required node affinity (unresolvable);
- noderesources/fit.go: `Too many pods` and `Insufficient <resource>` (noderesources.py;
  resolvable, so preemption is tried);
- podtopologyspread/filtering.go: for each `DoNotSchedule` constraint, nodes that pass the
  pod's node affinity and carry every constraint's key are the domains; matching pods (same
  namespace, not terminating) are counted per domain, and a node fails when its domain's count
  + 1 (if the pod matches its own selector) - the smallest count > maxSkew. A node missing a
  key is unresolvable. `minDomains` above the number of domains makes the smallest count 0.
- interpodaffinity/filtering.go: required pod anti-affinity of the incoming pod (a node whose
  topology domain holds a matching pod), then the required anti-affinity of pods already
  placed (a node in the domain of a pod whose term matches the incoming pod). Terms look in the
  pod's own namespace unless they list `namespaces`; a term without labelSelector matches none.
framework/types.go FitError.Error: `0/N nodes are available: <"count reason", sorted>.`, where
each reason of each node's status counts once, then the PostFilter (defaultpreemption) part,
one per node: every pod here has priority 0, so a node that failed a resolvable filter has `No
preemption victims found for incoming pod`, the others `Preemption is not helpful for
scheduling`.

Scoring is a stand-in: fewest untolerated `PreferNoSchedule` taints (TaintToleration's score,
weight 3, outweighs the others), then for `ScheduleAnyway` constraints the nodes whose domains
hold the fewest matching pods, then the fewest pods, then the name. Not modelled: NodePorts,
the volume filters, required pod affinity, preferred (anti-)affinity, matchLabelKeys,
namespaceSelector and the node inclusion policies (their defaults are what this does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clusters.sim.noderesources import (
    PODS,
    PlacedRequests,
    insufficient,
    node_allocatable,
    pod_requests,
)
from clusters.sim.nodes import selector_fits
from clusters.sim.selectors import label_selector_matches
from clusters.sim.taints import (
    intolerable_prefer_no_schedule,
    pod_tolerations,
    tolerates_unschedulable,
    untolerated_taint,
)

HOSTNAME = "kubernetes.io/hostname"
UNSCHEDULABLE = "node(s) were unschedulable"
# tainttoleration Filter since kubernetes PR #134740 ("remove taint values from unschedulable
# messages in pod status"; 1.34 cherry-pick #135023): before it, `node(s) had untolerated taint
# {KEY: VALUE}`.
UNTOLERATED_TAINT = "node(s) had untolerated taint(s)"
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
SPREAD = "node(s) didn't match pod topology spread constraints"
SPREAD_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
NO_VICTIMS = "No preemption victims found for incoming pod"
# internal/queue podMaxInUnschedulablePodsDuration: an unschedulable pod is tried again after
# 5 minutes even when nothing it waits for has happened.
UNSCHEDULABLE_FLUSH = 300.0
NOT_HELPFUL = "Preemption is not helpful for scheduling"


@dataclass(frozen=True)
class Rejection:
    reasons: tuple[str, ...]  # a Status's reasons: one, or one per missing resource
    resolvable: bool  # Unschedulable (preemption might help) or UnschedulableAndUnresolvable


def _rejection(reason: str, resolvable: bool) -> Rejection:
    return Rejection((reason,), resolvable)


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return obj["metadata"].get("labels") or {}


def placed_pods(pods: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The scheduler cache: bound pods by node, without Succeeded/Failed ones."""
    by_node: dict[str, list[dict[str, Any]]] = {}
    for pod in pods:
        node = pod["spec"].get("nodeName")
        if node and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
            by_node.setdefault(node, []).append(pod)
    return by_node


def _hard_constraints(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for c in pod["spec"].get("topologySpreadConstraints") or []
        if c.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
    ]


def _soft_constraints(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for c in pod["spec"].get("topologySpreadConstraints") or []
        if c.get("whenUnsatisfiable") == "ScheduleAnyway"
    ]


def _matching_in_domains(
    pod: dict[str, Any],
    constraint: dict[str, Any],
    domain_nodes: list[dict[str, Any]],
    by_node: dict[str, list[dict[str, Any]]],
) -> dict[str, int]:
    """countPodsMatchSelector per topology value of the constraint's key."""
    key, selector = constraint.get("topologyKey", ""), constraint.get("labelSelector")
    namespace = pod["metadata"]["namespace"]
    counts: dict[str, int] = {}
    for node in domain_nodes:
        value = _labels(node)[key]
        counts.setdefault(value, 0)
        if not selector:  # selector.Empty(): counts nothing
            continue
        counts[value] += sum(
            1
            for other in by_node.get(node["metadata"]["name"], [])
            if not other["metadata"].get("deletionTimestamp")
            and other["metadata"]["namespace"] == namespace
            and label_selector_matches(selector, _labels(other))
        )
    return counts


class Placement:
    """One scheduling cycle of one pod: PreFilter state, then Filter per node, then a pick.

    `requested` is the scheduler cache's per-node pods and requests (PlacedRequests.by_node);
    without it, it is computed from `pods`. The inter-pod filters (spread, anti-affinity) run
    only when the pod or a placed pod has such rules: they need every pod, which the common
    case does not list.
    """

    def __init__(
        self,
        pod: dict[str, Any],
        nodes: list[dict[str, Any]],
        pods: list[dict[str, Any]],
        requested: dict[str, dict[str, int]] | None = None,
    ) -> None:
        self.pod, self.nodes = pod, nodes
        self.tolerations = pod_tolerations(pod)
        self.tolerates_cordon = tolerates_unschedulable(pod)
        self.request = pod_requests(pod)
        self.requested = PlacedRequests.of(pods).by_node if requested is None else requested
        spec = pod.get("spec") or {}
        self.inter_pod = bool(
            spec.get("affinity")
            or spec.get("topologySpreadConstraints")
            or any(_anti_affinity_terms(p) for p in pods)
        )
        self.by_node = placed_pods(pods) if self.inter_pod else {}
        self.hard = _hard_constraints(pod)
        self.hard_counts = [self._domain_counts(c, self.hard) for c in self.hard]

    def _domain_counts(
        self, constraint: dict[str, Any], constraints: list[dict[str, Any]]
    ) -> dict[str, int]:
        keys = [c.get("topologyKey", "") for c in constraints]
        domains = [
            n
            for n in self.nodes
            if selector_fits(self.pod, n) and all(k in _labels(n) for k in keys)
        ]
        return _matching_in_domains(self.pod, constraint, domains, self.by_node)

    def reject(self, node: dict[str, Any]) -> Rejection | None:
        """RunFilterPlugins: the first plugin that fails the node, or None when it fits."""
        spec = node.get("spec") or {}
        if spec.get("unschedulable") and not self.tolerates_cordon:
            return _rejection(UNSCHEDULABLE, False)
        taints = spec.get("taints")
        if taints and untolerated_taint(taints, self.tolerations) is not None:
            return _rejection(UNTOLERATED_TAINT, False)
        if not selector_fits(self.pod, node):
            return _rejection(NODE_AFFINITY, False)
        used = self.requested.get(node["metadata"]["name"]) or {}
        allocatable = node_allocatable(node)
        if self.request or used.get(PODS, 0) >= allocatable[PODS]:
            missing = insufficient(self.request, allocatable, used)
            if missing:
                return Rejection(tuple(missing), True)
        if not self.inter_pod:
            return None
        return self._spread(node) or self._anti_affinity(node)

    def _spread(self, node: dict[str, Any]) -> Rejection | None:
        labels = _labels(node)
        if any(c.get("topologyKey", "") not in labels for c in self.hard):
            return _rejection(SPREAD_LABEL, False)
        for constraint, counts in zip(self.hard, self.hard_counts, strict=True):
            smallest = min(counts.values(), default=0)
            if len(counts) < int(constraint.get("minDomains") or 1):
                smallest = 0
            selector = constraint.get("labelSelector")
            own = 1 if selector and label_selector_matches(selector, _labels(self.pod)) else 0
            skew = counts.get(labels[constraint["topologyKey"]], 0) + own - smallest
            if skew > int(constraint.get("maxSkew") or 1):
                return _rejection(SPREAD, True)
        return None

    def _pods_in_domain(self, node: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = _labels(node).get(key)
        if value is None:
            return []
        return [
            pod
            for other in self.nodes
            if _labels(other).get(key) == value
            for pod in self.by_node.get(other["metadata"]["name"], [])
        ]

    def _anti_affinity(self, node: dict[str, Any]) -> Rejection | None:
        for term in _anti_affinity_terms(self.pod):
            key = term.get("topologyKey", "")
            if any(
                _term_matches(term, self.pod, other) for other in self._pods_in_domain(node, key)
            ):
                return _rejection(ANTI_AFFINITY, True)
        for other_node in self.nodes:
            for other in self.by_node.get(other_node["metadata"]["name"], []):
                for term in _anti_affinity_terms(other):
                    key = term.get("topologyKey", "")
                    value = _labels(other_node).get(key)
                    if (
                        value is not None
                        and _labels(node).get(key) == value
                        and _term_matches(term, other, self.pod)
                    ):
                        return _rejection(EXISTING_ANTI_AFFINITY, True)
        return None

    def spread_score(self, node: dict[str, Any]) -> int:
        """ScheduleAnyway: the matching pods already in the node's domains (fewer is better)."""
        labels, total = _labels(node), 0
        soft = _soft_constraints(self.pod)
        for constraint in soft:
            if constraint.get("topologyKey", "") not in labels:
                continue
            counts = self._domain_counts(constraint, soft)
            total += counts.get(labels[constraint["topologyKey"]], 0)
        return total


def _anti_affinity_terms(pod: dict[str, Any]) -> list[dict[str, Any]]:
    anti = ((pod.get("spec") or {}).get("affinity") or {}).get("podAntiAffinity") or {}
    return anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []


def has_anti_affinity(pod: dict[str, Any]) -> bool:
    return bool(_anti_affinity_terms(pod))


def node_signature(node: dict[str, Any]) -> str:
    """What of a node the filters read: a change moves pending pods back to the queue
    (Node/Add, UpdateNodeLabel, UpdateNodeTaint, UpdateNodeAllocatable)."""
    spec = node.get("spec") or {}
    allocatable = (node.get("status") or {}).get("allocatable")
    return repr(
        (node["metadata"].get("labels"), spec.get("unschedulable"), spec.get("taints"), allocatable)
    )


def _term_matches(term: dict[str, Any], owner: dict[str, Any], candidate: dict[str, Any]) -> bool:
    """AffinityTerm.Matches: `owner`'s term against `candidate` (namespaces, then labels)."""
    namespaces = term.get("namespaces") or [owner["metadata"]["namespace"]]
    selector = term.get("labelSelector")
    return (
        selector is not None
        and candidate["metadata"]["namespace"] in namespaces
        and label_selector_matches(selector, _labels(candidate))
    )


def choose_node(
    pod: dict[str, Any],
    nodes: list[dict[str, Any]],
    load: dict[str, int],
    pods: list[dict[str, Any]],
    requested: dict[str, dict[str, int]] | None = None,
) -> str | None:
    """The scheduler's pick: a node that passes every filter, by the stand-in score."""
    placement = Placement(pod, nodes, pods, requested)
    fits = [n for n in nodes if placement.reject(n) is None]
    if not fits:
        return None

    tainted = any((n.get("spec") or {}).get("taints") for n in fits)

    def score(node: dict[str, Any]) -> tuple[int, int, int, str]:
        name = node["metadata"]["name"]
        spread = placement.spread_score(node) if placement.inter_pod else 0
        avoid = intolerable_prefer_no_schedule(pod, node) if tainted else 0
        return (avoid, spread, load.get(name, 0), name)

    return min(fits, key=score)["metadata"]["name"]


def unschedulable_message(
    pod: dict[str, Any],
    nodes: list[dict[str, Any]],
    pods: list[dict[str, Any]],
    requested: dict[str, dict[str, int]] | None = None,
) -> str:
    """FitError.Error with the preemption PostFilter's message."""
    placement = Placement(pod, nodes, pods, requested)
    rejections = [r for r in (placement.reject(n) for n in nodes) if r is not None]
    total = len(nodes)
    return (
        f"0/{total} nodes are available: "
        f"{_histogram(reason for r in rejections for reason in r.reasons)}. "
        f"preemption: 0/{total} nodes are available: "
        f"{_histogram(NO_VICTIMS if r.resolvable else NOT_HELPFUL for r in rejections)}."
    )


def _histogram(reasons: Any) -> str:
    """sortReasonsHistogram: "<count> <reason>" strings, sorted, joined by ", "."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))
