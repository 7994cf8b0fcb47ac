"""The LimitRanger admission plugin: defaults a pod's container resources, then checks max/min.

Upstream: plugin/pkg/admission/limitranger/admission.go. `defaultContainerResourceRequirements`
takes `default` (limits) and `defaultRequest` (requests) from each `Container` limit;
`mergeContainerResources` fills in only what a container (then an init container) leaves out
and records it in the `kubernetes.io/limit-ranger` annotation; `PodValidateLimitFunc` then
checks each container against `min` and `max` and refuses the pod with every failure
(utilerrors.NewAggregate: one error as is, several as `[a, b]`).

A LimitRange's own defaulting (defaultRequest from default, default from max) is the API
server's job when the LimitRange is stored, not this plugin's. Go iterates `min`/`max` in map
order; here they go by resource name. Not modelled: `Pod` and `PersistentVolumeClaim` limit
types, maxLimitRequestRatio.
"""

from __future__ import annotations

from typing import Any

from clusters.sim.quantity import milli_value, parse_quantity

ANNOTATION = "kubernetes.io/limit-ranger"


def _container_limits(limit_ranges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        item
        for limit_range in limit_ranges
        for item in (limit_range.get("spec") or {}).get("limits") or []
        if item.get("type") == "Container"
    ]


def apply_defaults(pod: dict[str, Any], limit_ranges: list[dict[str, Any]]) -> None:
    """Fill in missing requests and limits in place, annotating the pod as the plugin does."""
    defaults: dict[str, dict[str, Any]] = {"requests": {}, "limits": {}}
    for item in _container_limits(limit_ranges):
        defaults["requests"].update(item.get("defaultRequest") or {})
        defaults["limits"].update(item.get("default") or {})
    notes = []
    for kind, containers in (
        ("container", pod["spec"].get("containers") or []),
        ("init container", pod["spec"].get("initContainers") or []),
    ):
        for container in containers:
            resources = container.setdefault("resources", {})
            for field, noun in (("requests", "request"), ("limits", "limit")):
                values = resources.get(field) or {}
                missing = sorted(name for name in defaults[field] if name not in values)
                for name in missing:
                    values[name] = defaults[field][name]
                if values:
                    resources[field] = values
                if missing:
                    notes.append(f"{', '.join(missing)} {noun} for {kind} {container['name']}")
    if notes:
        annotations = pod["metadata"].setdefault("annotations", {})
        annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def violations(pod: dict[str, Any], limit_ranges: list[dict[str, Any]]) -> list[str]:
    """maxConstraint / minConstraint texts for each container, in the plugin's order."""
    found = []
    for item in _container_limits(limit_ranges):
        for container in _containers_then_init(pod):
            resources = container.get("resources") or {}
            requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
            for name, enforced in sorted((item.get("min") or {}).items()):
                found += _min_text(name, enforced, requests.get(name), limits.get(name))
            for name, enforced in sorted((item.get("max") or {}).items()):
                found += _max_text(name, enforced, requests.get(name), limits.get(name))
    return found


def _containers_then_init(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or [])


def refusal(found: list[str]) -> str:
    """utilerrors.NewAggregate(errs).Error()."""
    return found[0] if len(found) == 1 else "[" + ", ".join(found) + "]"


def _milli(text: Any) -> int:
    return milli_value(parse_quantity(text))


def _min_text(name: str, enforced: Any, request: Any, limit: Any) -> list[str]:
    shown = str(parse_quantity(enforced))
    if request is None:
        return [f"minimum {name} usage per Container is {shown}.  No request is specified"]
    if _milli(request) < _milli(enforced):
        return [
            f"minimum {name} usage per Container is {shown}, but request is "
            f"{parse_quantity(request)}"
        ]
    if limit is not None and _milli(limit) < _milli(enforced):
        return [
            f"minimum {name} usage per Container is {shown}, but limit is {parse_quantity(limit)}"
        ]
    return []


def _max_text(name: str, enforced: Any, request: Any, limit: Any) -> list[str]:
    shown = str(parse_quantity(enforced))
    if limit is None:
        return [f"maximum {name} usage per Container is {shown}.  No limit is specified"]
    if _milli(limit) > _milli(enforced):
        return [
            f"maximum {name} usage per Container is {shown}, but limit is {parse_quantity(limit)}"
        ]
    if request is not None and _milli(request) > _milli(enforced):
        return [
            f"maximum {name} usage per Container is {shown}, but request is "
            f"{parse_quantity(request)}"
        ]
    return []
