"""Kyverno's validating webhook for ClusterPolicy `validate.pattern` rules.

Upstream (kyverno/kyverno):
- pkg/engine/validate/validate.go and pattern.go: a pattern map needs each of its keys
  (`=(key)` only when present, `X(key)` absent), a pattern list's first map is matched against
  every item, a string is `|`-separated alternatives of `&`-joined conditions, each an optional
  `!` (not) before a wildcard (`*`, `?`) compared with the value as a string (a missing value
  is ""). The first failing element gives the path, `/spec/containers/0/image/`.
- pkg/engine/handlers/validation (buildErrorMessage): `validation error: <message, with a
  final "."> rule <rule> failed at path <path>`, or without a message
  `validation error: rule <rule> failed at path <path>`.
- pkg/webhooks/utils (GetBlockedMessages): the denial is `\\n\\nresource <Kind>/<ns>/<name> was
  blocked due to the following policies \\n\\n` and the YAML (gopkg.in/yaml.v2, 80 columns) of
  {policy: {rule: message}}; Kyverno answers without a code, so the API server makes it 400
  and words it `admission webhook "validate.kyverno.svc-fail" denied the request: <message>`.
- The action of a failing rule: `validate.failureAction`, else the policy's
  `validationFailureAction`, else Audit (case-insensitive). Enforce blocks; Audit lets the
  request through (its results go to policy reports).
- pkg/autogen: a rule that matches only Pods also applies to DaemonSet, Deployment, Job,
  StatefulSet, ReplicaSet and ReplicationController (`autogen-<rule>`, pattern under
  `spec.template`) and CronJob (`autogen-cronjob-<rule>`, under `spec.jobTemplate.spec.template`),
  unless the annotation `pod-policies.kyverno.io/autogen-controllers` says `none` or lists others.
- Kyverno's default resource filters skip kube-system, kube-public, kube-node-lease and Events.

Not modelled: anyPattern, deny conditions, variables, foreach, the other anchors, numeric
comparisons, exclude blocks, Policy (namespaced), policy reports.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

from clusters.sim import errors
from clusters.sim.kinds import BY_PLURAL
from clusters.sim.selectors import label_selector_matches

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

WEBHOOK = "validate.kyverno.svc-fail"
AUTOGEN_ANNOTATION = "pod-policies.kyverno.io/autogen-controllers"
POD_CONTROLLERS = (
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
)
FILTERED_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


def _wildcard(pattern: str, value: str) -> bool:
    """minio's wildcard.Match: `*` any run of characters, `?` exactly one."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, flags=re.S) is not None


