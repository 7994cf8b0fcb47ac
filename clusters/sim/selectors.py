"""Label and field selectors, as the API server parses them.

Upstream: apimachinery/pkg/labels/selector.go (Parse), apimachinery/pkg/fields/selector.go
(ParseSelector) and each
resource's GetAttrs/field label conversion (pkg/registry/core/*/strategy.go).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from clusters.sim.errors import bad_request

Requirement = tuple[str, str, frozenset[str]]  # key, operator, values
_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9._/-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside `in (...)` value lists."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def parse_label_selector(text: str | None) -> list[Requirement]:
    requirements: list[Requirement] = []
    for part in _split_top_level(text or ""):
        eq = _EQ_RE.match(part)
        if eq:
            op = "!=" if eq.group(2) == "!=" else "="
            requirements.append((eq.group(1), op, frozenset([eq.group(3)])))
            continue
        match = _SET_RE.match(part)
        if not match:
            raise bad_request(
                f"unable to parse requirement: found '{part.strip()}', expected: identifier"
            )
        negate, key, op, values = match.groups()
        if op:
            vals = frozenset(v.strip() for v in values.split(",") if v.strip())
            requirements.append((key, op, vals))
        else:
            requirements.append((key, "!" if negate else "exists", frozenset()))
    return requirements


def labels_match(requirements: list[Requirement], labels: dict[str, str] | None) -> bool:
    labels = labels or {}
    for key, op, values in requirements:
        present = key in labels
        value = labels.get(key)
        if op == "=" and (not present or value not in values):
            return False
        if op == "!=" and present and value in values:
            return False
        if op == "in" and (not present or value not in values):
            return False
        if op == "notin" and present and value in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
    return True


def label_selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels, matchExpressions) against labels; none: everything.

    Callers for which a nil selector selects nothing (affinity terms) check for None first.
    """
    if not selector:
        return True
    requirements: list[Requirement] = [
        (k, "=", frozenset([v])) for k, v in (selector.get("matchLabels") or {}).items()
    ]
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expression in selector.get("matchExpressions") or []:
        op = operators.get(expression.get("operator", ""), "exists")
        requirements.append(
            (expression.get("key", ""), op, frozenset(expression.get("values") or []))
        )
    return labels_match(requirements, labels)


FieldRequirement = tuple[str, bool, str]  # field, equal?, value


def parse_field_selector(
    text: str | None, supported: dict[str, Callable[[dict], Any]]
) -> list[FieldRequirement]:
    requirements: list[FieldRequirement] = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        if "!=" in part:
            field, value = part.split("!=", 1)
            equal = False
        elif "==" in part:
            field, value = part.split("==", 1)
            equal = True
        elif "=" in part:
            field, value = part.split("=", 1)
            equal = True
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field = field.strip()
        if field not in supported:
            raise bad_request(f"field label not supported: {field}")
        requirements.append((field, equal, value.strip()))
    return requirements


def fields_match(
    requirements: list[FieldRequirement], obj: dict, supported: dict[str, Callable[[dict], Any]]
) -> bool:
    for field, equal, value in requirements:
        actual = supported[field](obj)
        actual_text = (
            ""
            if actual is None
            else str(actual).lower()
            if isinstance(actual, bool)
            else str(actual)
        )
        if (actual_text == value) != equal:
            return False
    return True


def _path(*keys: str) -> Callable[[dict], Any]:
    def get(obj: dict) -> Any:
        value: Any = obj
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return get


_META = {
    "metadata.name": _path("metadata", "name"),
    "metadata.namespace": _path("metadata", "namespace"),
}
FIELD_SELECTORS: dict[str, dict[str, Callable[[dict], Any]]] = {
    "pods": {
        **_META,
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": lambda o: bool((o.get("spec") or {}).get("hostNetwork")),
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "events": {
        **_META,
        "involvedObject.kind": _path("involvedObject", "kind"),
        "involvedObject.namespace": _path("involvedObject", "namespace"),
        "involvedObject.name": _path("involvedObject", "name"),
        "involvedObject.uid": _path("involvedObject", "uid"),
        "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    "nodes": {
        **_META,
        "spec.unschedulable": lambda o: bool((o.get("spec") or {}).get("unschedulable")),
    },
    "namespaces": {**_META, "status.phase": _path("status", "phase")},
    "secrets": {**_META, "type": _path("type")},
}


def field_selectors_for(resource: str) -> dict[str, Callable[[dict], Any]]:
    return FIELD_SELECTORS.get(resource, _META)
