"""A pod's QoS class, as the API server writes it into `status.qosClass` on create.

Upstream: pkg/apis/core/helper/qos/qos.go. The pod strategy's PrepareForCreate sets
`Status.QOSClass = ComputePodQOS(pod)` after defaulting and mutating admission (so requests
defaulted from limits and LimitRanger's defaults count); updates keep it. ComputePodQOS:

- with pod-level `spec.resources` set (PodLevelResources, on by default since v1.34), the pod's
  class is that of those requirements alone;
- otherwise each init container and container has a class (`requirementsQOS`), and the pod is
  that class when all agree, Burstable as soon as they differ;
- `requirementsQOS`: no requests and no limits at all is BestEffort; else for cpu and memory
  (`supportedQoSComputeResources`; other resources never count) `resourceQOS` compares the
  request with the limit (missing is zero): different is Burstable, both zero BestEffort, equal
  and non-zero Guaranteed; cpu and memory must agree, or the class is Burstable.

This is the per-container form of the newest qos.go; for any pod validation accepts it gives
what the older form gave (summing requests and limits of all containers, Guaranteed only when
every container sets cpu and memory limits equal to its requests). Ephemeral containers cannot
set resources and are not counted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clusters.sim.quantity import resource_values

GUARANTEED, BURSTABLE, BEST_EFFORT = "Guaranteed", "Burstable", "BestEffort"
SUPPORTED = ("cpu", "memory")  # supportedQoSComputeResources


def _resource_qos(resources: dict[str, Any], name: str) -> str:
    """resourceQOS: one resource's request against its limit."""
    request = resource_values(resources.get("requests")).get(name, Decimal(0))
    limit = resource_values(resources.get("limits")).get(name, Decimal(0))
    if request != limit:
        return BURSTABLE
    return BEST_EFFORT if request == 0 else GUARANTEED


def requirements_qos(resources: Any) -> str:
    """requirementsQOS: the class of one set of requirements."""
    resources = resources if isinstance(resources, dict) else {}
    if not resources.get("requests") and not resources.get("limits"):
        return BEST_EFFORT
    classes = {_resource_qos(resources, name) for name in SUPPORTED}
    return classes.pop() if len(classes) == 1 else BURSTABLE


def compute_pod_qos(pod: dict[str, Any]) -> str:
    """ComputePodQOS."""
    spec = pod.get("spec") or {}
    if isinstance(spec.get("resources"), dict):  # pod-level resources decide alone
        return requirements_qos(spec["resources"])
    found = {
        requirements_qos(container.get("resources"))
        for key in ("initContainers", "containers")
        for container in spec.get(key) or []
        if isinstance(container, dict)
    }
    if not found:
        return BEST_EFFORT  # no containers: only in tests
    return found.pop() if len(found) == 1 else BURSTABLE