def _as_string(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def value_matches(value: Any, pattern: Any) -> bool:
    """pattern.go Validate, for the string, bool and number patterns."""
    if isinstance(pattern, bool | int | float):
        return value == pattern
    if not isinstance(pattern, str):
        return False
    if value == pattern:
        return True
    text = _as_string(value)
    for alternative in pattern.split("|"):
        conditions = [c.strip() for c in alternative.strip().split("&")]
        if text is not None and all(_condition(text, c) for c in conditions):
            return True
    return False


def _condition(text: str, condition: str) -> bool:
    if condition.startswith("!"):
        return not _wildcard(condition[1:].strip(), text)
    return _wildcard(condition, text)


def first_failure(resource: Any, pattern: Any, path: str = "/") -> str | None:
    """The path of the first element that does not match, or None when all match."""
    if isinstance(pattern, dict):
        if not isinstance(resource, dict):
            return path
        for key, sub in pattern.items():
            anchor = re.fullmatch(r"([=X])\((.+)\)", key)
            name = anchor.group(2) if anchor else key
            if anchor and anchor.group(1) == "X":
                if name in resource:
                    return f"{path}{name}/"
                continue
            if anchor and name not in resource:
                continue
            if sub == "*" and resource.get(name) is not None:
                continue
            failed = first_failure(resource.get(name), sub, f"{path}{name}/")
            if failed is not None:
                return failed
        return None
    if isinstance(pattern, list):
        if not isinstance(resource, list) or not pattern:
            return path
        if isinstance(pattern[0], dict):
            for index, item in enumerate(resource):
                failed = first_failure(item, pattern[0], f"{path}{index}/")
                if failed is not None:
                    return failed
            return None
        if len(resource) < len(pattern):
            return path
        for index, sub in enumerate(pattern):
            failed = first_failure(resource[index], sub, f"{path}{index}/")
            if failed is not None:
                return failed
        return None
    return None if value_matches(resource, pattern) else path


def failure_message(rule: dict[str, Any], name: str, path: str) -> str:
    """buildErrorMessage."""
    message = (rule.get("validate") or {}).get("message") or ""
    if not message:
        return f"validation error: rule {name} failed at path {path}"
    if not message.endswith("."):
        message += "."
    return f"validation error: {message} rule {name} failed at path {path}"


def _resource_filters(rule: dict[str, Any]) -> list[dict[str, Any]]:
    match = rule.get("match") or {}
    blocks = [*(match.get("any") or []), *(match.get("all") or [])]
    if match.get("resources"):
        blocks.append({"resources": match["resources"]})
    return [b.get("resources") or {} for b in blocks]


def _kind_of(entry: str) -> str:
    """`Pod`, `v1/Pod`, `apps/v1/Deployment`: the kind is the last part."""
    return entry.rsplit("/", 1)[-1]


def _matches(rule: dict[str, Any], kind: str, obj: dict[str, Any], ns_labels: dict) -> bool:
    meta = obj.get("metadata") or {}
    match = rule.get("match") or {}
    results = []
    for resources in _resource_filters(rule):
        kinds = [_kind_of(k) for k in resources.get("kinds") or []]
        namespaces = resources.get("namespaces") or []
        names = resources.get("names") or ([resources["name"]] if resources.get("name") else [])
        results.append(
            (not kinds or "*" in kinds or kind in kinds)
            and (not namespaces or any(_wildcard(n, meta.get("namespace", "")) for n in namespaces))
            and (not names or any(_wildcard(n, meta.get("name", "")) for n in names))
            and label_selector_matches(resources.get("selector"), meta.get("labels") or {})
            and label_selector_matches(resources.get("namespaceSelector"), ns_labels)
        )
    if match.get("all"):
        return bool(results) and all(results)
    return any(results)


def _autogen(policy: dict[str, Any], rule: dict[str, Any], kind: str) -> tuple[str, Any] | None:
    """The rule's name and pattern as Kyverno generates them for a Pod controller, if any."""
    annotations = policy["metadata"].get("annotations") or {}
    controllers = annotations.get(AUTOGEN_ANNOTATION, ",".join(POD_CONTROLLERS))
    if kind not in POD_CONTROLLERS or kind not in controllers.split(","):
        return None
    filters = _resource_filters(rule)
    if not filters or any(
        [_kind_of(k) for k in f.get("kinds") or []] != ["Pod"]
        or f.get("names")
        or f.get("selector")
        for f in filters
    ):
        return None
    pattern = (rule.get("validate") or {}).get("pattern")
    if kind == "CronJob":
        return f"autogen-cronjob-{rule['name']}", {
            "spec": {"jobTemplate": {"spec": {"template": pattern}}}
        }
    return f"autogen-{rule['name']}", {"spec": {"template": pattern}}


def _action(policy: dict[str, Any], rule: dict[str, Any]) -> str:
    action = (rule.get("validate") or {}).get("failureAction") or (policy.get("spec") or {}).get(
        "validationFailureAction", "Audit"
    )
    return str(action).capitalize()


def evaluate(
    policy: dict[str, Any], kind: str, obj: dict[str, Any], ns_labels: dict[str, str]
) -> list[tuple[str, str, str]]:
    """(rule name, message, action) of each rule of the policy that the object fails."""
    failed = []
    for rule in (policy.get("spec") or {}).get("rules") or []:
        pattern = (rule.get("validate") or {}).get("pattern")
        if pattern is None:
            continue
        name = rule.get("name", "")
        if not _matches(rule, kind, obj, ns_labels):
            generated = _autogen(policy, rule, kind)
            if generated is None:
                continue
            name, pattern = generated
        path = first_failure(obj, pattern)
        if path is not None:
            failed.append((name, failure_message(rule, name, path), _action(policy, rule)))
    return failed


def blocked_message(kind: str, obj: dict[str, Any], failures: dict[str, dict[str, str]]) -> str:
    """GetBlockedMessages."""
    meta = obj.get("metadata") or {}
    resource = f"{kind}/{meta.get('namespace', '')}/{meta.get('name', '')}"
    results = yaml.safe_dump(failures, default_flow_style=False, width=80, sort_keys=True)
    return f"\n\nresource {resource} was blocked due to the following policies \n\n{results}"


def review(t: Tenant, resource: str, obj: dict[str, Any]) -> None:
    """Raise Kyverno's denial when an Enforce rule of an admission-enabled policy fails."""
    rtype = BY_PLURAL[resource]
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace", "")
    if resource == "events" or namespace in FILTERED_NAMESPACES:
        return
    ns_obj = t.store.get("namespaces", "", namespace) if namespace else None
    ns_labels = ((ns_obj or {}).get("metadata") or {}).get("labels") or {}
    failures: dict[str, dict[str, str]] = {}
    for policy in t.store.list("clusterpolicies"):
        if (policy.get("spec") or {}).get("admission") is False:
            continue
        failed = evaluate(policy, rtype.kind, obj, ns_labels)
        if any(action == "Enforce" for _, _, action in failed):
            failures[policy["metadata"]["name"]] = {name: text for name, text, _ in failed}
    if failures:
        text = f'admission webhook "{WEBHOOK}" denied the request: ' + blocked_message(
            rtype.kind, obj, failures
        )
        raise errors.ApiError(errors.status_object(400, "", text))
