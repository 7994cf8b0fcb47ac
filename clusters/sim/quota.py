"""ResourceQuota: what objects use, a quota's status, and the admission check on create.

Upstream:
- pkg/quota/v1/evaluator/core/pods.go: a pod that is not Succeeded/Failed uses `pods`,
  `count/pods`, `requests.cpu` (also `cpu`), `requests.memory` (also `memory`), `limits.cpu`
  and `limits.memory`; the pod's request is max(sum of its containers, each init container)
  (PodUsageFunc). `enforcePodContainerConstraints` refuses a pod that leaves out a resource
  the quota counts: `must specify limits.cpu for: app; requests.cpu for: app`.
- pkg/quota/v1/generic/evaluator.go: other objects count as `count/<resource>[.<group>]`, and
  secrets, configmaps, services also by their bare plural; services.go adds
  `services.loadbalancers` and `services.nodeports`.
- staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go checkRequest:
  used + requested must stay within hard for every resource the quota names, else
  `exceeded quota: NAME, requested: r=v, used: r=v, limited: r=v` (prettyPrint: sorted,
  comma-joined, only the exceeded resources); a missing resource is
  `failed quota: NAME: must specify ...`. The whole text follows `pods "x" is forbidden: `.

The simulator recomputes status.used synchronously, so a quota is never "status unknown".
Not modelled: scopes and scopeSelector, extended resources, ephemeral-storage, pod overhead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clusters.sim.quantity import Quantity, format_quantity, milli_value, parse_quantity

COMPUTE = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
_ALIASES = {"cpu": "requests.cpu", "memory": "requests.memory"}
_BARE_COUNTS = {"pods", "secrets", "configmaps", "services", "persistentvolumeclaims"}
TERMINAL = ("Succeeded", "Failed")
ONE, ZERO = Quantity(Decimal(1)), Quantity(Decimal(0))


def _resource_list(container: dict[str, Any], field: str) -> dict[str, Quantity]:
    values = (container.get("resources") or {}).get(field) or {}
    return {name: parse_quantity(value) for name, value in values.items()}


def _pod_totals(spec: dict[str, Any], field: str) -> dict[str, Quantity]:
    """PodRequests / PodLimits: the containers' sum, raised to any larger init container."""
    total: dict[str, Quantity] = {}
    for container in spec.get("containers") or []:
        for name, value in _resource_list(container, field).items():
            total[name] = total[name] + value if name in total else value
    for container in spec.get("initContainers") or []:
        for name, value in _resource_list(container, field).items():
            if name not in total or value.value > total[name].value:
                total[name] = value
    return total


def usage(resource: str, group: str, obj: dict[str, Any]) -> dict[str, Quantity]:
    """What one object counts against a quota."""
    used = {f"count/{resource}{'.' + group if group else ''}": ONE}
    if resource in _BARE_COUNTS and not group:
        used[resource] = ONE
    if resource == "services":
        kind = (obj.get("spec") or {}).get("type")
        used["services.loadbalancers"] = ONE if kind == "LoadBalancer" else ZERO
        used["services.nodeports"] = ONE if kind in ("NodePort", "LoadBalancer") else ZERO
    if resource == "pods":
        if (obj.get("status") or {}).get("phase") in TERMINAL:
            return {}
        for field in ("requests", "limits"):
            for name, value in _pod_totals(obj.get("spec") or {}, field).items():
                used[f"{field}.{name}"] = value
                if field == "requests" and name in _ALIASES:
                    used[name] = value
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
