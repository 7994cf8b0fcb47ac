"""The NodeResourcesFit filter: a pod's requests against what is left of a node's allocatable.

Upstream:
- staging/src/k8s.io/component-helpers/resource/helpers.go `PodRequests`
  (`AggregateContainerRequests`): the containers' requests are summed; an init container needs
  its own requests plus the sidecars (init containers with `restartPolicy: Always`) started
  before it, and the pod needs the larger of the two for each resource; sidecars also add to the
  sum. Pod-level `spec.resources.requests` (cpu, memory, hugepages-*) replace the aggregate, and
  `spec.overhead` is added. `PodLimits` is the same over limits, with the overhead added only
  to the limits that are set; the quota evaluator (quota.py) counts both as quantities.
- pkg/scheduler/framework/types.go `Resource.Add` / `SetMaxResource`: cpu in millicores
  (`MilliValue`), memory, ephemeral-storage and scalar resources in units (`Value`, rounded up);
  any other name is ignored. pkg/scheduler/util `IsScalarResourceName`: extended resources
  (a domain other than kubernetes.io), `hugepages-*`, `attachable-volumes-*` and prefixed
  native (`kubernetes.io/...`) names.
- pkg/scheduler/framework/plugins/noderesources/fit.go `fitsRequest`: `Too many pods` when the
  node already holds `allocatable.pods` pods, then `Insufficient cpu`, `Insufficient memory`,
  `Insufficient ephemeral-storage` and `Insufficient <name>` for each requested resource above
  allocatable minus what the node's pods request. Every reason goes in the node's status
  (Unschedulable: preemption could help), and FitError counts each one.
- The scheduler's pod informer leaves out Succeeded and Failed pods (scheduler.go
  `newPodInformer`), so they request nothing; a terminating pod still does until it is gone.

`PlacedRequests` is the part of the scheduler cache (NodeInfo.Requested, len(NodeInfo.Pods))
this filter reads, kept from the store's changes so a cycle never lists every pod. Not modelled:
in-place resize (`UseStatusResources`), DRA extended resources, the plugin's
`ignoredResources` arguments and its scoring (the stand-in score is the scheduler's).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clusters.sim.names import is_scalar_resource
from clusters.sim.quantity import Quantity, milli_value, resource_list, resource_values, unit_value

TERMINAL = ("Succeeded", "Failed")
PODS = "pods"
TOO_MANY_PODS = "Too many pods"
POD_LEVEL = ("cpu", "memory")  # resource helpers.go supportedPodLevelResources, plus hugepages-*
FIRST = ("cpu", "memory", "ephemeral-storage")  # fitsRequest's order before scalar resources


def _add(total: dict[str, Quantity], more: dict[str, Quantity]) -> None:
    """helpers.go addResourceList (Quantity.Add keeps the first operand's format)."""
    for name, value in more.items():
        total[name] = total[name] + value if name in total else value


def _raise_to(total: dict[str, Quantity], other: dict[str, Quantity]) -> None:
    """helpers.go maxResourceList."""
    for name, value in other.items():
        if name not in total or value.value > total[name].value:
            total[name] = value


def _container_list(container: Any, field: str) -> dict[str, Quantity]:
    resources = container.get("resources") if isinstance(container, dict) else None
    return resource_list(resources.get(field) if isinstance(resources, dict) else None)


def aggregate_container_resources(pod: dict[str, Any], field: str) -> dict[str, Quantity]:
    """AggregateContainerRequests (`field` "requests") or AggregateContainerLimits ("limits"):
    the containers summed, sidecars added, raised to what each init container needs while it
    runs beside the sidecars started before it."""
    spec = pod.get("spec") or {}
    total: dict[str, Quantity] = {}
    for container in spec.get("containers") or []:
        _add(total, _container_list(container, field))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for container in spec.get("initContainers") or []:
        own = _container_list(container, field)
        if isinstance(container, dict) and container.get("restartPolicy") == "Always":
            _add(total, own)
            _add(sidecars, own)
            _raise_to(init_peak, sidecars)
        else:
            running = dict(own)
            _add(running, sidecars)
            _raise_to(init_peak, running)
    _raise_to(total, init_peak)
    return total


def _pod_level(pod: dict[str, Any], field: str) -> dict[str, Quantity]:
    resources = (pod.get("spec") or {}).get("resources")
    values = resource_list(resources.get(field) if isinstance(resources, dict) else None)
    return {n: v for n, v in values.items() if n in POD_LEVEL or n.startswith("hugepages-")}


def pod_request_list(pod: dict[str, Any]) -> dict[str, Quantity]:
    """resource helpers.go PodRequests: the aggregate, pod-level requests over it, plus
    `overhead`. The quota evaluator and the scheduler both count this."""
    total = aggregate_container_resources(pod, "requests")
    total.update(_pod_level(pod, "requests"))
    _add(total, resource_list((pod.get("spec") or {}).get("overhead")))
    return total


def pod_limit_list(pod: dict[str, Any]) -> dict[str, Quantity]:
    """resource helpers.go PodLimits: the aggregate, pod-level limits over it, and `overhead`
    added only to the limits that are set."""
    total = aggregate_container_resources(pod, "limits")
    total.update(_pod_level(pod, "limits"))
    for name, value in resource_list((pod.get("spec") or {}).get("overhead")).items():
        if name in total:
            total[name] = total[name] + value
    return total


def _scaled(name: str, value: Decimal) -> int | None:
    """Resource.Add's units: millicores for cpu, whole units otherwise; None when not counted."""
    if name == "cpu":
        return milli_value(Quantity(value))
    if name in ("memory", "ephemeral-storage") or is_scalar_resource(name):
        return unit_value(Quantity(value))
    return None


def pod_requests(pod: dict[str, Any]) -> dict[str, int]:
    """resource.PodRequests, in the scheduler's units (computePodResourceRequest)."""
    scaled = {name: _scaled(name, q.value) for name, q in pod_request_list(pod).items()}
    return {name: value for name, value in scaled.items() if value is not None}


def _parse_allocatable(allocatable: dict[str, Any]) -> dict[str, int]:
    quantities = resource_values(allocatable)
    scaled = {name: _scaled(name, value) for name, value in quantities.items()}
    counted = {name: value for name, value in scaled.items() if value is not None}
    counted[PODS] = unit_value(Quantity(quantities[PODS])) if PODS in quantities else 0
    return counted


# Stored objects are never mutated (store.py), so a node's allocatable map is parsed once: keyed
# by the map's id, holding the map itself so that id cannot be reused while the entry lives.
_ALLOCATABLE: dict[int, tuple[dict[str, Any], dict[str, int]]] = {}


def node_allocatable(node: dict[str, Any]) -> dict[str, int]:
    """NodeInfo.Allocatable from `status.allocatable` (AllowedPodNumber under `pods`).

    The answer is shared: never change it."""
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    cached = _ALLOCATABLE.get(id(allocatable))
    if cached is not None and cached[0] is allocatable:
        return cached[1]
    if len(_ALLOCATABLE) > 4096:
        _ALLOCATABLE.clear()
    parsed = _parse_allocatable(allocatable)
    _ALLOCATABLE[id(allocatable)] = (allocatable, parsed)
    return parsed


def insufficient(
    request: dict[str, int], allocatable: dict[str, int], used: dict[str, int]
) -> list[str]:
    """fitsRequest: the reasons the node cannot take the pod, in the plugin's order."""
    reasons = []
    if used.get(PODS, 0) + 1 > allocatable.get(PODS, 0):
        reasons.append(TOO_MANY_PODS)
    if not request:
        return reasons
    # Go ranges over the scalar resources in map order; the histogram sorts them anyway.
    names = [*(n for n in FIRST if n in request), *sorted(n for n in request if n not in FIRST)]
    for name in names:
        wanted = request[name]
        if wanted > 0 and wanted > allocatable.get(name, 0) - used.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


class PlacedRequests:
    """Per node, the pods the scheduler cache holds and the sum of their requests."""

    def __init__(self) -> None:
        self.by_node: dict[str, dict[str, int]] = {}
        self._pods: dict[str, tuple[str, dict[str, int]]] = {}  # uid -> (node, requests)

    @classmethod
    def of(cls, pods: list[dict[str, Any]]) -> PlacedRequests:
        placed = cls()
        for pod in pods:
            placed.observe(pod, deleted=False)
        return placed

    def observe(self, pod: dict[str, Any], deleted: bool) -> bool:
        """Follow one change of a pod; True when it left its node (deleted or finished)."""
        meta = pod["metadata"]
        uid = meta.get("uid") or f"{meta.get('namespace')}/{meta.get('name')}"
        node = (pod.get("spec") or {}).get("nodeName")
        on_node = (
            not deleted and bool(node) and (pod.get("status") or {}).get("phase") not in TERMINAL
        )
        known = self._pods.get(uid)
        if on_node and known is None:
            requests = pod_requests(pod)
            self._pods[uid] = (node, requests)
            self._shift(node, requests, 1)
        elif not on_node and known is not None:
            del self._pods[uid]
            self._shift(known[0], known[1], -1)
            return True
        return False

    def _shift(self, node: str, requests: dict[str, int], sign: int) -> None:
        sums = self.by_node.setdefault(node, {})
        sums[PODS] = sums.get(PODS, 0) + sign
        for name, value in requests.items():
            sums[name] = sums.get(name, 0) + sign * value
