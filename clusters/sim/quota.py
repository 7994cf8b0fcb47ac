"""ResourceQuota: what objects use, a quota's status, and the admission check on create.

Upstream:
- pkg/quota/v1/evaluator/core/pods.go PodUsageFunc: every pod uses `count/pods`; one that is
  not Succeeded/Failed (QuotaV1Pod) also uses, through podComputeUsageHelper, `pods`,
  `requests.cpu` (also `cpu`), `requests.memory` (also `memory`), `requests.ephemeral-storage`
  (also bare), `limits.*` of the three, hugepages-* requests and extended resources'
  `requests.<name>`. Requests and limits are resource helpers' PodRequests and PodLimits, the
  very sums the scheduler uses (noderesources.pod_request_list / pod_limit_list: sidecars,
  init containers, pod-level resources, overhead). `enforcePodContainerConstraints` refuses a
  pod that leaves out a resource the quota counts: `must specify limits.cpu for: app;
  requests.cpu for: app`.
- pkg/quota/v1/generic/evaluator.go: other objects count as `count/<resource>[.<group>]`, and
  secrets, configmaps, services also by their bare plural; services.go adds
  `services.loadbalancers` and `services.nodeports`.
- staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go checkRequest:
  used + requested must stay within hard for every resource the quota names, else
  `exceeded quota: NAME, requested: r=v, used: r=v, limited: r=v` (prettyPrint: sorted,
  comma-joined, only the exceeded resources); a missing resource is
  `failed quota: NAME: must specify ...`. The whole text follows `pods "x" is forbidden: `.

The simulator recomputes status.used synchronously, so a quota is never "status unknown".
Not modelled: scopes and scopeSelector, a terminating pod past its grace period (QuotaV1Pod;
here a deleted pod is gone a second later).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clusters.sim.names import is_extended
from clusters.sim.noderesources import pod_limit_list, pod_request_list
from clusters.sim.quantity import Quantity, format_quantity, milli_value, parse_quantity

COMPUTE = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
_ALIASES = {"cpu": "requests.cpu", "memory": "requests.memory"}
_BARE_COUNTS = {"pods", "secrets", "configmaps", "services", "persistentvolumeclaims"}
TERMINAL = ("Succeeded", "Failed")
ONE, ZERO = Quantity(Decimal(1)), Quantity(Decimal(0))


def _compute_usage(requests: dict[str, Quantity], limits: dict[str, Quantity]) -> dict:
    """podComputeUsageHelper: `pods`, cpu/memory/ephemeral-storage requests (also bare) and
    limits, hugepages-* requests (also bare), extended resources as `requests.<name>`."""
    used = {"pods": ONE}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            used[name] = used[f"requests.{name}"] = requests[name]
        if name in limits:
            used[f"limits.{name}"] = limits[name]
    for name, value in requests.items():
        if name.startswith("hugepages-"):
            used[name] = used[f"requests.{name}"] = value
        if is_extended(name):
            used[f"requests.{name}"] = value
    return used


def usage(resource: str, group: str, obj: dict[str, Any]) -> dict[str, Quantity]:
    """What one object counts against a quota."""
    used = {f"count/{resource}{'.' + group if group else ''}": ONE}
    if resource in _BARE_COUNTS and not group and resource != "pods":
        used[resource] = ONE
    if resource == "services":
        kind = (obj.get("spec") or {}).get("type")
        used["services.loadbalancers"] = ONE if kind == "LoadBalancer" else ZERO
        used["services.nodeports"] = ONE if kind in ("NodePort", "LoadBalancer") else ZERO
    if resource == "pods" and (obj.get("status") or {}).get("phase") not in TERMINAL:
        # PodUsageFunc: count/pods always; the rest only for a pod that is not finished
        # (QuotaV1Pod), from the same PodRequests and PodLimits the scheduler reads.
        used.update(_compute_usage(pod_request_list(obj), pod_limit_list(obj)))
    return used


def _covered(quota: dict[str, Any], name: str) -> bool:
    return name in ((quota.get("spec") or {}).get("hard") or {})


def missing_constraints(quota: dict[str, Any], pod: dict[str, Any]) -> str | None:
    """enforcePodContainerConstraints: each container must state what the quota counts."""
    wanted = [name for name in (*COMPUTE, *_ALIASES) if _covered(quota, name)]
    missing: dict[str, set[str]] = {}
    spec = pod.get("spec") or {}
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for name in wanted:
            field, _, resource = _ALIASES.get(name, name).partition(".")
            if resource not in ((container.get("resources") or {}).get(field) or {}):
                missing.setdefault(name, set()).add(container["name"])
    if not missing:
        return None
    parts = [f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing)]
    return f"failed quota: {quota['metadata']['name']}: must specify {'; '.join(parts)}"


def total_usage(quota: dict[str, Any], objects: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """status.used: every hard resource, summed over the namespace's objects (0 if none)."""
    hard = (quota.get("spec") or {}).get("hard") or {}
    sums: dict[str, Quantity] = {}
    for key, items in objects.items():
        resource, _, group = key.partition(".")
        for obj in items:
            for name, value in usage(resource, group, obj).items():
                sums[name] = sums[name] + value if name in sums else value
    return {name: format_quantity(sums[name]) if name in sums else "0" for name in hard}


def status(quota: dict[str, Any], objects: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    hard = dict((quota.get("spec") or {}).get("hard") or {})
    return {"hard": hard, "used": total_usage(quota, objects)}


def _pretty(values: dict[str, Quantity], names: list[str]) -> str:
    return ",".join(f"{name}={format_quantity(values[name])}" for name in names)


def exceeded(
    quota: dict[str, Any], used: dict[str, str], requested: dict[str, Quantity]
) -> str | None:
    """checkRequest: the refusal when used + requested goes over hard, else None."""
    hard = {
        name: parse_quantity(v) for name, v in ((quota.get("spec") or {}).get("hard") or {}).items()
    }
    current = {name: parse_quantity(used.get(name, "0")) for name in hard}
    over = sorted(
        name
        for name, value in requested.items()
        if name in hard and milli_value(current[name] + value) > milli_value(hard[name])
    )
    if not over:
        return None
    return (
        f"exceeded quota: {quota['metadata']['name']}, requested: {_pretty(requested, over)}, "
        f"used: {_pretty(current, over)}, limited: {_pretty(hard, over)}"
    )
