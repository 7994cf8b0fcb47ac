"""ValidatingAdmissionPolicy with CEL (apiserver/pkg/admission/plugin/policy/validating)."""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from tests.sim.worlds import new_tenant, pod

POLICY = {
    "metadata": {"name": "always-pull"},
    "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": ["pods"],
                }
            ]
        },
        "validations": [
            {
                "expression": "object.spec.containers.all(c, c.imagePullPolicy == 'Always')",
                "messageExpression": "'pod ' + object.metadata.name + ' must pull Always'",
            }
        ],
    },
}


def binding(actions: list[str], selector: dict | None = None) -> dict:
    spec = {"policyName": "always-pull", "validationActions": actions}
    if selector:
        spec["matchResources"] = {"namespaceSelector": selector}
    return {"metadata": {"name": "always-pull-binding"}, "spec": spec}


def _tenant(actions: tuple[str, ...] = ("Deny",), selector: dict | None = None):
    _, _, tenant = new_tenant()
    tenant.create("validatingadmissionpolicies", None, POLICY)
    tenant.create("validatingadmissionpolicybindings", None, binding(list(actions), selector))
    return tenant


def test_a_deny_binding_refuses_a_pod_that_fails_the_expression() -> None:
    tenant = _tenant()
    with pytest.raises(ApiError) as caught:
        tenant.create("pods", "lab", pod("p", policy="IfNotPresent"))
    assert caught.value.code == 403
    assert caught.value.status["message"] == (
        "pods \"p\" is forbidden: ValidatingAdmissionPolicy 'always-pull' with binding "
        "'always-pull-binding' denied request: pod p must pull Always"
    )
    tenant.create("pods", "lab", pod("ok", policy="Always"))


def test_the_policy_sees_the_defaulted_policy() -> None:
    """Admission runs after defaulting: `nginx` (no tag) defaults to Always and passes."""
    tenant = _tenant()
    tenant.create("pods", "lab", pod("latest", image="lab/web"))
    with pytest.raises(ApiError):
        tenant.create("pods", "lab", pod("tagged", image="lab/web:1.0"))


def test_server_side_dry_run_is_checked_too() -> None:
    tenant = _tenant()
    with pytest.raises(ApiError):
        tenant.create("pods", "lab", pod("probe", policy="Never"), dry_run=True)


def test_warn_only_bindings_let_the_request_through() -> None:
    tenant = _tenant(actions=("Warn",))
    tenant.create("pods", "lab", pod("p", policy="IfNotPresent"))


def test_a_namespace_selector_limits_where_it_applies() -> None:
    tenant = _tenant(selector={"matchLabels": {"kubernetes.io/metadata.name": "default"}})
    tenant.create("pods", "lab", pod("elsewhere", policy="IfNotPresent"))
    with pytest.raises(ApiError):
        tenant.create("pods", "default", pod("here", policy="IfNotPresent"))
