"""Validation of a pod's resource requirements, with the API server's field paths and words.

Upstream, pkg/apis/core/validation/validation.go:
- `ValidateContainerResourceRequirements` / `validateResourceRequirements`: for each limit, then
  each request, the resource name (`validateContainerResourceName`) and the value
  (`ValidateResourceQuantityValue` → `ValidateNonnegativeQuantity`: `must be greater than or
  equal to 0`); a request above its limit is `must be less than or equal to <name> limit of
  <limit>` on `...resources.requests`; a resource that may not be overcommitted (hugepages-*,
  extended resources: `helper.IsOvercommitAllowed`) needs a limit (`Limit must be set for non
  overcommitable resources`) equal to its request (`must be equal to <name> limit of <limit>`);
  hugepages need a whole number of pages (`validateResourceQuantityHugePageValue`) and cpu or
  memory beside them (`HugePages require cpu or memory`).
- `validateContainerResourceName`: `validateResourceName` (IsQualifiedName, then a bare name
  must be a standard resource: `must be a standard resource type or fully qualified`), then a
  bare name must be cpu, memory, ephemeral-storage or hugepages-* (`must be a standard resource
  for containers`), a prefixed one native (`kubernetes.io/`) or an extended resource name
  (`doesn't follow extended resource name standard`).
- `validatePodResources` (PodLevelResources, on by default since v1.34): the same checks on
  `spec.resources`, and `validatePodResourceConsistency`: a pod-level request below what its
  containers request together (resource helpers.go `AggregateContainerRequests`) is `must be
  greater than or equal to aggregate container requests of <sum>`.
- `validateEphemeralContainers`: `resources` is not on `allowedEphemeralContainerFields`, so
  setting it is `Forbidden: cannot be set for an Ephemeral Container`.

Go ranges over a ResourceList in map order, so several errors of one list come in any order
upstream; here they go by resource name. Not modelled: the `must be an integer` check for
extended resources (upstream prints the Quantity struct with %#v), the name check and the
limit consistency of pod-level resources, and resource claims.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clusters.sim.errors import FieldError, field_forbidden, invalid, required
from clusters.sim.names import (
    HUGEPAGES,
    REQUESTS_PREFIX,
    is_extended,
    is_hugepages,
    is_native,
    is_qualified_name,
)
from clusters.sim.noderesources import aggregate_container_resources
from clusters.sim.quantity import QuantityError, format_quantity, parse_quantity, resource_values

# pkg/apis/core/helper/helpers.go standardResources and standardContainerResources
STANDARD_RESOURCES = frozenset(
    {
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
        "services.loadbalancers",
    }
)
STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
QOS_RESOURCES = ("cpu", "memory")  # supportedQoSComputeResources
NEGATIVE = "must be greater than or equal to 0"  # apimachinery validation IsNegativeErrorMsg
NON_OVERCOMMITABLE = "Limit must be set for non overcommitable resources"
EPHEMERAL_FORBIDDEN = "cannot be set for an Ephemeral Container"


def overcommit_allowed(name: str) -> bool:
    """helper.IsOvercommitAllowed: native resources other than hugepages."""
    return is_native(name) and not is_hugepages(name)


def _resource_name(name: str, path: str) -> list[FieldError]:
    """validateResourceName."""
    problems = [invalid(path, name, message) for message in is_qualified_name(name)]
    if problems:
        return problems
    if "/" not in name and name not in STANDARD_RESOURCES and not _quota_hugepages(name):
        return [invalid(path, name, "must be a standard resource type or fully qualified")]
    return []


def _quota_hugepages(name: str) -> bool:
    """helper.IsQuotaHugePageResourceName."""
    return name.startswith((HUGEPAGES, REQUESTS_PREFIX + HUGEPAGES))


def container_resource_name(name: str, path: str) -> list[FieldError]:
    """validateContainerResourceName."""
    problems = _resource_name(name, path)
    if "/" not in name:
        if name not in STANDARD_CONTAINER_RESOURCES and not is_hugepages(name):
            problems.append(invalid(path, name, "must be a standard resource for containers"))
    elif not is_native(name) and not is_extended(name):
        problems.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return problems


def _shown(values: Any, name: str) -> str:
    """Quantity.String() of one entry: its canonical form."""
    return format_quantity(parse_quantity(values[name]))


def _hugepage_problem(name: str, value: Decimal, shown: str) -> str | None:
    """validateResourceQuantityHugePageValue (IsHugePageResourceValueDivisible)."""
    try:
        page = parse_quantity(name[len(HUGEPAGES) :]).value
    except QuantityError:
        page = Decimal(0)
    whole = page == page.to_integral_value() and page > 0
    if whole and int(value.to_integral_value()) % int(page) == 0:
        return None
    return f"{shown} is not positive integer multiple of {name}"


def validate_requirements(resources: Any, path: str, name_check=container_resource_name):
    """validateResourceRequirements: one ResourceRequirements at `path`."""
    if not isinstance(resources, dict):
        return []
    limits_raw, requests_raw = resources.get("limits") or {}, resources.get("requests") or {}
    limits, requests = resource_values(limits_raw), resource_values(requests_raw)
    problems: list[FieldError] = []
    hugepages = qos = False
    for name in sorted(limits):
        key = f"{path}.limits[{name}]"
        problems += name_check(name, key)
        if limits[name] < 0:
            problems.append(invalid(key, _shown(limits_raw, name), NEGATIVE))
        if is_hugepages(name):
            hugepages = True
            problem = _hugepage_problem(name, limits[name], _shown(limits_raw, name))
            if problem:
                problems.append(invalid(key, _shown(limits_raw, name), problem))
        qos = qos or name in QOS_RESOURCES
    for name in sorted(requests):
        key, shown = f"{path}.requests[{name}]", _shown(requests_raw, name)
        problems += name_check(name, key)
        if requests[name] < 0:
            problems.append(invalid(key, shown, NEGATIVE))
        if name in limits:
            limit = _shown(limits_raw, name)
            if requests[name] != limits[name] and not overcommit_allowed(name):
                detail = f"must be equal to {name} limit of {limit}"
                problems.append(invalid(f"{path}.requests", shown, detail))
            elif requests[name] > limits[name]:
                detail = f"must be less than or equal to {name} limit of {limit}"
                problems.append(invalid(f"{path}.requests", shown, detail))
        elif not overcommit_allowed(name):
            problems.append(required(f"{path}.limits", NON_OVERCOMMITABLE))
        if is_hugepages(name):
            hugepages = True
            problem = _hugepage_problem(name, requests[name], shown)
            if problem:
                problems.append(invalid(key, shown, problem))
        qos = qos or name in QOS_RESOURCES
    if hugepages and not qos:
        problems.append(field_forbidden(path, "HugePages require cpu or memory"))
    return problems


def validate_container_resources(container: dict[str, Any], path: str, ephemeral: bool):
    """The resources part of validateContainerCommon, and for an ephemeral container the
    allow-list check of validateEphemeralContainers."""
    resources = container.get("resources")
    problems = validate_requirements(resources, f"{path}.resources")
    if ephemeral and isinstance(resources, dict) and any(v is not None for v in resources.values()):
        problems.append(field_forbidden(f"{path}.resources", EPHEMERAL_FORBIDDEN))
    return problems


def validate_pod_resources(spec: dict[str, Any], path: str) -> list[FieldError]:
    """validatePodResources: `spec.resources` and its consistency with the containers."""
    resources = spec.get("resources")
    if not isinstance(resources, dict):
        return []
    at = f"{path}.resources"
    problems = validate_requirements(resources, at, name_check=lambda name, key: [])
    requests_raw = resources.get("requests") or {}
    requests = resource_values(requests_raw)
    aggregate = aggregate_container_resources({"spec": spec}, "requests")
    for name, wanted in sorted(aggregate.items()):
        if name in requests and wanted.value > requests[name]:
            detail = f"must be greater than or equal to aggregate container requests of {wanted}"
            problems.append(invalid(f"{at}.requests[{name}]", _shown(requests_raw, name), detail))
    return problems
