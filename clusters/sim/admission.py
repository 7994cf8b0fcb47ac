"""ValidatingAdmissionPolicy: CEL rules that the API server checks before it stores an object.

Upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating (dispatcher.go:
a policy applies when its matchConstraints and a binding's matchResources match and every
matchCondition is true; a false validation under a `Deny` binding refuses the request with
"ValidatingAdmissionPolicy 'P' with binding 'B' denied request: <message>", where the message is
the validation's messageExpression, its message, or "failed expression: <expression>").
Expressions run with cel-python over `object`, `oldObject`, `request` and `namespaceObject`.

Not modelled: paramKind/paramRef, objectSelector, `Warn` and `Audit` actions (they let the
request through), and the type checking the real API server does when a policy is created.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import celpy

from clusters.sim import errors
from clusters.sim.kinds import BY_PLURAL
from clusters.sim.selectors import label_selector_matches

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

POLICIES = "validatingadmissionpolicies"
BINDINGS = "validatingadmissionpolicybindings"


@functools.cache
def _environment() -> celpy.Environment:
    """Built on first use: making CEL's parser takes half a second."""
    return celpy.Environment()


@functools.cache
def _program(expression: str) -> Any:
    env = _environment()
    return env.program(env.compile(expression))


def _evaluate(expression: str, activation: dict[str, Any]) -> Any:
    return _program(expression).evaluate(activation)


def _rule_matches(rule: dict[str, Any], group: str, resource: str, operation: str) -> bool:
    def has(values: list[str] | None, value: str) -> bool:
        return "*" in (values or []) or value in (values or [])

    return (
        has(rule.get("apiGroups"), group)
        and has(rule.get("apiVersions"), "v1")
        and has(rule.get("operations"), operation)
        and has(rule.get("resources"), resource)
    )


def _message(validation: dict[str, Any], activation: dict[str, Any]) -> str:
    if validation.get("messageExpression"):
        try:
            return str(_evaluate(validation["messageExpression"], activation))
        except Exception:  # a failing messageExpression falls back to the static message
            pass
    return validation.get("message") or f"failed expression: {validation['expression']}"


def admit(
    t: Tenant, operation: str, resource: str, obj: dict[str, Any], old: dict[str, Any] | None
) -> None:
    """Raise 403 Forbidden when a Deny binding's policy refuses this request."""
    bindings = t.store.list(BINDINGS)
    if not bindings or resource in (POLICIES, BINDINGS):
        return
    rtype = BY_PLURAL[resource]
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace", "")
    ns_obj = t.store.get("namespaces", "", namespace) if namespace else None
    ns_labels = (ns_obj or {}).get("metadata", {}).get("labels") or {}
    request = {
        "operation": operation,
        "namespace": namespace,
        "name": meta.get("name", ""),
        "kind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
        "resource": {"group": rtype.group, "version": rtype.version, "resource": resource},
        "userInfo": {"username": f"system:serviceaccount:{t.namespace}:learner"},
        "dryRun": False,
    }
    activation = {
        "object": celpy.json_to_cel(obj),
        "oldObject": celpy.json_to_cel(old) if old is not None else None,
        "request": celpy.json_to_cel(request),
        # the Namespace of a namespaced request (its labels, for policies like 11-vap-never)
        "namespaceObject": celpy.json_to_cel(ns_obj) if ns_obj is not None else None,
    }
    for binding in bindings:
        spec = binding.get("spec") or {}
        if "Deny" not in (spec.get("validationActions") or []):
            continue
        policy = t.store.get(POLICIES, "", spec.get("policyName", ""))
        if policy is None:
            continue
        pspec = policy.get("spec") or {}
        constraints = pspec.get("matchConstraints") or {}
        if not any(
            _rule_matches(r, rtype.group, resource, operation)
            for r in constraints.get("resourceRules") or []
        ):
            continue
        selectors = (
            constraints.get("namespaceSelector"),
            (spec.get("matchResources") or {}).get("namespaceSelector"),
        )
        if namespace and not all(label_selector_matches(s, ns_labels) for s in selectors):
            continue
        if not _conditions_hold(pspec, activation):
            continue
        for validation in pspec.get("validations") or []:
            try:
                allowed = bool(_evaluate(validation["expression"], activation))
                message = "" if allowed else _message(validation, activation)
            except Exception as err:  # failurePolicy Fail (the default): an error refuses
                if pspec.get("failurePolicy", "Fail") == "Ignore":
                    continue
                allowed, message = (
                    False,
                    f"expression '{validation['expression']}' resulted in error: {err}",
                )
            if not allowed:
                qualified = f"{resource}.{rtype.group}" if rtype.group else resource
                text = (
                    f'{qualified} "{meta.get("name", "")}" is forbidden: ValidatingAdmissionPolicy '
                    f"'{policy['metadata']['name']}' with binding '{binding['metadata']['name']}' "
                    f"denied request: {message}"
                )
                raise errors.ApiError(errors.status_object(403, "Forbidden", text))


def _conditions_hold(policy_spec: dict[str, Any], activation: dict[str, Any]) -> bool:
    for condition in policy_spec.get("matchConditions") or []:
        try:
            if not bool(_evaluate(condition["expression"], activation)):
                return False
        except Exception:
            return False
    return True
