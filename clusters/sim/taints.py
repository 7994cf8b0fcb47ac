"""Taints and tolerations: which taint a pod's tolerations leave untolerated.

Upstream:
- staging/src/k8s.io/api/core/v1/toleration.go `ToleratesTaint`: an empty effect matches every
  effect, an empty key matches every key (with `Exists`), `Exists` ignores the value, `Equal`
  (also an empty operator) compares it. `Lt`/`Gt` belong to the alpha
  TaintTolerationComparisonOperators gate (off in v1.35), so like any other operator they
  match nothing here.
- staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go
  `FindMatchingUntoleratedTaint` (the first taint of the filtered ones no toleration matches) and
  `TolerationsTolerateTaint`.
- pkg/scheduler/framework/plugins/helper `DoNotScheduleTaintsFilterFunc`: only `NoSchedule` and
  `NoExecute` taints keep a pod off a node.
- pkg/apis/core/v1/helper `AddOrUpdateTolerationInPodSpec` and `Toleration.MatchToleration`
  (same key, effect, operator and value), as the DaemonSet controller adds its tolerations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DO_NOT_SCHEDULE = ("NoSchedule", "NoExecute")
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def tolerates(toleration: dict[str, Any], taint: dict[str, Any]) -> bool:
    """Toleration.ToleratesTaint."""
    effect, key = toleration.get("effect") or "", toleration.get("key") or ""
    if effect and effect != (taint.get("effect") or ""):
        return False
    if key and key != (taint.get("key") or ""):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return operator == "Exists"


def tolerations_tolerate(tolerations: Iterable[dict[str, Any]], taint: dict[str, Any]) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def pod_tolerations(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return (pod.get("spec") or {}).get("tolerations") or []


def node_taints(node: dict[str, Any]) -> list[dict[str, Any]]:
    return (node.get("spec") or {}).get("taints") or []


def untolerated_taint(
    taints: list[dict[str, Any]],
    tolerations: list[dict[str, Any]],
    effects: tuple[str, ...] = DO_NOT_SCHEDULE,
) -> dict[str, Any] | None:
    """FindMatchingUntoleratedTaint with a filter on the taint's effect."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerations_tolerate(tolerations, taint):
            return taint
    return None


def tolerates_unschedulable(pod: dict[str, Any]) -> bool:
    """nodeunschedulable Filter: does the pod tolerate `node.kubernetes.io/unschedulable`?"""
    return tolerations_tolerate(pod_tolerations(pod), UNSCHEDULABLE_TAINT)


def intolerable_prefer_no_schedule(pod: dict[str, Any], node: dict[str, Any]) -> int:
    """tainttoleration Score: the node's `PreferNoSchedule` taints the pod does not tolerate,
    counting only its tolerations with that effect or none (getAllTolerationPreferNoSchedule)."""
    taints = node_taints(node)
    if not taints:
        return 0
    preferred = [
        t
        for t in pod_tolerations(pod)
        if (t.get("effect") or "PreferNoSchedule") == "PreferNoSchedule"
    ]
    return sum(
        1
        for taint in taints
        if taint.get("effect") == "PreferNoSchedule" and not tolerations_tolerate(preferred, taint)
    )


def add_or_update_toleration(spec: dict[str, Any], toleration: dict[str, Any]) -> None:
    """AddOrUpdateTolerationInPodSpec: replace the toleration that matches on key, effect,
    operator and value, else append it."""
    fields = ("key", "effect", "operator", "value")
    current = spec.get("tolerations") or []
    same = [all((t.get(f) or "") == (toleration.get(f) or "") for f in fields) for t in current]
    if any(same):
        spec["tolerations"] = [
            dict(toleration) if s else t for t, s in zip(current, same, strict=True)
        ]
    else:
        spec["tolerations"] = [*current, dict(toleration)]
